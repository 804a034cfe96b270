// Look features (geometry, letterbox, colour, texture) and how training picks between architectures.
import { describe, expect, it } from 'vitest';
import { fitLookScaling, LOOK_FEATURE_COUNT, lookFeatures, scaledLook } from '../src/classify/look-features.js';
import type { RgbFrame } from '../src/frames/frame.js';

/** A frame filled by `pixel(x, y)`. */
function frame(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { index: 0, ptsSeconds: 0, width, height, data };
}

describe('look features', () => {
  it('measure aspect, letterbox bars, mean colour, hue and texture', () => {
    // 160x90 with 10-row black bars top and bottom, pure red inside.
    const boxed = lookFeatures(frame(160, 90, (_, y) => (y < 10 || y >= 80 ? [0, 0, 0] : [255, 0, 0])));
    expect(boxed).toHaveLength(LOOK_FEATURE_COUNT);
    expect(boxed[0]).toBeCloseTo(90 / 160, 5);
    expect([boxed[1], boxed[2], boxed[3], boxed[4]].map((v) => Number(v!.toFixed(3)))).toEqual([0.111, 0.111, 0, 0]);
    expect(boxed[5]).toBeCloseTo(70 / 90, 3); // mean red over the frame
    expect(boxed[6]).toBe(0);
    // Hue: every coloured pixel in the first (red) bin; 70 of 90 rows coloured.
    const hue = boxed.slice(36, 48);
    expect(hue[0]).toBeCloseTo(70 / 90, 3);
    expect(hue.slice(1).every((v) => v === 0)).toBe(true);
    // A checkerboard has texture, a flat frame none.
    const flat = lookFeatures(frame(64, 64, () => [128, 128, 128]));
    const checker = lookFeatures(frame(64, 64, (x, y) => ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255])));
    expect(flat[11]).toBe(0);
    expect(checker[11]).toBeGreaterThan(1);
  });

  it('scales by the training frames: their mean maps to zero, weighted', () => {
    const frames = [0, 64, 128, 192].map((v) => frame(32, 18, () => [v, v / 2, 255 - v]));
    const scaling = fitLookScaling(frames.map(lookFeatures), 0.5);
    const rows = scaledLook(frames, scaling);
    expect(rows).toHaveLength(frames.length * LOOK_FEATURE_COUNT);
    const redMean = [0, 1, 2, 3].map((i) => rows[i * LOOK_FEATURE_COUNT + 5]!);
    expect(redMean.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 4);
    // A standardised spread of one, times the weight.
    expect(Math.sqrt(redMean.reduce((a, b) => a + b * b, 0) / 4)).toBeCloseTo(0.5, 3);
  });
});

describe('choosing between architectures', () => {
  it('a candidate replaces the kept model only when better by more than the validation noise', async () => {
    const { beats } = await import('../src/classify/train.js');
    expect(beats(0.709, 0.702, 151)).toBe(false); // the shared/media near tie: the backbone stays
    expect(beats(0.9, 0.7, 151)).toBe(true);
    expect(beats(1, 0.99, 40)).toBe(false); // the margin never drops below 0.02
    expect(beats(1, 0.97, 1000)).toBe(true);
  });
});
