// Shots derived from the transition list: each gradual transition belongs to the shot it leads into.
import type { FrameRange } from '../core/range.js';
import type { ShotTransition, Transition } from '../core/types.js';

/** A shot before keyframes and labels are attached. */
export interface ShotSpan extends FrameRange {
  readonly transition: ShotTransition;
  /** The frames of the shot that belong to no transition: where its keyframe may be. */
  readonly clean: FrameRange;
}

/** The middle frame of a gradual transition: where the shot it leads into starts. */
export function transitionMiddle(t: { startFrame: number; endFrame: number }): number {
  return Math.floor((t.startFrame + t.endFrame) / 2);
}

/**
 * Splits `[0, frameCount)` into shots at the transitions (PRODUCT.md section 4): a cut starts a
 * shot at its frame; a gradual transition starts one at its middle frame and is recorded on it;
 * a fade-in at the start of the file (nothing before it but up to `leadFrames` frames of black
 * leader) is recorded on the first shot; a fade-out that runs to the end of the file ends the
 * last shot without starting another. Transitions must be in frame order and not overlap.
 */
export function buildShots(transitions: readonly Transition[], frameCount: number, leadFrames = 0): ShotSpan[] {
  interface Boundary { at: number; transition: ShotTransition }
  const boundaries: Boundary[] = [];
  let first = { type: 'start' } as ShotTransition;
  const spans: FrameRange[] = [];
  for (const t of transitions) {
    if (t.type === 'cut') {
      if (t.frame > 0 && t.frame < frameCount) boundaries.push({ at: t.frame, transition: { type: 'cut' } });
      continue;
    }
    const span = { startFrame: t.startFrame, endFrame: Math.min(t.endFrame + 1, frameCount) };
    spans.push(span);
    const shotTransition: ShotTransition = { type: t.type, startFrame: t.startFrame, endFrame: t.endFrame };
    if (t.type === 'fade-in' && t.startFrame <= leadFrames && boundaries.length === 0) {
      first = shotTransition;
    } else if (t.type === 'fade-out' && t.endFrame >= frameCount - 1) {
      // ends the last shot; starts nothing
    } else {
      const at = transitionMiddle(t);
      if (at > 0 && at < frameCount) boundaries.push({ at, transition: shotTransition });
    }
  }
  boundaries.sort((a, b) => a.at - b.at);
  const shots: ShotSpan[] = [];
  let start = 0;
  let transition = first;
  for (const b of [...boundaries, { at: frameCount, transition: { type: 'start' } as ShotTransition }]) {
    if (b.at <= start && b.at !== frameCount) continue;
    if (b.at > start) shots.push({ startFrame: start, endFrame: b.at, transition, clean: cleanRange(start, b.at, spans) });
    start = b.at;
    transition = b.transition;
  }
  return shots;
}

/** The longest run of `[start, end)` outside every transition span (the whole range if none is free). */
export function cleanRange(start: number, end: number, spans: readonly FrameRange[]): FrameRange {
  const blocked = spans.filter((s) => s.endFrame > start && s.startFrame < end);
  let best: FrameRange = { startFrame: start, endFrame: start };
  let cursor = start;
  for (const s of [...blocked.sort((a, b) => a.startFrame - b.startFrame), { startFrame: end, endFrame: end }]) {
    const free = { startFrame: cursor, endFrame: Math.min(Math.max(s.startFrame, cursor), end) };
    if (free.endFrame - free.startFrame > best.endFrame - best.startFrame) best = free;
    cursor = Math.max(cursor, s.endFrame);
  }
  return best.endFrame > best.startFrame ? best : { startFrame: start, endFrame: end };
}
