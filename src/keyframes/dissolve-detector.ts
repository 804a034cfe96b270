// Dissolves (and other mixes): a frame that is a linear blend of two different shots either side of it.
import { toNumber } from '../core/rational.js';
import type { Transition } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';
import type { DetectorContext, ShotDetector } from './detector.js';
import { StatsRing, lumaDistance, measureBlocks, rmsDistance, type FrameStats } from './frame-stats.js';

/** Tuning of {@link createDissolveDetector}; the defaults suit broadcast footage. */
export interface DissolveOptions {
  /** Half-widths of the tested windows, in seconds. Default [0.15, 0.3, 0.5, 0.8]. */
  readonly scalesSeconds?: readonly number[];
  /** Share of the better end frame's error the blend must remove for a frame to join a candidate. Default 0.6. */
  readonly minMixGain?: number;
  /** ... and that the best frame of a candidate must reach for it to be reported. Default 0.8. */
  readonly confirmMixGain?: number;
  /** The two ends must correlate less than this (they are different shots). Default 0.6. */
  readonly maxEndCorrelation?: number;
  /** Minimum RMS luma difference between the ends, 0-255. Default 10. */
  readonly minEndDifference?: number;
  /** How steadily the blend must move from one end to the other (1 / total travel of α). Default 0.7. */
  readonly minMonotony?: number;
  /**
   * The change across the transition must be this many times the change over as many frames
   * just before or just after it. Default 1. A dissolve joins two shots that are steadier
   * than the transition; flicker, lighting swings and motion change as fast outside as inside.
   */
  readonly minContrast?: number;
  /**
   * Motion-tolerant test, for dissolves between moving shots where the pixel blend fails: the
   * same fit on coarse block means (8x6 grid of Y, U, V), which motion inside a cell barely
   * moves. Share of the better end's error the blend of block means must remove. Default 0.85.
   */
  readonly minBlockGain?: number;
  /**
   * ... and that the best frame of a block candidate must reach, unless the frame also
   * shows the variance dip of a mix of unrelated pictures (see `maxVarianceDip`). Default 0.9.
   */
  readonly confirmBlockGain?: number;
  /**
   * A mix of two unrelated pictures has less luma variance than either (α²·varA + (1-α)²·varB,
   * half the linear interpolation at α = 0.5), while motion keeps it. A block candidate
   * between `minBlockGain` and `confirmBlockGain` is reported when its frame's variance is at
   * most this share of the interpolated one. Default 0.8.
   */
  readonly maxVarianceDip?: number;
  /**
   * Block candidates: the pixel correlation of the two ends must stay below this (two
   * unrelated pictures; within one shot, motion keeps the ends correlated). Default 0.5.
   */
  readonly maxBlockEndCorrelation?: number;
  /**
   * Block candidates: the change of block means across the transition must be this many
   * times the change over as many frames just outside it, on the steadier side. Default 2.5:
   * a camera move or a zoom changes the layout as fast outside as inside.
   */
  readonly minBlockContrast?: number;
}

/** Grid of the motion-tolerant block means. */
const BLOCK_COLUMNS = 8;
const BLOCK_ROWS = 6;

/** The linear-mix test of frame M against ends A and B. */
interface MixTest {
  alpha: number;
  gain: number;
  correlation: number;
  rms: number;
}

/** The best extent found by one of the two tests, and how strongly it was found. */
interface Extent {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly strength: number;
  readonly gain: number;
  /** Some candidate passed the confirmation test of its kind. */
  readonly confirmed: boolean;
}

/** Overlapping candidates, grouped into one event: the best of each test, and the union of their spans. */
interface Candidate {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly pixels?: Extent;
  readonly blocks?: Extent;
  readonly lastSeen: number;
}

/**
 * Least-squares fit `M ≈ α·A + (1-α)·B` over the decimated luma planes. `gain` is how much of
 * the error of the better single end (α = 0 or 1) the blend removes: near 1 inside a dissolve,
 * near 0 across a cut (M equals one end) and low for motion (a blend of two displaced pictures
 * is a double exposure, not the sharp picture between them).
 */
function mixTest(a: FrameStats, m: FrameStats, b: FrameStats, out: MixTest): MixTest {
  const la = a.luma;
  const lm = m.luma;
  const lb = b.luma;
  let sAB = 0;
  let sMBAB = 0;
  let sMB = 0;
  let sumA = 0;
  let sumB = 0;
  let sAA = 0;
  let sBB = 0;
  let sAxB = 0;
  for (let k = 0; k < la.length; k++) {
    const av = la[k]!;
    const bv = lb[k]!;
    const ab = av - bv;
    const mb = lm[k]! - bv;
    sAB += ab * ab;
    sMBAB += mb * ab;
    sMB += mb * mb;
    sumA += av;
    sumB += bv;
    sAA += av * av;
    sBB += bv * bv;
    sAxB += av * bv;
  }
  const n = la.length;
  out.rms = Math.sqrt(sAB / n);
  out.alpha = sAB > 0 ? sMBAB / sAB : 0;
  const errorB = sMB;
  const errorA = sMB - 2 * sMBAB + sAB;
  const errorMix = sAB > 0 ? Math.max(0, sMB - (sMBAB * sMBAB) / sAB) : sMB;
  const best = Math.min(errorA, errorB);
  out.gain = best > 0 ? 1 - errorMix / best : 0;
  const varA = sAA / n - (sumA / n) ** 2;
  const varB = sBB / n - (sumB / n) ** 2;
  const cov = sAxB / n - (sumA / n) * (sumB / n);
  // A flat end (black in a fade) has no correlation with anything.
  out.correlation = varA > 4 && varB > 4 ? cov / Math.sqrt(varA * varB) : 0;
  return out;
}

/** The same least-squares blend fit on block means; `correlation` is left alone. */
function blockMixTest(la: Float32Array, lm: Float32Array, lb: Float32Array, out: MixTest): MixTest {
  let sAB = 0;
  let sMBAB = 0;
  let sMB = 0;
  for (let k = 0; k < la.length; k++) {
    const bv = lb[k]!;
    const ab = la[k]! - bv;
    const mb = lm[k]! - bv;
    sAB += ab * ab;
    sMBAB += mb * ab;
    sMB += mb * mb;
  }
  out.rms = Math.sqrt(sAB / la.length);
  out.alpha = sAB > 0 ? sMBAB / sAB : 0;
  const errorA = sMB - 2 * sMBAB + sAB;
  const errorMix = sAB > 0 ? Math.max(0, sMB - (sMBAB * sMBAB) / sAB) : sMB;
  const best = Math.min(errorA, sMB);
  out.gain = best > 0 ? 1 - errorMix / best : 0;
  return out;
}

/**
 * Creates the dissolve detector. For each new frame t and each half-width w it tests whether
 * frame t-w is a blend of frames t-2w and t that are different shots (low correlation); the
 * extent comes from the blend factor of every frame between the ends, so it is exact for still
 * content. When the shots move, the pixel blend fails (the ends are not the pictures that were
 * mixed), so the same test runs on coarse block means, which motion barely changes; such
 * block candidates must also have unrelated ends, a very good fit or the variance dip of a mix,
 * and stand out from the change just outside them (a camera move does not), and their extent
 * is a linear ramp fitted to the block blend factors. Candidates that overlap are grouped into
 * one event, reported by the pixel test when it confirms it. Memory is one ring of small luma
 * planes and block means of the longest window.
 */
export function createDissolveDetector(context: DetectorContext, options: DissolveOptions = {}): ShotDetector {
  const fps = toNumber(context.fps);
  const scales = [...new Set((options.scalesSeconds ?? [0.15, 0.3, 0.5, 0.8]).map((s) => Math.max(2, Math.round(s * fps))))].sort((a, b) => a - b);
  const maxScale = scales[scales.length - 1]!;
  const minGain = options.minMixGain ?? 0.6;
  const maxCorrelation = options.maxEndCorrelation ?? 0.6;
  const minRms = options.minEndDifference ?? 10;
  const minMonotony = options.minMonotony ?? 0.7;
  const minContrast = options.minContrast ?? 1;
  const confirmGain = options.confirmMixGain ?? 0.8;
  const minBlockGain = options.minBlockGain ?? 0.85;
  const confirmBlockGain = options.confirmBlockGain ?? 0.9;
  const maxDip = options.maxVarianceDip ?? 0.8;
  const maxBlockCorrelation = options.maxBlockEndCorrelation ?? 0.5;
  const minBlockContrast = options.minBlockContrast ?? 2.5;
  // Room for the longest transition and as long again either side of it, for the stability check.
  const ring = new StatsRing(6 * maxScale + 4, context.width, context.height, 2);
  const blocks = Array.from({ length: ring.size }, () => new Float32Array(3 * BLOCK_COLUMNS * BLOCK_ROWS));
  const blocksOf = (i: number): Float32Array | undefined => (ring.get(i) ? blocks[i % ring.size] : undefined);
  const test: MixTest = { alpha: 0, gain: 0, correlation: 0, rms: 0 };
  const blockTest: MixTest = { alpha: 0, gain: 0, correlation: 0, rms: 0 };
  const probe: MixTest = { alpha: 0, gain: 0, correlation: 0, rms: 0 };
  let group: Candidate | undefined;
  let newest = -1;
  let scores: Record<string, number> = {};

  /** Blend factor of frame j between ends ai and bi, on pixels or on block means. */
  const alphaOf = (ai: number, j: number, bi: number, onBlocks: boolean): number =>
    onBlocks ? blockMixTest(blocksOf(ai)!, blocksOf(j)!, blocksOf(bi)!, probe).alpha : mixTest(ring.get(ai)!, ring.get(j)!, ring.get(bi)!, probe).alpha;

  /**
   * First and last frame between a and b whose blend factor has left the ends, and how monotone
   * the blend factor is on the way (1 when it only falls): a dissolve moves steadily from one
   * shot to the other, flicker and lighting changes go back and forth.
   */
  const extent = (ai: number, bi: number): [number, number, number] => {
    let start = bi;
    let end = ai;
    let previous = 1;
    let travel = 0;
    for (let j = ai + 1; j <= bi; j++) {
      const alpha = j === bi ? 0 : alphaOf(ai, j, bi, false);
      travel += Math.abs(alpha - previous);
      previous = alpha;
      if (alpha < 0.95 && j < start) start = j;
      if (alpha > 0.05 && j < bi) end = j;
    }
    const monotony = travel > 0 ? 1 / travel : 0;
    return start <= end ? [start, end, monotony] : [ai + 1, bi - 1, monotony];
  };

  /**
   * Change over the same span just outside the transition, relative to the change across it,
   * on the luma plane or on block means.
   */
  const contrast = (c: Extent, onBlocks: boolean): number => {
    const span = c.endFrame - c.startFrame + 2;
    const distance = (x: number, y: number): number | undefined => {
      if (!ring.get(x) || !ring.get(y)) return undefined;
      return onBlocks ? rmsDistance(blocksOf(x)!, blocksOf(y)!) : lumaDistance(ring.get(x)!, ring.get(y)!);
    };
    const before = c.startFrame - 1;
    const after = c.endFrame + 1;
    const across = distance(before, after);
    if (across === undefined) return Infinity;
    // The steadier side counts: one shot may move a lot, but flicker keeps both sides busy.
    const outside = Math.min(distance(before - span, before) ?? Infinity, distance(after, after + span) ?? Infinity);
    return outside === Infinity ? Infinity : across / Math.max(outside, 1e-3);
  };

  const emit = (c: Candidate, out: Transition[]): void => {
    const p = c.pixels;
    const k = c.blocks;
    let chosen: Extent | undefined;
    let confidence = 0;
    if (p && p.confirmed && contrast(p, false) >= minContrast) {
      chosen = p;
      confidence = p.gain;
    } else if (k && k.confirmed && contrast(k, true) >= minBlockContrast) {
      chosen = k;
      confidence = 0.9 * k.gain;
    }
    if (!chosen) return;
    out.push({
      type: 'dissolve', startFrame: chosen.startFrame, endFrame: chosen.endFrame,
      confidence: Math.round(Math.min(1, Math.max(0, confidence)) * 1000) / 1000,
    });
  };

  const better = (x: Extent | undefined, y: Extent): Extent => {
    const gain = Math.max(x?.gain ?? 0, y.gain);
    const confirmed = (x?.confirmed ?? false) || y.confirmed;
    return x && x.strength >= y.strength ? { ...x, gain, confirmed } : { ...y, gain, confirmed };
  };

  /** Joins a candidate to the open group, or closes that group and opens a new one. */
  const join = (e: Extent, onBlocks: boolean, bi: number, out: Transition[]): void => {
    if (!group || e.startFrame > group.endFrame + 1) {
      if (group) emit(group, out);
      group = { startFrame: e.startFrame, endFrame: e.endFrame, lastSeen: bi, [onBlocks ? 'blocks' : 'pixels']: e };
      return;
    }
    group = {
      ...group,
      startFrame: Math.min(group.startFrame, e.startFrame), endFrame: Math.max(group.endFrame, e.endFrame), lastSeen: bi,
      ...(onBlocks ? { blocks: better(group.blocks, e) } : { pixels: better(group.pixels, e) }),
    };
  };

  /** Tests frame m against ends ai and bi; joins a passing result to the open group. */
  const consider = (ai: number, mi: number, bi: number, out: Transition[]): MixTest | undefined => {
    const a = ring.get(ai);
    const m = ring.get(mi);
    const b = ring.get(bi);
    if (!a || !m || !b) return undefined;
    mixTest(a, m, b, test);
    considerBlocks(ai, mi, bi, out);
    if (test.gain < minGain || test.alpha < 0.2 || test.alpha > 0.8 || test.correlation > maxCorrelation || test.rms < minRms) return test;
    const [startFrame, endFrame, monotony] = extent(ai, bi);
    if (monotony < minMonotony) return test;
    join({ startFrame, endFrame, strength: test.gain * Math.min(1, test.rms / 40), gain: test.gain, confirmed: test.gain >= confirmGain }, false, bi, out);
    return test;
  };

  /**
   * The motion-tolerant test on block means. Its extent is the linear ramp fitted to the blend
   * factors, since the factors of single frames scatter with the motion of the shots.
   */
  const considerBlocks = (ai: number, mi: number, bi: number, out: Transition[]): void => {
    if (test.correlation > maxBlockCorrelation) return;
    blockMixTest(blocksOf(ai)!, blocksOf(mi)!, blocksOf(bi)!, blockTest);
    if (blockTest.gain < minBlockGain || blockTest.alpha < 0.25 || blockTest.alpha > 0.75 || blockTest.rms < minRms) return;
    const ramp = linearRamp(ai, bi);
    if (!ramp) return;
    const alpha = blockTest.alpha;
    const a = ring.get(ai)!;
    const b = ring.get(bi)!;
    const interpolated = alpha * a.std * a.std + (1 - alpha) * b.std * b.std;
    const dip = interpolated > 0 ? (ring.get(mi)!.std ** 2) / interpolated : 1;
    const confirmed = blockTest.gain >= confirmBlockGain || dip <= maxDip;
    join({ startFrame: ramp[0], endFrame: ramp[1], strength: blockTest.gain * blockTest.gain * blockTest.rms, gain: blockTest.gain, confirmed }, true, bi, out);
  };

  /**
   * Least-squares line through the block blend factors of the frames strictly between the ends
   * that lie inside (0.1, 0.9); the frames where it leaves 1 and reaches 0 bound the dissolve.
   * Undefined when the factors do not fall steadily (monotony) or the line does not fall.
   */
  const linearRamp = (ai: number, bi: number): [number, number] | undefined => {
    let n = 0;
    let sj = 0;
    let sa = 0;
    let sjj = 0;
    let sja = 0;
    let previous = 1;
    let travel = 0;
    for (let j = ai + 1; j < bi; j++) {
      const alpha = alphaOf(ai, j, bi, true);
      travel += Math.abs(alpha - previous);
      previous = alpha;
      if (alpha <= 0.1 || alpha >= 0.9) continue;
      n++;
      sj += j;
      sa += alpha;
      sjj += j * j;
      sja += j * alpha;
    }
    travel += Math.abs(previous);
    if (n < 2 || travel <= 0 || 1 / travel < minMonotony) return undefined;
    const slope = (n * sja - sj * sa) / (n * sjj - sj * sj);
    if (!(slope < 0)) return undefined;
    const intercept = (sa - slope * sj) / n;
    // alpha = 1 at the last frame of the first shot, 0 at the first frame of the second.
    const start = Math.max(ai + 1, Math.round((1 - intercept) / slope) + 1);
    const end = Math.min(bi - 1, Math.round(-intercept / slope) - 1);
    return start <= end ? [start, end] : undefined;
  };

  return {
    name: 'dissolve',
    latencyFrames: 4 * maxScale + 4,
    push(frame: RgbFrame): Transition[] {
      ring.add(frame);
      measureBlocks(frame, BLOCK_COLUMNS, BLOCK_ROWS, 2, blocks[frame.index % ring.size]!);
      newest = frame.index;
      const out: Transition[] = [];
      let bestGain = 0;
      let bestAlpha = 0;
      let bestCorrelation = 0;
      let bestRms = 0;
      for (const w of scales) {
        const r = consider(newest - 2 * w, newest - w, newest, out);
        if (r && r.alpha > 0.2 && r.alpha < 0.8 && r.gain > bestGain) {
          bestGain = r.gain;
          bestAlpha = r.alpha;
          bestCorrelation = r.correlation;
          bestRms = r.rms;
        }
      }
      scores = { mix_gain: bestGain, mix_alpha: bestAlpha, mix_correlation: bestCorrelation, mix_rms: bestRms };
      if (group && newest - group.lastSeen > 2 * maxScale + 2) {
        emit(group, out);
        group = undefined;
      }
      return out;
    },
    flush(): Transition[] {
      const out: Transition[] = [];
      // A dissolve that the file ends in: the last frame stands in for the shot it leads to.
      for (const w of scales) {
        for (let m = newest - w + 1; m < newest; m++) consider(m - w, m, newest, out);
      }
      if (group) emit(group, out);
      group = undefined;
      return out;
    },
    lastScores: () => scores,
  };
}
