// Style features: the backbone's intermediate-layer statistics beside the embedding, and their scaling.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor2D } from '@tensorflow/tfjs';
import { EMBEDDING_SIZE, embedFrames, fitStyleScaling, loadBackbone, scaleStyle, STYLE_LAYER, STYLE_SIZE, STYLE_WEIGHT } from '../src/classify/backbone.js';
import { loadTensorflow, type TfRuntime } from '../src/classify/tf-runtime.js';
import type { RgbFrame } from '../src/frames/frame.js';

let runtime: TfRuntime;
beforeAll(async () => {
  runtime = await loadTensorflow();
});

/** A 160x90 frame: flat grey, or fine black-and-white checks (about the same mean brightness, another texture). */
function frame(kind: 'flat' | 'checks', index: number): RgbFrame {
  const data = new Uint8Array(160 * 90 * 3);
  for (let y = 0; y < 90; y++) for (let x = 0; x < 160; x++) data.fill(kind === 'flat' ? 128 : ((x >> 1) + (y >> 1)) % 2 === 0 ? 0 : 255, (y * 160 + x) * 3, (y * 160 + x) * 3 + 3);
  return { index, ptsSeconds: 0, width: 160, height: 90, data };
}

describe('style features', () => {
  it('come from the same pass as the embedding, which they leave unchanged', async () => {
    const backbone = await loadBackbone(runtime);
    const frames = [frame('flat', 0), frame('checks', 1)];
    const plain = await embedFrames(runtime, backbone, frames);
    const styled = await embedFrames(runtime, backbone, frames, { style: true });
    expect(plain).toHaveLength(2 * EMBEDDING_SIZE);
    expect(styled).toHaveLength(2 * (EMBEDDING_SIZE + STYLE_SIZE));
    const width = EMBEDDING_SIZE + STYLE_SIZE;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < EMBEDDING_SIZE; j += 97) expect(styled[i * width + j]).toBeCloseTo(plain[i * EMBEDDING_SIZE + j]!, 4);
    }
    // Spreads are standard deviations; the two textures give different style rows.
    const style = (i: number): Float32Array => styled.subarray(i * width + EMBEDDING_SIZE, (i + 1) * width);
    expect(style(0).subarray(STYLE_SIZE / 2).every((v) => v >= 0)).toBe(true);
    const distance = style(0).reduce((s, v, j) => s + Math.abs(v - style(1)[j]!), 0);
    expect(distance / STYLE_SIZE).toBeGreaterThan(0.05);
  });

  it('are standardised with the training rows and weighted; the embedding passes through', () => {
    const width = EMBEDDING_SIZE + STYLE_SIZE;
    const rows = new Float32Array(3 * width);
    [1, 2, 6].forEach((v, r) => rows.fill(v, r * width, (r + 1) * width));
    // Only the first two rows are training rows: mean 1.5, spread 0.5.
    const scaling = fitStyleScaling(rows, 2);
    expect(scaling.layer).toBe(STYLE_LAYER);
    expect(scaling.weight).toBe(STYLE_WEIGHT);
    expect(scaling.mean).toHaveLength(STYLE_SIZE);
    expect(scaling.mean.every((m) => m === 1.5)).toBe(true);
    expect(scaling.std.every((s) => s === 0.5)).toBe(true);
    const { tf } = runtime;
    const scaled = tf.tidy(() => scaleStyle(tf, tf.tensor2d(rows, [3, width]) as Tensor2D, scaling).arraySync());
    expect(scaled[2]![0]).toBe(6);
    expect(scaled[2]![EMBEDDING_SIZE]).toBeCloseTo(STYLE_WEIGHT * (6 - 1.5) / 0.5, 4);
    expect(scaled[0]![width - 1]).toBeCloseTo(-STYLE_WEIGHT, 4);
  });
});
