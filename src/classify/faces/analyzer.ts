// Per-frame face analysis for the classify stage: detections, descriptors and a small crop per face.
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import type { RgbFrame } from '../../frames/frame.js';
import type { TfRuntime } from '../tf-runtime.js';
import { loadFaceModels, type FaceDetectorName } from './face-models.js';
import { EMPTY_GALLERY, loadGallery } from './gallery.js';

import { DEFAULT_MATCH_THRESHOLD, type FaceCrop, type FaceObservation, type GallerySummary } from './types.js';

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
 * Frame width for face analysis. Measured on bench/characters.mts: at 640 the fast detector
 * (input 320) still finds faces down to about 1/12 of the frame height, and a frame with one face
 * costs about 80 ms on the WASM backend (detector ~37 ms, landmarks ~15 ms, descriptor ~28 ms).
 */
export const FACE_FRAME_WIDTH = 640;
/** Default sampling: one frame a second finds every face on screen for a second or more. */
export const FACE_SAMPLE_FPS = 1;
/** Side of the square face crop carried with each observation. */
export const CROP_SIZE = 112;
/** The crop spans this many face-box heights, so hair and chin show and a detector can find it again. */
const CROP_MARGIN = 1.8;
/** Detections below this score are dropped. */
const MIN_FACE_SCORE = 0.4;
/** TinyFaceDetector input size: at 320 it missed faces under ~1/7 of the frame height on the test clips. */
const FAST_INPUT_SIZE = 416;
/** Faces smaller than this many pixels high give descriptors too poor to identify anyone. */
const MIN_FACE_PIXELS = 24;

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
  return {
    frameWidth: FACE_FRAME_WIDTH,
    sampleFps: FACE_SAMPLE_FPS,
    detector,
    threshold: options.threshold ?? DEFAULT_MATCH_THRESHOLD,
    gallery,
    async analyzeFrame(frame) {
      const faces = await models.detect(frame, detector, { minScore: MIN_FACE_SCORE, inputSize: FAST_INPUT_SIZE });
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
