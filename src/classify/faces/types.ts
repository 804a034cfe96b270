// Plain data shared by the face analyzer, the per-shot summary and the unknown-faces files.

/**
 * Same-person limit on a track's distance to a gallery photo (euclidean between face-api
 * descriptors; a track's distance is that of its two nearest faces, see trackDistances).
 * face-api's FaceMatcher uses 0.6. Measured: the same face re-framed (test clips from face-api's
 * sample photos) 0.20-0.31; different people in those photos as close as 0.45 (small faces,
 * similar looks). On ../shared/media (bench/characters.mts, Audrey Hepburn and Sintel enrolled,
 * 15 clips, every face of someone else counted as a stranger) at the default sampling the
 * enrolled people's tracks came to 0.42-0.53 from their nearest photo where a viewer can tell
 * them (0.50-0.53 half behind a door) and 0.63-0.66 under a scarf; strangers' tracks no nearer
 * than 0.63 (fast detector) and 0.64 (accurate). Sampling every 6th frame instead, strangers
 * came to 0.58 (a weak detection of Sintel against Audrey's photos) and 0.61-0.62 (confirmed
 * faces), and 0.6 named a stranger there. 0.55 lies between the two with a margin of about 0.03
 * on either side; 0.5 missed the face half behind the door, 0.55-0.58 named no stranger at
 * either sampling. CharacterAnalyzerOptions.threshold changes it.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.55;

/**
 * Detector score at which one detection is trusted on its own. Weaker detections (the fast
 * detector keeps them down to 0.1, for small faces) count only when their track matches
 * someone in the gallery (summarizeCharacters): an unknown face needs one confident detection.
 */
export const CONFIRMED_FACE_SCORE = 0.4;

/** One enrolled photo's descriptor. */
export interface GalleryEntry {
  readonly name: string;
  /** Path relative to the gallery folder. */
  readonly file: string;
  readonly descriptor: readonly number[];
}

/**
 * The loaded gallery: names and photo counts (what analysis.json records, see
 * `galleryForAnalysis`) and the descriptors summarizeCharacters matches against. Plain data:
 * it crosses from the model thread to the main thread.
 */
export interface GallerySummary {
  /** Absolute path of the gallery folder; null without one. */
  readonly dir: string | null;
  readonly people: readonly { readonly name: string; readonly photos: number }[];
  readonly entries: readonly GalleryEntry[];
  /** Photos that could not be used, each with the reason (also logged as warnings). */
  readonly problems: readonly { readonly file: string; readonly reason: string }[];
}

/** An RGB24 image small enough to travel with an observation: a face crop. */
export interface FaceCrop {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One face on one analysed frame. Plain data: structured-clone safe across worker threads. */
export interface FaceObservation {
  /** Box in the analysed frame's pixels. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Size of the analysed frame, so boxes can be read as fractions of it. */
  readonly frameWidth: number;
  readonly frameHeight: number;
  /** Detector confidence 0..1. */
  readonly score: number;
  /** face-api's 128-d descriptor of the aligned face. */
  readonly descriptor: readonly number[];
  /** The face with some margin, square, for Unknown faces' representative images. */
  readonly crop: FaceCrop;
}

/** The faces found on one analysed frame (an empty list counts: it says the frame was looked at). */
export interface FrameFaces {
  readonly frame: number;
  readonly faces: readonly FaceObservation[];
}

/** A face that matched nobody in the gallery, clustered across the whole video. */
export interface UnknownFace {
  /** `Unknown 1`, `Unknown 2`, ... in order of first appearance. */
  readonly name: string;
  readonly firstFrame: number;
  /** Indexes of the shots it appears in. */
  readonly shots: readonly number[];
  /** Mean descriptor of the cluster. */
  readonly descriptor: readonly number[];
  /** Mean descriptor of each track in the cluster (what naming enrols). */
  readonly descriptors: readonly (readonly number[])[];
  /** The cluster's largest, most confident face. */
  readonly crop: FaceCrop;
}

/** A box in pixels of the frame it was found on. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Intersection over union of two boxes (0 when they do not overlap). */
export function boxIou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}
