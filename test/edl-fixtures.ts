// Hand-made analyses for the EDL and report tests: shots from boundaries, gradual transitions spelled out.
import { rational } from '../src/core/rational.js';
import type { AnalysisResult, Shot, ShotTransition, Transition } from '../src/core/types.js';

/** A boundary: a cut at `frame`, or a dissolve/fade-through over `[startFrame, endFrame]`. */
export type Boundary = number | { type: 'dissolve' | 'fade-through' | 'wipe'; startFrame: number; endFrame: number };

export interface FixtureSpec {
  name: string;
  fps: [number, number];
  dropFrame: boolean;
  frameCount: number;
  boundaries: Boundary[];
  startTimecode?: string;
  frameTimesSeconds?: number[];
}

/** An analysis.json as the pipeline would write it, for the given shot boundaries. */
export function makeAnalysis(spec: FixtureSpec): AnalysisResult {
  const fps = rational(spec.fps[0], spec.fps[1]);
  const starts: { at: number; transition: ShotTransition }[] = [{ at: 0, transition: { type: 'start' } }];
  const transitions: Transition[] = [];
  for (const b of spec.boundaries) {
    if (typeof b === 'number') {
      starts.push({ at: b, transition: { type: 'cut' } });
      transitions.push({ type: 'cut', frame: b, confidence: 0.95 });
    } else {
      starts.push({ at: Math.floor((b.startFrame + b.endFrame) / 2), transition: { ...b } });
      transitions.push({ ...b, confidence: 0.8 });
    }
  }
  const shots: Shot[] = starts.map((s, i) => {
    const endFrame = starts[i + 1]?.at ?? spec.frameCount;
    const key = Math.floor((s.at + endFrame) / 2);
    return {
      index: i, startFrame: s.at, endFrame, transition: s.transition,
      keyframe: { frame: key, image: `keyframes/${String(key).padStart(6, '0')}.jpg` },
      labels: (i % 2 === 0 ? { anchor: 0.91, studio: 0.4 } : {}) as Record<string, number>,
      characters: [], scale: null,
    };
  });
  return {
    version: 1,
    source: {
      path: `/media/in/${spec.name}`, name: spec.name, fps, dropFrame: spec.dropFrame, frameCount: spec.frameCount,
      durationSeconds: (spec.frameCount * spec.fps[1]) / spec.fps[0], startTimecode: spec.startTimecode ?? '00:00:00:00',
      width: 1920, height: 1080, variableFrameRate: spec.frameTimesSeconds !== undefined,
      ...(spec.frameTimesSeconds ? { frameTimesSeconds: spec.frameTimesSeconds } : {}),
    },
    transitions, shots, segments: [], keyframes: shots.map((s) => ({ frame: s.keyframe.frame, reason: 'representative' as const, shot: s.index })),
    classifier: { model: null, backend: 'cpu', classes: ['anchor', 'studio'] },
    timing: { seconds: 1, framesPerSecond: 100 }, settings: {},
  };
}
