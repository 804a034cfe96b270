// Hard cuts: a frame difference well above its local median, not undone within a few frames (flashes).
import type { CutTransition, Transition } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';
import type { DetectorContext, ShotDetector } from './detector.js';
import { StatsRing, frameDistance, lumaDistance } from './frame-stats.js';

/** Tuning of {@link createHardCutDetector}; the defaults suit broadcast footage. */
export interface HardCutOptions {
  /**
   * A small jump must be this many times the median difference around it to be a cut. Default 6.
   * The ratio needed falls with the size of the jump (10 per unit of difference, down to
   * `minRatio`): a jump that large is rarely motion, even amid other change.
   */
  readonly ratio?: number;
  /** The least ratio any cut needs. Default 2.5. */
  readonly minRatio?: number;
  /** Absolute floor on the frame difference (0-1 scale). Default 0.06. */
  readonly minDistance?: number;
  /** Absolute floor on the mean luma change (0-1). Default 0.015, about 4 grey levels. */
  readonly minLumaChange?: number;
  /** Longest flash (frames) that must not count as a cut. Default 3. */
  readonly flashFrames?: number;
}

const HISTORY = 64;
const WINDOW_BEFORE = 6;

/**
 * Creates the hard-cut detector. The score of frame t is its difference from frame t-1 divided
 * by the median difference of the frames around it (PySceneDetect's AdaptiveDetector idea, with
 * a median so one neighbouring event does not mask another), which stays low through fast
 * motion and camera moves because their differences are high on every frame. A candidate is
 * then checked against flashes: every frame just before t must still differ from every frame up
 * to `flashFrames` after it; a flash is undone when it ends, so some pair matches again.
 */
export function createHardCutDetector(context: DetectorContext, options: HardCutOptions = {}): ShotDetector {
  const ratio = options.ratio ?? 6;
  const minRatio = options.minRatio ?? 2.5;
  const minDistance = options.minDistance ?? 0.06;
  const minLumaChange = options.minLumaChange ?? 0.015;
  const flash = options.flashFrames ?? 3;
  // Decision for frame t waits until t + lookahead: flash frames plus the median window's future side.
  const lookahead = flash + 1;
  const ring = new StatsRing(WINDOW_BEFORE + lookahead + 4, context.width, context.height, 2);
  const distance = new Float64Array(HISTORY);
  const lumaChange = new Float64Array(HISTORY);
  const window: number[] = [];
  let newest = -1;
  let scores: Record<string, number> = {};

  const medianAround = (t: number): number => {
    window.length = 0;
    for (let j = Math.max(1, t - WINDOW_BEFORE); j <= Math.min(newest, t + lookahead); j++) {
      if (j !== t) window.push(distance[j % HISTORY]!);
    }
    if (window.length === 0) return 0;
    window.sort((a, b) => a - b);
    return window[window.length >> 1]!;
  };

  /** Smallest difference between a frame just before `t` and one at or just after it. */
  const crossMinimum = (t: number): number => {
    let min = Infinity;
    for (let i = t - flash; i < t; i++) {
      const a = ring.get(i);
      if (!a) continue;
      for (let j = t; j <= Math.min(newest, t + flash); j++) {
        const b = ring.get(j);
        if (b) min = Math.min(min, frameDistance(a, b));
      }
    }
    return min;
  };

  const decide = (t: number): CutTransition | undefined => {
    if (t < 1) return undefined;
    const d = distance[t % HISTORY]!;
    if (d < minDistance || lumaChange[t % HISTORY]! < minLumaChange) return undefined;
    const median = medianAround(t);
    const score = d / (median + 0.01);
    const needed = Math.max(minRatio, ratio - 10 * d);
    if (score < needed) return undefined;
    const cross = crossMinimum(t);
    if (cross < 0.5 * d) return undefined;
    const confidence = Math.min(1, 0.5 + 0.5 * Math.min(1, (score - needed) / (2 * needed)) * Math.min(1, cross / d));
    return { type: 'cut', frame: t, confidence: Math.round(confidence * 1000) / 1000 };
  };

  return {
    name: 'hardcut',
    latencyFrames: lookahead,
    push(frame: RgbFrame): Transition[] {
      const stats = ring.add(frame);
      newest = frame.index;
      const previous = ring.get(frame.index - 1);
      const d = previous ? frameDistance(previous, stats) : 0;
      distance[frame.index % HISTORY] = d;
      lumaChange[frame.index % HISTORY] = previous ? lumaDistance(previous, stats) : 0;
      const t = frame.index - lookahead;
      const cut = t >= 1 ? decide(t) : undefined;
      scores = { cut_distance: d, cut_ratio: t >= 1 ? distance[t % HISTORY]! / (medianAround(t) + 0.01) : 0 };
      return cut ? [cut] : [];
    },
    flush(): Transition[] {
      const out: Transition[] = [];
      for (let t = Math.max(1, newest - lookahead + 1); t <= newest; t++) {
        const cut = decide(t);
        if (cut) out.push(cut);
      }
      return out;
    },
    lastScores: () => scores,
  };
}
