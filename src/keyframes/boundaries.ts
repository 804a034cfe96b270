// The composite shot detector: runs the selected detectors on one frame stream and merges their events into one transition list.
import type { GradualTransition, Transition } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';
import type { DetectorContext, FrameScores, ShotDetector } from './detector.js';
import { DEFAULT_DETECTORS, detectorFactory } from './registry.js';

/** Options of {@link createBoundaryDetector}. */
export interface BoundaryOptions {
  /** Registry names of the detectors to run. Default {@link DEFAULT_DETECTORS}. */
  readonly detectors?: readonly string[];
}

/** Frames either side of a gradual transition inside which a cut is taken to be part of it. */
const GRADUAL_MARGIN = 2;

/** When two gradual detections overlap, the more specific kind names the merged event. */
const SPECIFICITY: Record<GradualTransition['type'], number> = {
  'fade-through': 4, 'fade-in': 3, 'fade-out': 3, wipe: 2, dissolve: 1,
};

const startOf = (t: Transition): number => (t.type === 'cut' ? t.frame : t.startFrame);
const endOf = (t: Transition): number => (t.type === 'cut' ? t.frame : t.endFrame);

/**
 * Creates the boundary detector the pipeline runs: the selected detectors see every frame, and
 * their events come out in frame order without overlaps, under one minimum-shot-length policy:
 * - overlapping gradual detections (a fade also looks like a dissolve) become one event named by
 *   the most specific kind, spanning the more specific detection;
 * - a cut inside a gradual transition (or within two frames of it) belongs to it and is dropped;
 * - a cut less than `context.minShotFrames` after the previous shot start (a cut, or the middle
 *   frame of a gradual transition, where `buildShots` starts the shot) is dropped.
 * Events are held until no detector can still emit one that starts before them, so the
 * composite's latency is the largest of its detectors'.
 */
export function createBoundaryDetector(context: DetectorContext, options: BoundaryOptions = {}): ShotDetector {
  const detectors = (options.detectors?.length ? options.detectors : DEFAULT_DETECTORS).map((name) => detectorFactory(name)(context));
  const latency = Math.max(0, ...detectors.map((d) => d.latencyFrames)) + GRADUAL_MARGIN + 1;
  const pending: Transition[] = [];
  let lastShotStart = 0;
  let newest = -1;

  const accept = (events: readonly Transition[]): void => {
    for (const e of events) if (e.type !== 'cut' || e.frame > 0) pending.push(e);
    pending.sort((a, b) => startOf(a) - startOf(b) || endOf(a) - endOf(b));
  };

  /** Emits every pending event that nothing still to come can overlap (all of them when `horizon` is Infinity). */
  const settle = (horizon: number): Transition[] => {
    const out: Transition[] = [];
    while (pending.length > 0 && endOf(pending[0]!) + GRADUAL_MARGIN < horizon) {
      const head = pending.shift()!;
      if (head.type === 'cut') {
        const covered = pending.some((p) => p.type !== 'cut' && p.startFrame - GRADUAL_MARGIN <= head.frame && p.endFrame + GRADUAL_MARGIN >= head.frame);
        if (covered || head.frame - lastShotStart < context.minShotFrames) continue;
        lastShotStart = head.frame;
        out.push(head);
        continue;
      }
      let merged: GradualTransition = head;
      for (let i = 0; i < pending.length;) {
        const p = pending[i]!;
        if (startOf(p) > merged.endFrame + GRADUAL_MARGIN) break;
        pending.splice(i, 1);
        if (p.type === 'cut') continue;
        merged = mergeGradual(merged, p);
      }
      lastShotStart = Math.floor((merged.startFrame + merged.endFrame) / 2);
      out.push(merged);
    }
    return out;
  };

  return {
    name: 'boundaries',
    latencyFrames: latency,
    push(frame: RgbFrame): Transition[] {
      newest = frame.index;
      for (const d of detectors) accept(d.push(frame));
      return settle(newest - latency);
    },
    flush(): Transition[] {
      for (const d of detectors) accept(d.flush());
      return settle(Infinity);
    },
    lastScores(): FrameScores {
      return Object.assign({}, ...detectors.map((d) => d.lastScores())) as FrameScores;
    },
  };
}

/** One event for two overlapping gradual detections. */
function mergeGradual(a: GradualTransition, b: GradualTransition): GradualTransition {
  const sa = SPECIFICITY[a.type];
  const sb = SPECIFICITY[b.type];
  const confidence = Math.max(a.confidence, b.confidence);
  if (sa === sb) {
    return { ...a, startFrame: Math.min(a.startFrame, b.startFrame), endFrame: Math.max(a.endFrame, b.endFrame), confidence };
  }
  return { ...(sa > sb ? a : b), confidence };
}
