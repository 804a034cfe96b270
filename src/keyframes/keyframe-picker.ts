// Keyframe choice: the frame that is most typical of its shot and sharp, away from transitions.
import type { FrameRange } from '../core/range.js';
import { HISTOGRAM_BINS, type FrameFeatureStore } from './frame-features.js';

/** Weights of the two things a representative frame should be. */
export interface KeyframePickerOptions {
  /** Weight of typicality (closeness of the colour histogram to the shot's mean). Default 0.6. */
  readonly typicalityWeight?: number;
  /** Weight of sharpness relative to the sharpest frame of the shot. Default 0.4. */
  readonly sharpnessWeight?: number;
  /** Share of the usable range skipped at each end, so the pick is not at a boundary. Default 0.1. */
  readonly edgeMargin?: number;
  /**
   * Cost of fetching a frame's full-size image, 0 (an intra frame) to 1 (a whole GOP to decode).
   * Among nearly equal candidates the cheaper one wins. Default: every frame costs the same.
   */
  readonly decodeCost?: (frame: number) => number;
  /**
   * Weight of `decodeCost`. Default 0.3: an intra frame (the encoder's best-quality picture, and
   * a one-frame decode) wins over a slightly more typical frame, never over a clearly better one.
   */
  readonly decodeCostWeight?: number;
}

/** Mean luma below which a frame counts as black and is avoided when anything else exists. */
const DARK_LUMA = 20;

/**
 * Picks the representative frame of `range` (the shot with its transition frames already
 * removed): maximises typicality × weight + sharpness × weight over the shot's middle, skipping
 * near-black frames unless the whole shot is dark.
 */
export function pickKeyframe(store: FrameFeatureStore, range: FrameRange, options: KeyframePickerOptions = {}): number {
  const { typicalityWeight = 0.6, sharpnessWeight = 0.4, edgeMargin = 0.1, decodeCost = () => 0, decodeCostWeight = 0.3 } = options;
  const length = range.endFrame - range.startFrame;
  if (length <= 0) throw new RangeError(`empty range [${range.startFrame}, ${range.endFrame})`);
  if (length <= 2) return range.startFrame + Math.floor(length / 2);
  const margin = Math.floor(length * edgeMargin);
  const start = range.startFrame + margin;
  const end = range.endFrame - margin;

  // At most ~400 candidates in a long shot: the choice does not need every frame.
  const step = Math.max(1, Math.floor((end - start) / 400));
  const candidates: number[] = [];
  for (let f = start; f < end; f++) if ((f - start) % step === 0 || decodeCost(f) === 0) candidates.push(f);
  const bright = candidates.filter((f) => store.lumaOf(f) >= DARK_LUMA);
  const pool = bright.length > 0 ? bright : candidates;

  const mean = new Float64Array(HISTOGRAM_BINS);
  for (const f of pool) {
    const h = store.histogram(f);
    for (let k = 0; k < HISTOGRAM_BINS; k++) mean[k]! += h[k]! / pool.length;
  }
  const distances = pool.map((f) => {
    const h = store.histogram(f);
    let d = 0;
    for (let k = 0; k < HISTOGRAM_BINS; k++) d += Math.abs(h[k]! - mean[k]!);
    return d;
  });
  const maxDistance = Math.max(...distances, 1e-9);
  const maxSharpness = Math.max(...pool.map((f) => store.sharpnessOf(f)), 1e-9);
  let best = pool[0]!;
  let bestScore = -Infinity;
  pool.forEach((f, i) => {
    const score = typicalityWeight * (1 - distances[i]! / maxDistance) + sharpnessWeight * (store.sharpnessOf(f) / maxSharpness)
      - decodeCostWeight * decodeCost(f);
    if (score > bestScore) {
      bestScore = score;
      best = f;
    }
  });
  return best;
}
