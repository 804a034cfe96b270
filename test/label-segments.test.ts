// Label smoothing on synthetic classifier scores: flicker, minimum length, snapping, unknown, and the tiling invariant.
import { describe, expect, it } from 'vitest';
import { RoughcutError } from '../src/core/errors.js';
import { rational, secondsToFrames, type Rational } from '../src/core/rational.js';
import type { Segment } from '../src/core/types.js';
import { labelChangeKeyframes, labelSegments, shotLabelScores, type LabelSample, type LabelSegmentOptions } from '../src/keyframes/label-segments.js';
import { mulberry32 } from '../src/core/random.js';

const CLASSES = ['anchor', 'weather', 'field'] as const;
const FPS = rational(25);

/** Scores with `top` at `confidence` and the rest shared equally by the other classes. */
function scores(top: (typeof CLASSES)[number], confidence = 0.9): number[] {
  const rest = (1 - confidence) / (CLASSES.length - 1);
  return CLASSES.map((c) => (c === top ? confidence : rest));
}

/** One sample every `step` frames from 0 below `frameCount`, labelled by `labelAt(frame)`. */
function sampled(frameCount: number, step: number, labelAt: (frame: number) => number[]): LabelSample[] {
  const out: LabelSample[] = [];
  for (let f = 0; f < frameCount; f += step) out.push({ frame: f, scores: labelAt(f) });
  return out;
}

function options(frameCount: number, extra: Partial<LabelSegmentOptions> = {}): LabelSegmentOptions {
  return { classes: CLASSES, frameCount, fps: FPS, shots: [{ startFrame: 0, endFrame: frameCount }], ...extra };
}

/** `[start, end) label` lines, to compare segment lists at a glance. */
function spans(segments: readonly Segment[]): string[] {
  return segments.map((s) => `[${s.startFrame}, ${s.endFrame}) ${s.label}`);
}

describe('labelSegments', () => {
  it('smooths a one-sample flicker away', () => {
    const samples = sampled(250, 25, (f) => scores(f === 125 ? 'weather' : 'anchor'));
    const segments = labelSegments(samples, options(250));
    expect(spans(segments)).toEqual(['[0, 250) anchor']);
    expect(segments[0]!.kind).toBe('scene');
  });

  it('never makes a one-sample run a segment inside a shot, even with smoothing and minimum length off', () => {
    const samples = sampled(250, 25, (f) => scores(f === 125 ? 'weather' : 'anchor', f === 125 ? 0.99 : 0.6));
    expect(spans(labelSegments(samples, options(250, { smoothing: 1, minSegmentSeconds: 0 })))).toEqual(['[0, 250) anchor']);
  });

  it('keeps a one-sample run that is its shot\'s only sample, when the minimum length allows', () => {
    const shots = [{ startFrame: 0, endFrame: 120 }, { startFrame: 120, endFrame: 130 }, { startFrame: 130, endFrame: 250 }];
    const samples = sampled(250, 25, () => scores('anchor')).filter((s) => s.frame < 120 || s.frame >= 130);
    samples.splice(5, 0, { frame: 125, scores: scores('weather') });
    const loose = labelSegments(samples, options(250, { shots, minSegmentSeconds: 0 }));
    expect(spans(loose)).toEqual(['[0, 120) anchor', '[120, 130) weather', '[130, 250) anchor']);
    expect(spans(labelSegments(samples, options(250, { shots })))).toEqual(['[0, 250) anchor']);
  });

  it('merges a segment shorter than the minimum, and keeps it when the minimum is lower', () => {
    // Samples every 12 frames; three weather samples (frames 120, 132, 144) make a ~1.4 s run.
    const samples = sampled(500, 12, (f) => scores(f >= 120 && f <= 144 ? 'weather' : 'anchor', 0.95));
    expect(spans(labelSegments(samples, options(500)))).toEqual(['[0, 500) anchor']);
    // Edges halfway between the disagreeing samples: ceil((108 + 120) / 2), ceil((144 + 156) / 2).
    expect(spans(labelSegments(samples, options(500, { minSegmentSeconds: 1 })))).toEqual(['[0, 114) anchor', '[114, 150) weather', '[150, 500) anchor']);
  });

  it('merges a short segment into the neighbour it resembles most', () => {
    // A short "field" run whose second choice is anchor, between anchor and weather.
    const fieldish = [0.35, 0.05, 0.6];
    const samples = sampled(500, 25, (f) => (f < 200 ? scores('anchor') : f < 225 ? fieldish : scores('weather')));
    samples.splice(9, 0, { frame: 212, scores: fieldish });
    const segments = labelSegments(samples, options(500, { smoothing: 1 }));
    expect(segments.map((s) => s.label)).toEqual(['anchor', 'weather']);
    // The field samples (200, 212) went to anchor: the edge is halfway between 212 and 225.
    expect(segments[0]!.endFrame).toBe(219);
    // Mirror image: second choice weather, so it joins the weather side.
    const weatherish = [0.05, 0.35, 0.6];
    const mirrored = samples.map((s) => (s.frame === 200 || s.frame === 212 ? { frame: s.frame, scores: weatherish } : s));
    const other = labelSegments(mirrored, options(500, { smoothing: 1 }));
    expect(other.map((s) => s.label)).toEqual(['anchor', 'weather']);
    expect(other[0]!.endFrame).toBe(188);
  });

  it('puts an edge on a cut between the two disagreeing samples, whatever snapSeconds says', () => {
    const shots = [{ startFrame: 0, endFrame: 140 }, { startFrame: 140, endFrame: 300 }];
    const samples = sampled(300, 25, (f) => scores(f < 140 ? 'anchor' : 'weather'));
    expect(spans(labelSegments(samples, options(300, { shots, snapSeconds: 0 })))).toEqual(['[0, 140) anchor', '[140, 300) weather']);
  });

  it('snaps an edge within snapSeconds onto a shot boundary, even past a sample beside the transition', () => {
    // The cut is at 120; the sample at 125 (just after it, mid-transition) still says anchor.
    const shots = [{ startFrame: 0, endFrame: 120 }, { startFrame: 120, endFrame: 300 }];
    const samples = sampled(300, 25, (f) => scores(f <= 125 ? 'anchor' : 'weather'));
    // Halfway between 125 and 150 is frame 138: 18 frames from the cut, inside 1 s (25 frames).
    expect(spans(labelSegments(samples, options(300, { shots, smoothing: 1 })))).toEqual(['[0, 120) anchor', '[120, 300) weather']);
    // Half a second (12.5 frames) does not reach.
    expect(spans(labelSegments(samples, options(300, { shots, smoothing: 1, snapSeconds: 0.5 })))).toEqual(['[0, 138) anchor', '[138, 300) weather']);
  });

  it('does not smooth across a cut: a label change at a cut stays crisp', () => {
    // Weak evidence on both sides of the cut; averaging across it would blur both shots into unknown.
    const shots = [{ startFrame: 0, endFrame: 100 }, { startFrame: 100, endFrame: 200 }];
    const samples = [0, 50, 99, 100, 150].map((frame) => ({ frame, scores: scores(frame < 100 ? 'anchor' : 'weather', 0.6) }));
    expect(spans(labelSegments(samples, options(200, { shots, smoothing: 5 })))).toEqual(['[0, 100) anchor', '[100, 200) weather']);
  });

  it('labels a run below the confidence threshold unknown, with its mean top probability', () => {
    const samples = sampled(500, 25, (f) => (f >= 200 && f < 300 ? [0.4, 0.35, 0.25] : scores('anchor')));
    const segments = labelSegments(samples, options(500, { smoothing: 1 }));
    expect(spans(segments)).toEqual(['[0, 188) anchor', '[188, 288) unknown', '[288, 500) anchor']);
    expect(segments[1]!.confidence).toBe(0.4);
    expect(segments[0]!.confidence).toBe(0.9);
    // A lower threshold accepts the same scores as anchor.
    expect(spans(labelSegments(samples, options(500, { smoothing: 1, unknownBelow: 0.3 })))).toEqual(['[0, 500) anchor']);
  });

  it('covers the file with one unknown segment when nothing was sampled', () => {
    expect(labelSegments([], options(100))).toEqual([{ startFrame: 0, endFrame: 100, label: 'unknown', confidence: 0, kind: 'scene' }]);
    expect(labelSegments([], options(0))).toEqual([]);
  });

  it('refuses scores that do not match the classes, and samples out of order', () => {
    const bad = (samples: LabelSample[]) => {
      try {
        labelSegments(samples, options(100));
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const samples of [[{ frame: 0, scores: [1, 0] }], [{ frame: 50, scores: scores('anchor') }, { frame: 10, scores: scores('anchor') }], [{ frame: 100, scores: scores('anchor') }]]) {
      const error = bad(samples);
      expect(error).toBeInstanceOf(RoughcutError);
      expect((error as RoughcutError).code).toBe('BAD_ARGUMENT');
    }
  });

  it('tiles [0, frameCount) with segments no shorter than the minimum, on random inputs', () => {
    const random = mulberry32(20240611);
    const rates: Rational[] = [rational(25), rational(30000, 1001), rational(24000, 1001), rational(50)];
    for (let trial = 0; trial < 400; trial++) {
      const fps = rates[Math.floor(random() * rates.length)]!;
      const frameCount = 1 + Math.floor(random() * 3000);
      // Random shots tiling the file, sometimes with a gap the shot list does not cover.
      const shots: { startFrame: number; endFrame: number }[] = [];
      for (let start = 0; start < frameCount;) {
        const end = Math.min(frameCount, start + 1 + Math.floor(random() * 200));
        if (random() > 0.05) shots.push({ startFrame: start, endFrame: end });
        start = end;
      }
      // Samples: irregular steps, sometimes repeating a frame (a keyframe that is also a 1 s sample).
      const samples: LabelSample[] = [];
      let mood = Math.floor(random() * CLASSES.length);
      for (let f = Math.floor(random() * 10); f < frameCount; f += Math.floor(random() * 40)) {
        if (random() < 0.15) mood = Math.floor(random() * CLASSES.length);
        const raw = CLASSES.map((_, k) => random() + (k === mood ? 2 * random() : 0));
        const sum = raw.reduce((a, b) => a + b, 0);
        samples.push({ frame: f, scores: raw.map((v) => v / sum) });
      }
      const minSegmentSeconds = random() * 3;
      const segments = labelSegments(samples, {
        classes: CLASSES, frameCount, fps, shots, minSegmentSeconds,
        unknownBelow: random() * 0.8, snapSeconds: random() * 2, smoothing: 1 + Math.floor(random() * 6),
      });
      const context = `trial ${trial}: ${JSON.stringify(spans(segments))}`;
      expect(segments.length, context).toBeGreaterThan(0);
      expect(segments[0]!.startFrame, context).toBe(0);
      expect(segments[segments.length - 1]!.endFrame, context).toBe(frameCount);
      const minFrames = Math.max(1, secondsToFrames(minSegmentSeconds, fps));
      segments.forEach((s, k) => {
        expect(s.endFrame, context).toBeGreaterThan(s.startFrame);
        if (segments.length > 1) expect(s.endFrame - s.startFrame, context).toBeGreaterThanOrEqual(minFrames);
        expect(s.confidence, context).toBeGreaterThanOrEqual(0);
        expect(s.confidence, context).toBeLessThanOrEqual(1);
        expect([...CLASSES, 'unknown'], context).toContain(s.label);
        expect(s.kind).toBe('scene');
        if (k > 0) {
          expect(s.startFrame, context).toBe(segments[k - 1]!.endFrame);
          expect(s.label, context).not.toBe(segments[k - 1]!.label);
        }
      });
    }
  });
});

describe('shotLabelScores', () => {
  it('averages the samples inside each shot, rounds, drops tiny classes and sorts by score', () => {
    const shots = [{ startFrame: 0, endFrame: 50 }, { startFrame: 50, endFrame: 100 }, { startFrame: 100, endFrame: 150 }];
    const samples = [
      { frame: 10, scores: [0.7, 0.3, 0] },
      { frame: 30, scores: [0.5, 0.49, 0.01] },
      { frame: 60, scores: [0.2, 0.7999, 0.0001] },
    ];
    const result = shotLabelScores(samples, shots, CLASSES);
    expect(result[0]).toEqual({ anchor: 0.6, weather: 0.395 });
    expect(Object.keys(result[0]!)).toEqual(['anchor', 'weather']);
    expect(Object.keys(result[1]!)).toEqual(['weather', 'anchor']);
    expect(result[1]).toEqual({ weather: 0.8, anchor: 0.2 });
    // No sample inside the third shot: the nearest (frame 60) lends its scores.
    expect(result[2]).toEqual(result[1]);
  });

  it('gives every shot {} when nothing was sampled', () => {
    expect(shotLabelScores([], [{ startFrame: 0, endFrame: 10 }], CLASSES)).toEqual([{}]);
  });
});

describe('labelChangeKeyframes', () => {
  it('marks the first frame of each scene segment whose label changes, with its shot', () => {
    const shots = [{ index: 0, startFrame: 0, endFrame: 90 }, { index: 1, startFrame: 90, endFrame: 200 }, { index: 2, startFrame: 200, endFrame: 300 }];
    const segments: Segment[] = [
      { startFrame: 0, endFrame: 100, label: 'anchor', confidence: 0.9, kind: 'scene' },
      { startFrame: 40, endFrame: 60, label: 'black', confidence: 1, kind: 'technical' },
      { startFrame: 100, endFrame: 150, label: 'weather', confidence: 0.8 },
      { startFrame: 150, endFrame: 200, label: 'weather', confidence: 0.7, kind: 'scene' },
      { startFrame: 200, endFrame: 300, label: 'anchor', confidence: 0.9, kind: 'scene' },
    ];
    expect(labelChangeKeyframes(segments, shots)).toEqual([
      { frame: 100, reason: 'label-change', shot: 1 },
      { frame: 200, reason: 'label-change', shot: 2 },
    ]);
  });

  it('round-trips labelSegments output: one keyframe per segment after the first', () => {
    const shots = [{ startFrame: 0, endFrame: 140 }, { startFrame: 140, endFrame: 400 }];
    const samples = sampled(400, 25, (f) => scores(f < 140 ? 'anchor' : f < 300 ? 'weather' : 'field'));
    const segments = labelSegments(samples, options(400, { shots }));
    expect(labelChangeKeyframes(segments, shots).map((k) => [k.frame, k.shot])).toEqual([[140, 1], [288, 1]]);
  });
});

