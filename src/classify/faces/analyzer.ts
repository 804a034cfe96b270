// Per-frame face analysis for the classify stage: detections, descriptors and a small crop per face.
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import type { RgbFrame } from '../../frames/frame.js';
import type { TfRuntime } from '../tf-runtime.js';
import { loadFaceModels, type FaceDetectorName } from './face-models.js';
import { EMPTY_GALLERY, loadGallery } from './gallery.js';

import { boxIou, CONFIRMED_FACE_SCORE, DEFAULT_MATCH_THRESHOLD, type FaceBox, type FaceCrop, type FaceObservation, type GallerySummary } from './types.js';

export type { FaceCrop, FaceObservation, GallerySummary } from './types.js';

export interface CharacterAnalyzerOptions {
  /** The gallery folder (`--characters DIR`); without one every face becomes an Unknown. */
  readonly gallery?: string;
  /** The runtime `loadTensorflow` chose in this thread: face-api runs on the same backend. */
  readonly runtime: TfRuntime;
  /** `'fast'` (default): TinyFaceDetector; `'accurate'`: SSD MobileNet v1, about 5x slower. */
  readonly detector?: FaceDetectorName;
  /** Same-person descriptor distance; default DEFAULT_MATCH_THRESHOLD. */
  readonly threshold?: number;
  readonly logger?: Logger;
}

/** Looks for faces on frames; one per worker thread. */
export interface FaceAnalyzer {
  /** Width the frames should be decoded at (height by the display aspect). */
  readonly frameWidth: number;
  /** Sampling rate recommended for `analyze` (frames per second of video). */
  readonly sampleFps: number;
  readonly detector: FaceDetectorName;
  readonly threshold: number;
  /** Names, photo counts and descriptors: pass it to summarizeCharacters (galleryForAnalysis for analysis.json). */
  readonly gallery: GallerySummary;
  /** Faces on one frame, largest first. */
  analyzeFrame(frame: RgbFrame): Promise<FaceObservation[]>;
  dispose(): void;
}

/**
 * Frame width for face analysis. At 640 the fast detector (TinyFaceDetector at input 416, weak
 * detections kept) finds most faces down to about 1/7 of the frame height, a third of those at
 * 1/8 and none under 1/10 (bench/face-sizes.mts); frames of 960 or 1280 gave no more without a
 * larger input size. Cost on the WASM backend (bench/characters.mts --cost, 2-core machine, idle):
 * detector ~62 ms a frame, landmarks + descriptor ~43 ms a face (less where a face is carried
 * over from the previous sample, see REUSE_*).
 */
export const FACE_FRAME_WIDTH = 640;
/**
 * Default sampling: one frame every two seconds. A face on screen for two seconds or more is
 * seen; at ~100 ms a frame this keeps a 5-minute programme near 15 s of model-thread time.
 * Shorter shots may get no sample: `analyze` should also send each shot's keyframe.
 */
export const FACE_SAMPLE_FPS = 0.5;
/** Side of the square face crop carried with each observation. */
export const CROP_SIZE = 112;
/** The crop spans this many face-box heights, so hair and chin show and a detector can find it again. */
const CROP_MARGIN = 1.8;
/**
 * Descriptor reuse: a face whose box overlaps one on the previous sample this much (IoU) and
 * whose 12x12 grey thumbnail differs by less than REUSE_MAX_DIFFERENCE (mean absolute, 0-255)
 * is the same face in the same pose, so its descriptor is carried over instead of recomputed
 * (landmarks and descriptor are ~40 ms a face on WASM). A new descriptor is computed at least
 * every REUSE_MAX_AGE + 1 samples, and never across a gap of more than two samples.
 */
const REUSE_MIN_IOU = 0.6;
const REUSE_MAX_DIFFERENCE = 10;
const REUSE_MAX_AGE = 2;
const SIGNATURE_SIDE = 12;
/**
 * Detections below this score are dropped. The fast detector keeps weaker ones, down to
 * FAST_MIN_FACE_SCORE: small and wide-shot faces mostly score 0.1-0.4 on TinyFaceDetector
 * (bench/face-sizes.mts, at 1/7 of the frame height: 40% of faces found at 0.4, 80% at 0.2,
 * 93% at 0.1).
 * Such a face counts only when its track matches someone in the gallery (summarizeCharacters,
 * CONFIRMED_FACE_SCORE): the weak boxes are mostly not faces.
 */
const MIN_FACE_SCORE = CONFIRMED_FACE_SCORE;
const FAST_MIN_FACE_SCORE = 0.1;
/**
 * At most this many weak detections a frame get a descriptor (~40 ms each on WASM), the best
 * scoring: on a busy wide shot of ../shared/media the fast detector made up to three. On the
 * 5-minute benchmark programme (no faces) 15 weak detections in 150 samples took the analyzer
 * from 10.7 to 11.6 s of CPU (same process, samples alternated).
 */
const MAX_WEAK_FACES = 3;
/**
 * TinyFaceDetector input size. bench/face-sizes.mts, faces found at 1/8, 1/7, 1/6 of the frame
 * height (score 0.4): input 416 7/40/60%, 608 93/100/93% but 175 ms a frame instead of 82, on
 * every sample, faceless ones included (the accurate detector: 100% down to 1/8, 87% at 1/10,
 * 326 ms). Keeping weak detections (FAST_MIN_FACE_SCORE) gains most of that at no detector cost.
 */
const FAST_INPUT_SIZE = 416;
/** Faces smaller than this many pixels high give descriptors too poor to identify anyone. */
const MIN_FACE_PIXELS = 24;
/**
 * Dark frames (inside a fade, night, low-key light) are brightened before detection: when the
 * 99.9th percentile of luma is under DARK_FRAME_LEVEL, every channel is multiplied so that this
 * percentile becomes 255 (black stays black, hues and shading stay). The top percentile is that
 * high so that a small bright face on a dark frame is not clipped. Frames whose 99.9th percentile
 * is under MIN_DARK_TOP (black, or nearly) are left alone: brightening them shows only noise.
 * On ../shared/media (bench/characters.mts) a face mid fade-out (luma p99 38) went from not
 * detected to found and named (0.47 from the enrolled photo) by both detectors, and no face was
 * newly misnamed on the 9 clips. A first version that stretched the 1st-99th percentile span
 * clipped small faces on dark backgrounds (bench/face-sizes.mts: fast detector 40 -> 27 % found
 * at 1/8 of the frame height); this one leaves that bench as it was. Cost: a luma histogram of
 * every 7th pixel (~0.2 ms a 640x360 frame) and, on dark frames only, a table lookup per byte
 * (~3 ms), against ~60-90 ms for the detector.
 */
const DARK_FRAME_LEVEL = 100;
const MIN_DARK_TOP = 16;

/**
 * Loads face-api on `options.runtime` and the gallery (descriptors cached beside the photos;
 * bad photos are logged as warnings and skipped) and returns the per-frame analyzer.
 */
export async function createFaceAnalyzer(options: CharacterAnalyzerOptions): Promise<FaceAnalyzer> {
  const logger = options.logger ?? silentLogger;
  const models = await loadFaceModels(options.runtime);
  const gallery = options.gallery ? await loadGallery(options.gallery, models, logger) : EMPTY_GALLERY;
  const detector = options.detector ?? 'fast';
  logger.info('face analysis ready', { backend: options.runtime.backend, detector, people: gallery.people.length, photos: gallery.entries.length });
  let lastGap = Number.POSITIVE_INFINITY;
  let previous: { frame: number; faces: { box: Box; signature: Uint8Array; descriptor: Float32Array; age: number }[] } | undefined;
  const gapFrames = (frame: RgbFrame): number => (previous ? Math.max(1, frame.index - previous.frame) : 0);
  return {
    frameWidth: FACE_FRAME_WIDTH,
    sampleFps: FACE_SAMPLE_FPS,
    detector,
    threshold: options.threshold ?? DEFAULT_MATCH_THRESHOLD,
    gallery,
    async analyzeFrame(original) {
      const frame = brightenDarkFrame(original);
      const prior = previous && frame.index > previous.frame && frame.index - previous.frame <= 2 * lastGap ? previous : undefined;
      const current: NonNullable<typeof previous>['faces'] = [];
      const faces = await models.detect(frame, detector, {
        minScore: detector === 'fast' ? FAST_MIN_FACE_SCORE : MIN_FACE_SCORE,
        inputSize: FAST_INPUT_SIZE,
        weak: { below: CONFIRMED_FACE_SCORE, max: MAX_WEAK_FACES },
        known: (box) => {
          if (!prior) return undefined;
          const signature = faceSignature(frame, box);
          const match = prior.faces.find((p) => p.age < REUSE_MAX_AGE && boxIou(p.box, box) >= REUSE_MIN_IOU && meanAbsoluteDifference(p.signature, signature) < REUSE_MAX_DIFFERENCE);
          if (!match) return undefined;
          current.push({ box, signature, descriptor: match.descriptor, age: match.age + 1 });
          return match.descriptor;
        },
      });
      for (const f of faces) {
        if (!current.some((c) => c.descriptor === f.descriptor)) current.push({ box: f, signature: faceSignature(frame, f), descriptor: f.descriptor, age: 0 });
      }
      lastGap = gapFrames(frame) || lastGap;
      previous = { frame: frame.index, faces: current };
      return faces
        .filter((f) => f.height >= MIN_FACE_PIXELS)
        .sort((a, b) => b.height - a.height)
        .map((f) => ({
          x: f.x, y: f.y, width: f.width, height: f.height, frameWidth: frame.width, frameHeight: frame.height,
          score: f.score, descriptor: Array.from(f.descriptor), crop: cropFace(frame, f),
        }));
    },
    dispose() { /* the models stay loaded for the thread's next analyzer */ },
  };
}

/** A CROP_SIZE square around the face box (bilinear), padded with black beyond the frame. */
export function cropFace(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>, box: { x: number; y: number; width: number; height: number }): FaceCrop {
  const side = Math.max(box.width, box.height) * CROP_MARGIN;
  const left = box.x + box.width / 2 - side / 2;
  const top = box.y + box.height / 2 - side / 2;
  const scale = side / CROP_SIZE;
  const out = new Uint8Array(CROP_SIZE * CROP_SIZE * 3);
  for (let y = 0; y < CROP_SIZE; y += 1) {
    const sy = top + (y + 0.5) * scale - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < CROP_SIZE; x += 1) {
      const sx = left + (x + 0.5) * scale - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      for (let c = 0; c < 3; c += 1) {
        const p = (yy: number, xx: number): number => (yy < 0 || xx < 0 || yy >= frame.height || xx >= frame.width ? 0 : frame.data[(yy * frame.width + xx) * 3 + c]!);
        const v = (p(y0, x0) * (1 - fx) + p(y0, x0 + 1) * fx) * (1 - fy) + (p(y0 + 1, x0) * (1 - fx) + p(y0 + 1, x0 + 1) * fx) * fy;
        out[(y * CROP_SIZE + x) * 3 + c] = Math.round(v);
      }
    }
  }
  return { width: CROP_SIZE, height: CROP_SIZE, data: out };
}

type Box = FaceBox;

/**
 * The frame itself, or for a dark one (DARK_FRAME_LEVEL) a copy multiplied so that its 99.9th
 * luma percentile becomes 255. Exported for tests.
 */
export function brightenDarkFrame<T extends Pick<RgbFrame, 'width' | 'height' | 'data'>>(frame: T): T {
  const histogram = new Uint32Array(256);
  const pixels = frame.width * frame.height;
  let n = 0;
  for (let p = 0; p < pixels; p += 7) {
    const i = p * 3;
    histogram[(frame.data[i]! * 77 + frame.data[i + 1]! * 150 + frame.data[i + 2]! * 29) >> 8]! += 1;
    n += 1;
  }
  const percentile = (q: number): number => {
    let seen = 0;
    for (let v = 0; v < 256; v += 1) {
      seen += histogram[v]!;
      if (seen > q * n) return v;
    }
    return 255;
  };
  const high = percentile(0.999);
  if (n === 0 || high >= DARK_FRAME_LEVEL || high < MIN_DARK_TOP) return frame;
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v += 1) table[v] = Math.min(255, Math.round((v * 255) / high));
  const data = new Uint8Array(frame.data.length);
  for (let i = 0; i < data.length; i += 1) data[i] = table[frame.data[i]!]!;
  return { ...frame, data };
}

/** A SIGNATURE_SIDE-square grey thumbnail of the box (nearest sample): cheap evidence of "same face, same pose". */
function faceSignature(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>, box: Box): Uint8Array {
  const out = new Uint8Array(SIGNATURE_SIDE * SIGNATURE_SIDE);
  for (let y = 0; y < SIGNATURE_SIDE; y += 1) {
    const sy = Math.min(frame.height - 1, Math.max(0, Math.floor(box.y + ((y + 0.5) * box.height) / SIGNATURE_SIDE)));
    for (let x = 0; x < SIGNATURE_SIDE; x += 1) {
      const sx = Math.min(frame.width - 1, Math.max(0, Math.floor(box.x + ((x + 0.5) * box.width) / SIGNATURE_SIDE)));
      const i = (sy * frame.width + sx) * 3;
      out[y * SIGNATURE_SIDE + x] = (frame.data[i]! * 77 + frame.data[i + 1]! * 150 + frame.data[i + 2]! * 29) >> 8;
    }
  }
  return out;
}

function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

