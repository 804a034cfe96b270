// The backbone head's training loop: one seed gives one head; early stopping keeps the best epoch; weight averaging; the shared column scaling.
import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitColumnScaling } from '../src/classify/column-scaling.js';
import { createHead } from '../src/classify/compact-cnn.js';
import { fitHead, type HeadFitOptions } from '../src/classify/head-fit.js';
import { loadTensorflow, type TfRuntime } from '../src/classify/tf-runtime.js';
import { ensureWasmGradients } from '../src/classify/wasm-gradients.js';
import { mulberry32 } from '../src/core/random.js';

let runtime: TfRuntime;
beforeAll(async () => {
  runtime = await loadTensorflow();
  ensureWasmGradients(runtime.tf);
});

const CLASSES = 3;
const WIDTH = 24;

/** Rows of three noisy clusters (a class each) and their one-hot labels. */
function rows(count: number, seed: number): { x: Tensor2D; y: Tensor2D; labels: number[] } {
  const { tf } = runtime;
  const random = mulberry32(seed);
  const labels = Array.from({ length: count }, (_, i) => i % CLASSES);
  const values = labels.flatMap((c) => Array.from({ length: WIDTH }, (_, j) => (j % CLASSES === c ? 1 : 0) + (random() - 0.5) * 1.5));
  return { x: tf.tensor2d(values, [count, WIDTH]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES) as Tensor2D, labels };
}

async function trainedWeights(seed: number, options: Partial<HeadFitOptions> = {}): Promise<{ weights: Float32Array[]; result: Awaited<ReturnType<typeof fitHead>> }> {
  const { tf } = runtime;
  const data = rows(60, 11);
  const model = createHead(tf, { classCount: CLASSES, inputSize: WIDTH, seed: 1, hiddenUnits: 16 });
  try {
    const result = await fitHead(tf, model, data.x, data.y, { classWeight: [1, 1, 1], batchSize: 16, seed, learningRate: 1e-2, epochs: 6, ...options });
    return { weights: await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array)), result };
  } finally {
    model.dispose();
    data.x.dispose();
    data.y.dispose();
  }
}

describe('fitHead', () => {
  it('gives the same head for the same seed and another head for another seed (shuffle and dropout masks are seeded)', async () => {
    const first = await trainedWeights(5);
    const again = await trainedWeights(5);
    const other = await trainedWeights(6);
    first.weights.forEach((w, i) => expect(Array.from(again.weights[i]!)).toEqual(Array.from(w)));
    expect(Array.from(other.weights[0]!)).not.toEqual(Array.from(first.weights[0]!));
    expect(first.result.epochs.at(-1)!.loss).toBeLessThan(first.result.epochs[0]!.loss);
    expect(first.result.epochs.at(-1)!.accuracy).toBeGreaterThan(0.8);
  });

  it('keeps the weights of the epoch with the lowest validation loss and stops after the patience', async () => {
    const validation = rows(30, 12);
    try {
      const { result } = await trainedWeights(5, { epochs: 40, validation: { x: validation.x, y: validation.y, patience: 2 } });
      const losses = result.epochs.map((e) => e.valLoss!);
      const best = result.bestEpoch;
      // An epoch counts as better when it lowers the loss by more than 1e-4.
      expect(losses.every((loss) => loss >= losses[best - 1]! - 1e-4)).toBe(true);
      expect(result.epochs.length).toBeLessThanOrEqual(best + 2);
      expect(result.validationAccuracy).toBe(result.epochs[best - 1]!.valAccuracy);
    } finally {
      validation.x.dispose();
      validation.y.dispose();
    }
  });

  it('averages the weights of the last epochs when asked', async () => {
    const plain = await trainedWeights(5, { epochs: 6 });
    const averaged = await trainedWeights(5, { epochs: 6, averageLast: 3 });
    // Same steps, so the same last weights; the average of the last three differs from them.
    expect(Array.from(averaged.weights[0]!)).not.toEqual(Array.from(plain.weights[0]!));
    expect(averaged.result.epochs.map((e) => e.loss)).toEqual(plain.result.epochs.map((e) => e.loss));
  });
});

describe('fitColumnScaling', () => {
  it('gives each column its mean and population spread, rounded to 6 decimals', () => {
    const table = [[1, 10, 5], [2, 10, 5.0000004], [6, 10, 5]];
    const stats = fitColumnScaling(3, 3, (r, j) => table[r]![j]!);
    expect(stats.mean).toEqual([3, 10, 5]);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + (6 - 3) ** 2) / 3), 6);
    expect(stats.std[1]).toBe(0);
    expect(stats.std[2]).toBe(0);
    expect(fitColumnScaling(0, 2, () => 1)).toEqual({ mean: [0, 0], std: [0, 0] });
  });
});
