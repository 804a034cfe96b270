// The push interface every shot-boundary detector implements, and what it is told at start.
import type { Rational } from '../core/rational.js';
import type { Transition } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';

/** What a detector knows about the stream before the first frame. */
export interface DetectorContext {
  readonly fps: Rational;
  /** Size of the frames it will be pushed (the decode's analysis size). */
  readonly width: number;
  readonly height: number;
  /** Shared minimum-shot-length policy, in frames. */
  readonly minShotFrames: number;
}

/** Per-frame metrics a detector computed, written out with `--scores` for tuning. */
export type FrameScores = Readonly<Record<string, number>>;

/**
 * A shot-boundary detector. Frames are pushed in order; each call returns the transitions that
 * became final, in frame order. `flush` returns the rest at the end of the stream.
 */
export interface ShotDetector {
  readonly name: string;
  /** How many frames behind the newest pushed frame a transition may still be emitted. */
  readonly latencyFrames: number;
  push(frame: RgbFrame): Transition[];
  flush(): Transition[];
  /** Metrics for the frame pushed last. */
  lastScores(): FrameScores;
}

export type DetectorFactory = (context: DetectorContext) => ShotDetector;
