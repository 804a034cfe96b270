// Label smoothing over time: classifier scores of sampled frames → scene segments, per-shot label scores and label-change keyframes.
import { RoughcutError } from '../core/errors.js';
import type { FrameRange } from '../core/range.js';
import { secondsToFrames, type Rational } from '../core/rational.js';
import type { Segment } from '../core/types.js';

/** The classifier's probabilities over `classes` for one sampled frame. */
export interface LabelSample {
  readonly frame: number;
  readonly scores: ArrayLike<number>;
}

/** A shot as the labelling needs it: its frames and, when known, its index in `analysis.json`. */
export interface LabelShot extends FrameRange {
  readonly index?: number;
}

/** Options for {@link labelSegments}. */
export interface LabelSegmentOptions {
  /** The class names, in the order of every sample's `scores`. */
  readonly classes: readonly string[];
  readonly frameCount: number;
  readonly fps: Rational;
  /** The shots, in frame order: smoothing stays inside one, and segment edges move onto their boundaries. */
  readonly shots: readonly LabelShot[];
  /** A smoothed top probability below this makes the sample `'unknown'`. Default 0.5. */
  readonly unknownBelow?: number;
  /** Segments shorter than this merge into the neighbour they resemble most. Default 2. */
  readonly minSegmentSeconds?: number;
  /** A segment edge within this of a shot boundary moves onto it. Default 1. */
  readonly snapSeconds?: number;
  /** Width, in samples, of the moving average over neighbouring samples (made odd, 1 = none). Default 3. */
  readonly smoothing?: number;
}

/** The label of a run whose smoothed top probability is below the threshold. */
export const UNKNOWN_LABEL = 'unknown';

/** A run of consecutive samples carrying one label, and the frames it has been given. */
interface Run {
  first: number;
  last: number;
  label: string;
  /** Sum of the smoothed probability vectors of its samples: the run's mean is `sum / count`. */
  sum: Float64Array;
  count: number;
  startFrame: number;
  endFrame: number;
}

/**
 * Turns the classifier's scores of sampled frames into scene segments that tile
 * `[0, frameCount)`, in six steps:
 *
 * 1. **Smoothing.** Each sample's probabilities become the mean over a window of `smoothing`
 *    neighbouring samples, but only samples of the same shot are averaged: a label change at a
 *    cut stays crisp, while noise inside a shot is evened out.
 * 2. **Labels.** A sample takes the class of its top smoothed probability, or `'unknown'` when
 *    that probability is below `unknownBelow`; runs of equal labels form candidate segments.
 * 3. **Edges.** Between two runs the edge goes onto a shot boundary that lies between their two
 *    samples (nearest the midpoint if several) — nothing contradicts a change there. Without one,
 *    it goes halfway between the samples, then onto the nearest shot boundary within
 *    `snapSeconds` (even past a sample: samples beside a transition are the least reliable).
 * 4. **Flicker.** A run of one sample merges into a neighbour, unless that sample is the only
 *    one of its shot (then the cut is independent evidence of a change, and the minimum length
 *    decides).
 * 5. **Minimum length.** The shortest segment under `minSegmentSeconds` (or empty after
 *    snapping) merges into the neighbour whose mean probabilities are nearest (L1) to its own,
 *    taking that neighbour's label; repeated until none is left. Neighbours that end up with
 *    the same label join.
 * 6. **Confidence.** The mean, over the segment's samples, of the smoothed probability of its
 *    label (the top probability for `'unknown'`), to 3 decimals.
 *
 * With no samples at all the whole file is one `'unknown'` segment of confidence 0.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for samples out of frame order or range, or scores whose
 *   length is not the number of classes.
 */
export function labelSegments(samples: readonly LabelSample[], options: LabelSegmentOptions): Segment[] {
  const { classes, frameCount, fps, shots, unknownBelow = 0.5, minSegmentSeconds = 2, snapSeconds = 1, smoothing = 3 } = options;
  validate(samples, classes, frameCount);
  if (frameCount === 0) return [];
  if (samples.length === 0) return [{ startFrame: 0, endFrame: frameCount, label: UNKNOWN_LABEL, confidence: 0, kind: 'scene' }];

  const groups = samples.map((s) => shotGroup(shots, s.frame));
  const smoothed = smoothWithinGroups(samples, groups, classes.length, Math.max(0, Math.floor(smoothing / 2)));
  const labels = smoothed.map((p) => {
    const top = argmax(p);
    return p[top]! >= unknownBelow ? classes[top]! : UNKNOWN_LABEL;
  });

  const boundaries = shotBoundaries(shots, frameCount);
  const snapFrames = (snapSeconds * fps.num) / fps.den;
  let runs: Run[] = [];
  for (let i = 0; i < samples.length; i++) {
    const previous = runs[runs.length - 1];
    if (previous && previous.label === labels[i]) {
      previous.last = i;
      previous.count++;
      addInto(previous.sum, smoothed[i]!);
      continue;
    }
    const startFrame = previous ? placeEdge(samples[i - 1]!.frame, samples[i]!.frame, boundaries, snapFrames) : 0;
    if (previous) previous.endFrame = startFrame;
    runs.push({ first: i, last: i, label: labels[i]!, sum: Float64Array.from(smoothed[i]!), count: 1, startFrame, endFrame: frameCount });
  }
  // Snapping may move an edge before the previous one: clamp, and let the emptied run merge away.
  for (let k = 1; k < runs.length; k++) {
    const run = runs[k]!;
    const previous = runs[k - 1]!;
    run.startFrame = Math.min(Math.max(run.startFrame, previous.startFrame), frameCount);
    previous.endFrame = run.startFrame;
  }

  const groupSize = new Map<number, number>();
  for (const g of groups) groupSize.set(g, (groupSize.get(g) ?? 0) + 1);
  for (let k = 0; k < runs.length && runs.length > 1;) {
    const run = runs[k]!;
    if (run.count === 1 && (groupSize.get(groups[run.first]!) ?? 0) > 1) {
      runs = mergeIntoNeighbour(runs, k);
      k = Math.max(0, k - 1);
    } else {
      k++;
    }
  }

  const minFrames = Math.max(1, secondsToFrames(minSegmentSeconds, fps));
  while (runs.length > 1) {
    let shortest = -1;
    for (let k = 0; k < runs.length; k++) {
      const length = runs[k]!.endFrame - runs[k]!.startFrame;
      if (length < minFrames && (shortest < 0 || length < runs[shortest]!.endFrame - runs[shortest]!.startFrame)) shortest = k;
    }
    if (shortest < 0) break;
    runs = mergeIntoNeighbour(runs, shortest);
  }

  return runs.map((run) => {
    const index = classes.indexOf(run.label);
    let total = 0;
    for (let i = run.first; i <= run.last; i++) {
      const p = smoothed[i]!;
      total += index >= 0 && run.label !== UNKNOWN_LABEL ? p[index]! : p[argmax(p)]!;
    }
    return { startFrame: run.startFrame, endFrame: run.endFrame, label: run.label, confidence: round3(total / run.count), kind: 'scene' as const };
  });
}

/**
 * The label scores of each shot: the mean probability of each class over the samples inside
 * the shot, to 3 decimals, classes under 0.01 left out, highest first (in key order). A shot
 * with no sample inside takes the scores of the nearest sample; with no samples at all every
 * shot gets `{}`.
 */
export function shotLabelScores(samples: readonly LabelSample[], shots: readonly FrameRange[], classes: readonly string[]): Record<string, number>[] {
  for (const s of samples) checkScores(s, classes.length);
  return shots.map((shot) => {
    let inside = samples.filter((s) => s.frame >= shot.startFrame && s.frame < shot.endFrame);
    if (inside.length === 0) {
      let best: LabelSample | undefined;
      let bestDistance = Infinity;
      for (const s of samples) {
        const distance = s.frame < shot.startFrame ? shot.startFrame - s.frame : s.frame - (shot.endFrame - 1);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = s;
        }
      }
      inside = best ? [best] : [];
    }
    if (inside.length === 0) return {};
    const scores = classes.map((label, k) => ({ label, k, score: round3(inside.reduce((sum, s) => sum + s.scores[k]!, 0) / inside.length) }));
    const kept = scores.filter((c) => c.score >= 0.01).sort((a, b) => b.score - a.score || a.k - b.k);
    return Object.fromEntries(kept.map((c) => [c.label, c.score]));
  });
}

/** A keyframe where the scene label changes. */
export interface LabelChangeKeyframe {
  readonly frame: number;
  readonly reason: 'label-change';
  readonly shot: number;
}

/**
 * The label-change keyframes of a segment list: the first frame of every scene segment (kind
 * `'scene'` or none) whose label differs from the scene segment before it, with the index of
 * the shot containing that frame (the shot's `index` when it has one, else its position; the
 * shot starting last before the frame when none contains it). One keyframe per frame.
 *
 * @throws RoughcutError `BAD_ARGUMENT` when there is a label change but no shot at all.
 */
export function labelChangeKeyframes(segments: readonly Segment[], shots: readonly LabelShot[]): LabelChangeKeyframe[] {
  const scene = segments.filter((s) => (s.kind ?? 'scene') === 'scene').sort((a, b) => a.startFrame - b.startFrame);
  const keyframes: LabelChangeKeyframe[] = [];
  const seen = new Set<number>();
  for (let k = 1; k < scene.length; k++) {
    const segment = scene[k]!;
    if (segment.label === scene[k - 1]!.label || seen.has(segment.startFrame)) continue;
    if (shots.length === 0) throw new RoughcutError('BAD_ARGUMENT', `a label change at frame ${segment.startFrame} needs the shot list to name its shot; pass the analysis's shots.`);
    seen.add(segment.startFrame);
    const position = shotContaining(shots, segment.startFrame);
    keyframes.push({ frame: segment.startFrame, reason: 'label-change', shot: shots[position]!.index ?? position });
  }
  return keyframes;
}

function validate(samples: readonly LabelSample[], classes: readonly string[], frameCount: number): void {
  if (classes.length === 0) throw new RoughcutError('BAD_ARGUMENT', 'labelling needs at least one class; check the model\'s labels.json.');
  if (!(Number.isInteger(frameCount) && frameCount >= 0)) throw new RoughcutError('BAD_ARGUMENT', `frame count ${frameCount} is not a whole number of frames.`);
  let previous = -1;
  for (const s of samples) {
    if (!(Number.isInteger(s.frame) && s.frame >= 0 && s.frame < frameCount)) {
      throw new RoughcutError('BAD_ARGUMENT', `sampled frame ${s.frame} is outside the file's ${frameCount} frames.`);
    }
    if (s.frame < previous) throw new RoughcutError('BAD_ARGUMENT', `sampled frame ${s.frame} comes after frame ${previous}; samples must be in frame order.`);
    previous = s.frame;
    checkScores(s, classes.length);
  }
}

function checkScores(sample: LabelSample, classCount: number): void {
  if (sample.scores.length !== classCount) {
    throw new RoughcutError('BAD_ARGUMENT', `frame ${sample.frame} has ${sample.scores.length} scores for ${classCount} classes; the model and its labels disagree.`);
  }
}

/** Index of the shot containing `frame`, else of the last shot starting before it (0 if none does). */
function shotContaining(shots: readonly FrameRange[], frame: number): number {
  let lo = 0;
  let hi = shots.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (shots[mid]!.startFrame <= frame) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Which shot a sample belongs to, for smoothing: the shot's position when one contains it; a
 * frame in a gap between shots gets a group of its own kind (negative), shared by that gap only.
 */
function shotGroup(shots: readonly FrameRange[], frame: number): number {
  if (shots.length === 0) return 0;
  const k = shotContaining(shots, frame);
  const shot = shots[k]!;
  if (frame >= shot.startFrame && frame < shot.endFrame) return k;
  return frame < shot.startFrame ? -1 : -(k + 2);
}

function smoothWithinGroups(samples: readonly LabelSample[], groups: readonly number[], classCount: number, half: number): Float64Array[] {
  return samples.map((_, i) => {
    const mean = new Float64Array(classCount);
    let count = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(samples.length - 1, i + half); j++) {
      if (groups[j] !== groups[i]) continue;
      const scores = samples[j]!.scores;
      for (let c = 0; c < classCount; c++) mean[c]! += scores[c]!;
      count++;
    }
    for (let c = 0; c < classCount; c++) mean[c]! /= count;
    return mean;
  });
}

/** Shot boundaries strictly inside the file, ascending, without repeats. */
function shotBoundaries(shots: readonly FrameRange[], frameCount: number): number[] {
  const set = new Set<number>();
  for (const s of shots) {
    for (const at of [s.startFrame, s.endFrame]) if (at > 0 && at < frameCount) set.add(at);
  }
  return [...set].sort((a, b) => a - b);
}

/** The first frame of the later run, between samples at frames `a` < `b` (see step 3 of {@link labelSegments}). */
function placeEdge(a: number, b: number, boundaries: readonly number[], snapFrames: number): number {
  const mid = (a + b) / 2;
  let inGap: number | undefined;
  for (const at of boundaries) {
    if (at > a && at <= b && (inGap === undefined || Math.abs(at - mid) < Math.abs(inGap - mid))) inGap = at;
  }
  if (inGap !== undefined) return inGap;
  const edge = Math.ceil(mid);
  let snapped = edge;
  let bestDistance = Infinity;
  for (const at of boundaries) {
    const distance = Math.abs(at - edge);
    if (distance <= snapFrames && distance < bestDistance) {
      bestDistance = distance;
      snapped = at;
    }
  }
  return snapped;
}

/**
 * Merges run `k` into the neighbour whose mean probabilities are nearest its own (the longer
 * one on a tie), keeping the neighbour's label, then joins the result with an equal-labelled
 * neighbour. Returns the new run list.
 */
function mergeIntoNeighbour(runs: Run[], k: number): Run[] {
  const run = runs[k]!;
  const left = runs[k - 1];
  const right = runs[k + 1];
  let target = left ?? right!;
  if (left && right) {
    const dl = distance(run, left);
    const dr = distance(run, right);
    if (dr < dl || (dr === dl && right.endFrame - right.startFrame > left.endFrame - left.startFrame)) target = right;
  }
  absorb(target, run);
  const next = runs.filter((r) => r !== run);
  const t = next.indexOf(target);
  for (const other of [next[t + 1], next[t - 1]]) {
    if (other && other.label === target.label) {
      absorb(target, other);
      next.splice(next.indexOf(other), 1);
    }
  }
  return next;
}

function absorb(into: Run, other: Run): void {
  into.first = Math.min(into.first, other.first);
  into.last = Math.max(into.last, other.last);
  into.startFrame = Math.min(into.startFrame, other.startFrame);
  into.endFrame = Math.max(into.endFrame, other.endFrame);
  addInto(into.sum, other.sum);
  into.count += other.count;
}

function distance(a: Run, b: Run): number {
  let d = 0;
  for (let c = 0; c < a.sum.length; c++) d += Math.abs(a.sum[c]! / a.count - b.sum[c]! / b.count);
  return d;
}

function addInto(sum: Float64Array, values: ArrayLike<number>): void {
  for (let c = 0; c < sum.length; c++) sum[c]! += values[c]!;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
  return best;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
