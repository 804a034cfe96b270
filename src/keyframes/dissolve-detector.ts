// Dissolves (and other mixes): a frame that is a linear blend of two different shots either side of it.
import { toNumber } from '../core/rational.js';
import type { Transition } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';
import type { DetectorContext, ShotDetector } from './detector.js';
import { StatsRing, lumaDistance, type FrameStats } from './frame-stats.js';

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
}

/** The linear-mix test of frame M against ends A and B. */
interface MixTest {
  alpha: number;
  gain: number;
  correlation: number;
  rms: number;
}

interface Candidate {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly strength: number;
  readonly gain: number;
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

/**
 * Creates the dissolve detector. For each new frame t and each half-width w it tests whether
 * frame t-w is a blend of frames t-2w and t that are different shots (low correlation); the
 * extent comes from the blend factor of every frame between the ends, so it is exact for still
 * content. Candidates that overlap are grouped into one event. Memory is one ring of small luma
 * planes of the longest window.
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
  // Room for the longest transition and as long again either side of it, for the stability check.
  const ring = new StatsRing(6 * maxScale + 4, context.width, context.height, 2);
  const test: MixTest = { alpha: 0, gain: 0, correlation: 0, rms: 0 };
  const probe: MixTest = { alpha: 0, gain: 0, correlation: 0, rms: 0 };
  let group: Candidate | undefined;
  let newest = -1;
  let scores: Record<string, number> = {};

  /**
   * First and last frame between a and b whose blend factor has left the ends, and how monotone
   * the blend factor is on the way (1 when it only falls): a dissolve moves steadily from one
   * shot to the other, flicker and lighting changes go back and forth.
   */
  const extent = (ai: number, bi: number): [number, number, number] => {
    const a = ring.get(ai)!;
    const b = ring.get(bi)!;
    let start = bi;
    let end = ai;
    let previous = 1;
    let travel = 0;
    for (let j = ai + 1; j <= bi; j++) {
      const alpha = j === bi ? 0 : mixTest(a, ring.get(j)!, b, probe).alpha;
      travel += Math.abs(alpha - previous);
      previous = alpha;
      if (alpha < 0.95 && j < start) start = j;
      if (alpha > 0.05 && j < bi) end = j;
    }
    const monotony = travel > 0 ? 1 / travel : 0;
    return start <= end ? [start, end, monotony] : [ai + 1, bi - 1, monotony];
  };

  /** Change over the same span just outside the transition, relative to the change across it. */
  const contrast = (c: Candidate): number => {
    const span = c.endFrame - c.startFrame + 2;
    const before = ring.get(c.startFrame - 1);
    const after = ring.get(c.endFrame + 1);
    if (!before || !after) return Infinity;
    const across = lumaDistance(before, after);
    // The steadier side counts: one shot may move a lot, but flicker keeps both sides busy.
    let outside = Infinity;
    const earlier = ring.get(c.startFrame - 1 - span);
    const later = ring.get(c.endFrame + 1 + span);
    if (earlier) outside = Math.min(outside, lumaDistance(earlier, before));
    if (later) outside = Math.min(outside, lumaDistance(after, later));
    return outside === Infinity ? Infinity : across / Math.max(outside, 1e-3);
  };

  const emit = (c: Candidate, out: Transition[]): void => {
    if (c.gain < confirmGain || contrast(c) < minContrast) return;
    out.push({
      type: 'dissolve', startFrame: c.startFrame, endFrame: c.endFrame,
      confidence: Math.round(Math.min(1, Math.max(0, c.gain)) * 1000) / 1000,
    });
  };

  /** Tests frame m against ends ai and bi; joins a passing result to the open group. */
  const consider = (ai: number, mi: number, bi: number, out: Transition[]): MixTest | undefined => {
    const a = ring.get(ai);
    const m = ring.get(mi);
    const b = ring.get(bi);
    if (!a || !m || !b) return undefined;
    mixTest(a, m, b, test);
    if (test.gain < minGain || test.alpha < 0.2 || test.alpha > 0.8 || test.correlation > maxCorrelation || test.rms < minRms) return test;
    const [startFrame, endFrame, monotony] = extent(ai, bi);
    if (monotony < minMonotony) return test;
    const strength = test.gain * Math.min(1, test.rms / 40);
    if (group && startFrame <= group.endFrame + 1) {
      const better = strength > group.strength;
      group = {
        startFrame: better ? startFrame : group.startFrame, endFrame: better ? endFrame : group.endFrame,
        strength: Math.max(strength, group.strength), gain: Math.max(test.gain, group.gain), lastSeen: bi,
      };
    } else {
      if (group) emit(group, out);
      group = { startFrame, endFrame, strength, gain: test.gain, lastSeen: bi };
    }
    return test;
  };

  return {
    name: 'dissolve',
    latencyFrames: 4 * maxScale + 4,
    push(frame: RgbFrame): Transition[] {
      ring.add(frame);
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
