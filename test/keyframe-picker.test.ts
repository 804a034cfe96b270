// Keyframe choice on synthetic frames: typical of the shot, sharp, not black, not at the edges.
import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../src/frames/frame.js';
import { FrameFeatureStore } from '../src/keyframes/frame-features.js';
import { pickKeyframe } from '../src/keyframes/keyframe-picker.js';
import { ShotKeyframes } from '../src/keyframes/shot-keyframes.js';
import { buildShots } from '../src/keyframes/shots.js';

const W = 64;
const H = 36;

/**
 * A frame of vertical stripes in two colours, `period` pixels wide: a longer period has the same
 * colours in the same proportions (the same histogram) but fewer edges, so it is less sharp.
 */
function stripes(index: number, colours: [number, number, number][], options: { period?: number; dark?: number } = {}): RgbFrame {
  const period = options.period ?? 4;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const colour = colours[Math.floor(x / (period / 2)) % 2]!;
      for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = Math.round(colour[c]! * (options.dark ?? 1));
    }
  }
  return { index, ptsSeconds: index / 25, width: W, height: H, data };
}

describe('pickKeyframe', () => {
  it('prefers a sharp, typical frame over softer, off-colour or black ones', () => {
    const store = new FrameFeatureStore(W, H);
    const typical: [number, number, number][] = [[200, 40, 40], [30, 30, 160]];
    const frames = [
      ...Array.from({ length: 5 }, (_, i) => stripes(i, typical, { dark: 0.02 })), // black lead
      ...Array.from({ length: 10 }, (_, i) => stripes(5 + i, typical, { period: 32 })), // soft
      stripes(15, typical), // the sharp typical frame
      ...Array.from({ length: 3 }, (_, i) => stripes(16 + i, [[20, 200, 20], [250, 250, 250]])), // a different look
      ...Array.from({ length: 10 }, (_, i) => stripes(19 + i, typical, { period: 16 })),
    ];
    for (const f of frames) store.add(f);
    expect(pickKeyframe(store, { startFrame: 0, endFrame: frames.length })).toBe(15);
  });

  it('stays inside the range and away from its edges', () => {
    const store = new FrameFeatureStore(W, H);
    for (let i = 0; i < 40; i++) store.add(stripes(i, [[100, 100, 100], [140, 140, 140]]));
    const pick = pickKeyframe(store, { startFrame: 10, endFrame: 30 });
    expect(pick).toBeGreaterThanOrEqual(12);
    expect(pick).toBeLessThan(28);
  });

  it('prefers an intra frame among near-equal candidates', () => {
    const store = new FrameFeatureStore(W, H);
    for (let i = 0; i < 30; i++) store.add(stripes(i, [[100, 120, 140], [10, 20, 30]]));
    expect(pickKeyframe(store, { startFrame: 0, endFrame: 30 }, { decodeCost: (f) => (f === 17 ? 0 : 1) })).toBe(17);
  });
});

describe('buildShots', () => {
  it('tiles the file: cuts start shots, gradual transitions start them at their middle', () => {
    const shots = buildShots([
      { type: 'fade-in', startFrame: 2, endFrame: 12, confidence: 0.9, color: 'black' },
      { type: 'cut', frame: 100, confidence: 0.99 },
      { type: 'dissolve', startFrame: 175, endFrame: 199, confidence: 0.8 },
      { type: 'fade-out', startFrame: 380, endFrame: 399, confidence: 0.8, color: 'black' },
    ], 400, 10);
    expect(shots.map((s) => [s.startFrame, s.endFrame, s.transition.type])).toEqual([
      [0, 100, 'fade-in'], [100, 187, 'cut'], [187, 400, 'dissolve'],
    ]);
    // Keyframes may not come from transition frames.
    expect(shots[1]!.clean).toEqual({ startFrame: 100, endFrame: 175 });
    expect(shots[2]!.clean).toEqual({ startFrame: 200, endFrame: 380 });
  });
});

describe('ShotKeyframes (keyframes picked while the decode runs)', () => {
  it('picks what a whole-file pass would, and frees the features of finished shots', () => {
    const fps = { num: 25, den: 1 };
    const frames = 5000;
    const cuts = [700, 1500, 2300, 3900];
    const transitions = [
      ...cuts.map((frame) => ({ type: 'cut' as const, frame, confidence: 0.9 })),
      { type: 'dissolve' as const, startFrame: 2950, endFrame: 2974, confidence: 0.8 },
    ].sort((a, b) => ('frame' in a ? a.frame : a.startFrame) - ('frame' in b ? b.frame : b.startFrame));
    const colour = (i: number): [number, number, number][] => [[(i * 37) % 256, (i * 91) % 256, (i * 53) % 256], [20, 20, 20]];
    const live = new FrameFeatureStore(W, H);
    const whole = new FrameFeatureStore(W, H);
    const incremental = new ShotKeyframes(live, 10, fps);
    const reference = new ShotKeyframes(whole, 10, fps);
    const picked: number[] = [];
    let emitted = 0;
    for (let i = 0; i < frames; i++) {
      const shotIndex = [...cuts, 2962].filter((c) => c <= i).length;
      const frame = stripes(i, colour(shotIndex), { period: 4 + (i % 7) * 2 });
      live.add(frame);
      whole.add(frame);
      if (i % 50 === 0) { incremental.noteIntra(i); reference.noteIntra(i); }
      // The detector emits each transition 30 frames after its end.
      const known = transitions.filter((t) => ('frame' in t ? t.frame : t.endFrame) + 30 <= i);
      if (known.length > emitted) {
        emitted = known.length;
        picked.push(...incremental.update(known, i + 1).map((p) => p.frame));
      }
    }
    const done = incremental.finish(transitions, frames);
    picked.push(...done.fresh.map((p) => p.frame));
    expect(picked).toEqual(done.picks);
    expect(done.picks).toEqual(reference.finish(transitions, frames).picks);
    expect(done.spans.map((s) => s.startFrame)).toEqual([0, 700, 1500, 2300, 2962, 3900]);
    expect(() => live.histogram(10)).toThrow(/no features/);
  });
});
