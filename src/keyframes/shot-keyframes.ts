// Keyframe choice while the decode runs: a shot's keyframe is picked as soon as the shot is final.
import type { Rational } from '../core/rational.js';
import type { Transition } from '../core/types.js';
import type { FrameFeatureStore } from './frame-features.js';
import { pickKeyframe } from './keyframe-picker.js';
import { buildShots, type ShotSpan } from './shots.js';

/** A keyframe chosen for the shot at `shot` (0-based, in order). */
export interface KeyframePick {
  readonly shot: number;
  readonly frame: number;
}

/** Seconds of decoding from the last intra frame that count as a full seek cost. */
const SEEK_COST_HORIZON_SECONDS = 2;

/**
 * Follows the final transitions of a running decode and picks each shot's keyframe once no
 * later transition can change the shot: every shot but the last one the transitions so far
 * describe. It then lets the feature store drop what no open shot needs, so memory follows the
 * longest shot, not the length of the file. `finish` gives the same shots and picks a
 * whole-file `buildShots` + `pickKeyframe` would.
 */
export class ShotKeyframes {
  private readonly intraFrames: number[] = [];
  private readonly picks: number[] = [];
  private readonly horizonFrames: number;

  constructor(private readonly store: FrameFeatureStore, private readonly leadFrames: number, fps: Rational) {
    this.horizonFrames = Math.max(1, Math.round((SEEK_COST_HORIZON_SECONDS * fps.num) / fps.den));
  }

  /** Records that `frame` is an intra (key) frame: cheap to seek to. */
  noteIntra(frame: number): void {
    this.intraFrames.push(frame);
  }

  /** True when `frame` was recorded as an intra frame. */
  isIntra(frame: number): boolean {
    return this.search(frame) === frame;
  }

  /** Picks for the shots that became final, given every final transition so far and the frames decoded. */
  update(transitions: readonly Transition[], framesDecoded: number): KeyframePick[] {
    const spans = buildShots(transitions, framesDecoded, this.leadFrames);
    const done = this.pickUpTo(spans, spans.length - 1);
    const open = spans[spans.length - 1];
    if (open) this.store.release(open.startFrame);
    return done;
  }

  /** All shots of the file and every pick, the ones `update` has not returned among `fresh`. */
  finish(transitions: readonly Transition[], frameCount: number): { spans: ShotSpan[]; picks: number[]; fresh: KeyframePick[] } {
    const spans = buildShots(transitions, frameCount, this.leadFrames);
    const fresh = this.pickUpTo(spans, spans.length);
    return { spans, picks: [...this.picks], fresh };
  }

  private pickUpTo(spans: readonly ShotSpan[], end: number): KeyframePick[] {
    const out: KeyframePick[] = [];
    for (let shot = this.picks.length; shot < end; shot++) {
      const frame = pickKeyframe(this.store, spans[shot]!.clean, { decodeCost: (f) => this.seekCost(f) });
      this.picks.push(frame);
      out.push({ shot, frame });
    }
    return out;
  }

  /** 0 for an intra frame, rising to 1 at two seconds of frames after the last one. */
  private seekCost(frame: number): number {
    const before = this.search(frame);
    return before < 0 ? 1 : Math.min(1, (frame - before) / this.horizonFrames);
  }

  /** The last intra frame at or before `frame`, or -1. */
  private search(frame: number): number {
    let lo = 0;
    let hi = this.intraFrames.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.intraFrames[mid]! <= frame) { found = this.intraFrames[mid]!; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
}
