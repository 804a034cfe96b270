// The plain, JSON-serialisable data that flows between stages: the analysis.json contract.
import type { Rational } from './rational.js';

/** One audio stream of the source, as ffprobe reports it. */
export interface AudioStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly language?: string;
}

export type FieldOrder = 'progressive' | 'tt' | 'bb' | 'tb' | 'bt' | 'unknown';

/** Where the source's start timecode came from. */
export type TimecodeSource = 'format-tag' | 'stream-tag' | 'tmcd' | 'none';

/** What the pipeline assumes about a file: the result of probing it. */
export interface MediaInfo {
  readonly path: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly container: string;
  readonly videoStreamIndex: number;
  readonly codec: string;
  readonly pixelFormat: string;
  /** The rate frames are counted and timecoded at (the stream's nominal rate). */
  readonly fps: Rational;
  /** Average rate over the file (frames / duration), which differs from `fps` for VFR input. */
  readonly averageFps: Rational;
  readonly variableFrameRate: boolean;
  /** Timecode is written drop-frame (29.97 / 59.94 with a `;` start timecode or none). */
  readonly dropFrame: boolean;
  /** Frames in the video stream (packets counted by ffprobe; the decode counts exactly). */
  readonly frameCount: number;
  readonly durationSeconds: number;
  /** The source's own start timecode, `00:00:00:00` when it has none. */
  readonly startTimecode: string;
  readonly startTimecodeSource: TimecodeSource;
  /** Coded size of the video stream. */
  readonly width: number;
  readonly height: number;
  readonly sampleAspectRatio: Rational;
  readonly displayAspectRatio: Rational;
  /** Clockwise display rotation in degrees (0, 90, 180, 270). */
  readonly rotation: number;
  /** Size the picture is shown at: rotation and sample aspect applied. */
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly fieldOrder: FieldOrder;
  /** The stream's colour matrix tag as ffprobe names it (`bt709`, `smpte170m`, ...), when it has one. */
  readonly colorSpace?: string;
  readonly audioStreams: readonly AudioStreamInfo[];
  /**
   * Where a decode can start without the frames before it: keyframes at least
   * {@link SEEK_POINT_SPACING_SECONDS} apart. Absent when the packet pass gave no timestamps.
   */
  readonly seekIndex?: SeekIndex;
}

/** Seek points are kept at least this far apart (a 24-hour file lists under 18 000). */
export const SEEK_POINT_SPACING_SECONDS = 5;

/** Keyframes to start decoding at, on the container's own clock (what ffmpeg's `-copyts` shows). */
export interface SeekIndex {
  /** The container's start time (ffprobe's format `start_time`), which ffmpeg's `-ss` counts from. */
  readonly startSeconds: number;
  /** Presentation time of the first frame. */
  readonly firstPtsSeconds: number;
  /** Keyframes in presentation order: the frame's index and its presentation time. */
  readonly points: readonly { readonly frame: number; readonly ptsSeconds: number }[];
}

/** Kinds of boundary between shots. */
export type TransitionType = 'cut' | 'dissolve' | 'fade-in' | 'fade-out' | 'fade-through' | 'wipe';
export type GradualTransitionType = Exclude<TransitionType, 'cut'>;

/** A hard cut: `frame` is the first frame of the new shot. */
export interface CutTransition {
  readonly type: 'cut';
  readonly frame: number;
  readonly confidence: number;
}

/** A gradual transition from its first to its last frame (both inclusive). */
export interface GradualTransition {
  readonly type: GradualTransitionType;
  readonly startFrame: number;
  readonly endFrame: number;
  readonly confidence: number;
  /** For fades: the colour faded from or to. */
  readonly color?: 'black' | 'white';
}

export type Transition = CutTransition | GradualTransition;

/** How a shot begins: the start of the file, a cut, or the gradual transition it spans. */
export type ShotTransition =
  | { readonly type: 'start' }
  | { readonly type: 'cut' }
  | { readonly type: GradualTransitionType; readonly startFrame: number; readonly endFrame: number };

export interface CharacterAppearance {
  readonly name: string;
  readonly confidence: number;
  readonly seconds: number;
}

/** A shot: frames `[startFrame, endFrame)`. */
export interface Shot {
  readonly index: number;
  readonly startFrame: number;
  readonly endFrame: number;
  readonly transition: ShotTransition;
  readonly keyframe: { readonly frame: number; readonly image: string };
  readonly labels: Readonly<Record<string, number>>;
  readonly characters: readonly CharacterAppearance[];
  readonly scale: string | null;
}

/**
 * What produced a segment: the scene classifier, a technical cue (black, bars, freeze, silence),
 * character recognition, or shot scale. Segments of different kinds may overlap.
 */
export type SegmentKind = 'scene' | 'technical' | 'character' | 'scale';

/** A run of frames `[startFrame, endFrame)` carrying one label. */
export interface Segment {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly label: string;
  readonly confidence: number;
  /** Absent means `'scene'` (analyses written before kinds existed). */
  readonly kind?: SegmentKind;
}

export type KeyframeReason = 'representative' | 'label-change';

export interface Keyframe {
  readonly frame: number;
  readonly reason: KeyframeReason;
  readonly shot: number;
}

/**
 * The models that ran: the scene classifier's folder and classes, the TensorFlow.js backend
 * chosen at start-up and why the better ones were skipped. `model` and `backend` are null when
 * no model ran (technical cues need none).
 */
export interface ClassifierInfo {
  readonly model: string | null;
  readonly backend: string | null;
  readonly classes: readonly string[];
  /** `backbone` (a head on frozen MobileNetV2 embeddings) or `cnn` (the compact CNN). */
  readonly architecture?: string;
  /** Frames the classifier labelled (sampled frames and shot keyframes). */
  readonly samples?: number;
  /** Backends above the chosen one, with the reason each was skipped. */
  readonly skipped?: readonly { readonly backend: string; readonly reason: string }[];
  /** Whether a native backend ran on a GPU. */
  readonly gpu?: boolean;
}

/** The `source` block of analysis.json. */
export interface SourceInfo {
  readonly path: string;
  readonly name: string;
  readonly fps: Rational;
  readonly dropFrame: boolean;
  readonly frameCount: number;
  readonly durationSeconds: number;
  readonly startTimecode: string;
  readonly width: number;
  readonly height: number;
  readonly variableFrameRate: boolean;
  /** For variable-frame-rate sources only: presentation time of every decoded frame, in seconds. */
  readonly frameTimesSeconds?: readonly number[];
}

/** analysis.json, version 1 (PRODUCT.md section 4). */
export interface AnalysisResult {
  readonly version: 1;
  readonly source: SourceInfo;
  readonly transitions: readonly Transition[];
  readonly shots: readonly Shot[];
  readonly segments: readonly Segment[];
  readonly keyframes: readonly Keyframe[];
  readonly classifier: ClassifierInfo;
  /**
   * Present when characters were recognised: the gallery's people, the face detector and match
   * threshold, and the unknown faces (clustered across the video) with their crops, which
   * `roughcut characters name` turns into people.
   */
  readonly characters?: {
    readonly gallery: string | null;
    readonly people: readonly { readonly name: string; readonly photos: number }[];
    readonly detector: string;
    readonly threshold: number;
    readonly unknownsFile: string;
    readonly unknowns: readonly { readonly name: string; readonly image: string; readonly shots: readonly number[] }[];
  };
  readonly timing: { readonly seconds: number; readonly framesPerSecond: number };
  /** Settings that change results, so a result can be reproduced. */
  readonly settings: Readonly<Record<string, unknown>>;
}
