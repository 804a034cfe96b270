// Fades to and from black or white: monotone ramps of the frame's brightness-and-contrast into and out of a flat frame.
import { toNumber } from '../core/rational.js';
import type { GradualTransition, Transition } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';
import type { DetectorContext, ShotDetector } from './detector.js';
import { createFrameStats, measureFrame } from './frame-stats.js';

/** Tuning of {@link createFadeDetector}; the defaults suit broadcast footage. */
export interface FadeOptions {
  /** A flat frame has luma stddev below this (0-255). Default 12. */
  readonly flatStd?: number;
  /** A black frame has mean luma below this, a white one above 255 minus it. Default 12. */
  readonly flatLevel?: number;
  /** Longest fade ramp, seconds. Default 5. */
  readonly maxRampSeconds?: number;
  /** Longest black/white hold that still joins a fade-out and a fade-in into one event, seconds. Default 5. */
  readonly maxHoldSeconds?: number;
}

type Color = 'black' | 'white';
/** How a flat hold was entered or left. */
type Edge = { kind: 'fade'; frame: number } | { kind: 'cut'; frame: number } | { kind: 'none' };

/** Frames a ramp may pause (no progress) before it counts as ended: codecs repeat frames. */
const PATIENCE = 2;
/** A step of at least this much, in the fade's energy units, is a cut into or out of the hold. */
const CUT_STEP = 20;

/**
 * One colour's state machine. Its energy is `mean + std` of luma for black (both scale with the
 * fade factor, so a fade is a monotone ramp of it to ~0) and `(255 - mean) + std` for white.
 */
class FlatTracker {
  private readonly energy: Float64Array;
  private holdStart = -1;
  private leadIn: Edge = { kind: 'none' };
  private holdEnd = -1;
  private holdMin = Infinity;
  private rising = false;
  private riseEnd = -1;
  private misses = 0;
  private newest = -1;

  constructor(private readonly color: Color, private readonly maxRamp: number, private readonly maxHold: number) {
    // Long enough to walk back over a ramp from the far end of the longest hold.
    this.energy = new Float64Array(2 * maxRamp + maxHold + 8);
  }

  private at(i: number): number {
    return this.energy[i % this.energy.length]!;
  }

  private minStep(level: number): number {
    return 0.15 + 0.004 * level;
  }

  /** Takes the next frame's energy and flatness; returns finished events. */
  push(index: number, energy: number, flat: boolean): GradualTransition[] {
    this.energy[index % this.energy.length] = energy;
    this.newest = index;
    const out: GradualTransition[] = [];
    if (this.rising) {
      const step = energy - this.at(index - 1);
      if (step > this.minStep(this.at(index - 1))) {
        this.riseEnd = index;
        this.misses = 0;
      } else if (step < -this.minStep(energy) * 4 || ++this.misses > PATIENCE || index - this.holdEnd > this.maxRamp) {
        this.finishRise(out);
      }
    }
    if (flat) {
      if (this.holdStart < 0 && !this.rising) {
        this.holdStart = index;
        this.holdMin = energy;
        this.leadIn = index === 0 ? { kind: 'none' } : this.rampInto(index);
      } else if (this.rising) {
        // Dipped back to flat before the ramp ended: treat as the same hold continuing.
        this.rising = false;
        this.holdStart = Math.min(this.holdStart, index);
      }
      this.holdEnd = index;
      this.holdMin = Math.min(this.holdMin, energy);
      if (this.holdStart >= 0 && index - this.holdStart > this.maxHold && this.leadIn.kind !== 'none') {
        // Too long to be one transition: the fade-out stands alone and the hold becomes its own shot.
        if (this.leadIn.kind === 'fade') out.push(this.event('fade-out', this.leadIn.frame, this.rampEndInHold(), 0.8));
        this.leadIn = { kind: 'none' };
      }
    } else if (this.holdStart >= 0 && !this.rising) {
      this.rising = true;
      this.riseEnd = index - 1;
      this.misses = 0;
      const step = energy - this.at(index - 1);
      if (step > this.minStep(this.at(index - 1))) this.riseEnd = index;
    }
    return out;
  }

  /** Walks back from the first flat frame `b` over the ramp that led into it. */
  private rampInto(b: number, floor = this.at(b)): Edge {
    let a = b;
    let misses = 0;
    const oldest = Math.max(0, this.newest - this.energy.length + 2);
    for (let j = b; j - 1 >= oldest && b - j < this.maxRamp; j--) {
      const step = this.at(j - 1) - this.at(j);
      if (step > this.minStep(this.at(j))) {
        a = j - 1;
        misses = 0;
      } else if (step < -4 * this.minStep(this.at(j)) || ++misses > PATIENCE) {
        break;
      }
    }
    const length = b - a;
    if (length >= 3 && this.at(a) >= 2 * floor + 8) return { kind: 'fade', frame: a + 1 };
    if (this.at(b - 1) - this.at(b) >= CUT_STEP) return { kind: 'cut', frame: b };
    return { kind: 'none' };
  }

  private finishRise(out: GradualTransition[]): void {
    const e = this.holdEnd;
    const f = this.riseEnd;
    const length = f - e;
    let leadOut: Edge = { kind: 'none' };
    if (length >= 3 && this.at(f) >= 2 * this.at(e) + 8) leadOut = { kind: 'fade', frame: f };
    else if (f > e && this.at(e + 1) - this.at(e) >= CUT_STEP) leadOut = { kind: 'cut', frame: e + 1 };
    // A dark scene fading out may be "flat" before the ramp reaches bottom: judge it against the hold's darkest frame.
    if (this.leadIn.kind === 'none' && this.holdStart > 0) this.leadIn = this.rampInto(this.holdStart, this.holdMin);
    const lead = this.leadIn;
    if (leadOut.kind === 'fade') leadOut = { kind: 'fade', frame: f };
    if (lead.kind !== 'none' && leadOut.kind !== 'none' && (lead.kind === 'fade' || leadOut.kind === 'fade')) {
      out.push(this.event('fade-through', lead.frame, leadOut.frame, lead.kind === 'fade' && leadOut.kind === 'fade' ? 0.9 : 0.8));
    } else {
      if (lead.kind === 'fade') out.push(this.event('fade-out', lead.frame, this.rampEndInHold(), 0.8));
      if (leadOut.kind === 'fade') out.push(this.event('fade-in', this.rampStartInHold(e), f, 0.8));
    }
    this.rising = false;
    this.holdStart = -1;
    this.leadIn = { kind: 'none' };
  }

  /** Last frame of a fade-out that keeps falling after the frame turned flat. */
  private rampEndInHold(): number {
    let end = this.holdStart - 1;
    let misses = 0;
    for (let j = this.holdStart; j <= this.holdEnd && misses <= PATIENCE; j++) {
      if (this.at(j - 1) - this.at(j) > this.minStep(this.at(j))) { end = j; misses = 0; } else misses++;
    }
    return end;
  }

  /** First frame of a fade-in that already rises while the frame still counts as flat. */
  private rampStartInHold(e: number): number {
    let start = e + 1;
    let misses = 0;
    for (let j = e; j > this.holdStart && misses <= PATIENCE; j--) {
      if (this.at(j) - this.at(j - 1) > this.minStep(this.at(j - 1))) { start = j; misses = 0; } else misses++;
    }
    return start;
  }

  /** Ends the stream: a fade into a hold that runs to the end is a fade-out; a ramp in progress ends here. */
  flush(): GradualTransition[] {
    const out: GradualTransition[] = [];
    if (this.rising) this.finishRise(out);
    else if (this.holdStart >= 0 && this.leadIn.kind === 'fade') out.push(this.event('fade-out', this.leadIn.frame, this.rampEndInHold(), 0.8));
    else if (this.holdStart < 0 && this.newest > 0) {
      // A fade-out that the file cuts off just before it reaches flat.
      const lead = this.rampInto(this.newest);
      if (lead.kind === 'fade' && this.at(this.newest) < 0.3 * this.at(lead.frame - 1) && this.newest - lead.frame >= 8) {
        out.push(this.event('fade-out', lead.frame, this.newest, 0.6));
      }
    }
    this.holdStart = -1;
    return out;
  }

  private event(type: GradualTransition['type'], startFrame: number, endFrame: number, confidence: number): GradualTransition {
    return { type, startFrame, endFrame: Math.max(startFrame, endFrame), confidence, color: this.color };
  }
}

/**
 * Creates the fade detector. A fade is a mix with a flat frame, so luma mean and stddev move
 * together monotonically toward black (or white) and the frame there is flat; the detector
 * watches for flat holds and measures the ramps into and out of them. A fade-out, a hold and a
 * fade-in (or a cut on one side) make one `fade-through`; a ramp from a hold at the start of the
 * file is a `fade-in`, a ramp into a hold at the end a `fade-out`. Thresholds are in luma levels
 * relative to the ramp itself (a fade must at least halve its energy), so the footage's own
 * brightness does not matter.
 */
export function createFadeDetector(context: DetectorContext, options: FadeOptions = {}): ShotDetector {
  const fps = toNumber(context.fps);
  const flatStd = options.flatStd ?? 12;
  const flatLevel = options.flatLevel ?? 12;
  const maxRamp = Math.max(8, Math.round((options.maxRampSeconds ?? 5) * fps));
  const maxHold = Math.max(8, Math.round((options.maxHoldSeconds ?? 5) * fps));
  const trackers = [new FlatTracker('black', maxRamp, maxHold), new FlatTracker('white', maxRamp, maxHold)] as const;
  const stats = createFrameStats(context.width, context.height, 2);
  let scores: Record<string, number> = {};
  const sorted = (events: GradualTransition[]): Transition[] => events.sort((a, b) => a.startFrame - b.startFrame);

  return {
    name: 'fade',
    latencyFrames: 2 * maxRamp + maxHold + PATIENCE + 2,
    push(frame: RgbFrame): Transition[] {
      measureFrame(frame, 2, stats);
      const { mean, std } = stats;
      scores = { luma_mean: mean, luma_std: std };
      return sorted([
        ...trackers[0].push(frame.index, mean + std, std < flatStd && mean < flatLevel),
        ...trackers[1].push(frame.index, 255 - mean + std, std < flatStd && mean > 255 - flatLevel),
      ]);
    },
    flush: () => sorted([...trackers[0].flush(), ...trackers[1].flush()]),
    lastScores: () => scores,
  };
}
