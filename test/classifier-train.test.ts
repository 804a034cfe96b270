// Classifier core: the WASM gradient kernel against cpu, both architectures trained, saved, loaded and applied; bad model folders.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDING_SIZE, STYLE_LAYER, STYLE_SIZE, STYLE_WEIGHT } from '../src/classify/backbone.js';
import { loadClassifier } from '../src/classify/classifier.js';
import { createHead } from '../src/classify/compact-cnn.js';
import { fitLookScaling, LOOK_FEATURE_COUNT, lookFeatures } from '../src/classify/look-features.js';
import { readModelFolder, writeModelFolder, type ModelLabels } from '../src/classify/model-store.js';
import { loadTensorflow, type Tf, type TfRuntime } from '../src/classify/tf-runtime.js';
import { trainClassifier, type LabelledImage, type TrainReport } from '../src/classify/train.js';
import { ensureWasmGradients, WASM_GRADIENT_NOTE } from '../src/classify/wasm-gradients.js';
import type { RgbFrame } from '../src/frames/frame.js';
import { roughcutErrorOf } from './helpers/errors.js';

const WIDTH = 160;
const HEIGHT = 90;
const CLASSES = ['checks', 'hstripes', 'vstripes'] as const;

/** A seeded generator so every run sees the same pictures. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each class's base colour: the classes differ in colour and in texture, as scene classes do. */
const PALETTE: Readonly<Record<(typeof CLASSES)[number], readonly number[]>> = {
  checks: [200, 70, 50],
  hstripes: [60, 180, 80],
  vstripes: [60, 90, 200],
};

/**
 * A 160x90 frame of one class: its colour (jittered) and a darker shade in checks, horizontal
 * or vertical stripes of a random period and phase, with pixel noise.
 */
function patternFrame(kind: (typeof CLASSES)[number], index: number, random: () => number): RgbFrame {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  const a = PALETTE[kind].map((v) => v + (random() - 0.5) * 60);
  const b = a.map((v) => v * (0.3 + random() * 0.3));
  const period = 12 + Math.floor(random() * 12);
  const phase = Math.floor(random() * period);
  for (let yy = 0; yy < HEIGHT; yy++) {
    for (let xx = 0; xx < WIDTH; xx++) {
      const u = Math.floor((xx + phase) / period) % 2;
      const v = Math.floor((yy + phase) / period) % 2;
      const on = kind === 'hstripes' ? v : kind === 'vstripes' ? u : u ^ v;
      const colour = on ? a : b;
      for (let c = 0; c < 3; c++) {
        data[(yy * WIDTH + xx) * 3 + c] = Math.max(0, Math.min(255, Math.round(colour[c]! + (random() - 0.5) * 40)));
      }
    }
  }
  return { index, ptsSeconds: index / 25, width: WIDTH, height: HEIGHT, data };
}

function examples(perClass: number, seed: number, prefix: string): LabelledImage[] {
  const random = generator(seed);
  const out: LabelledImage[] = [];
  for (const label of CLASSES) {
    for (let i = 0; i < perClass; i++) out.push({ image: patternFrame(label, out.length, random), label, group: `${prefix}-${label}-${Math.floor(i / 5)}` });
  }
  return out;
}

function accuracy(rows: readonly Float32Array[], classes: readonly string[], truth: readonly LabelledImage[]): number {
  let right = 0;
  rows.forEach((row, i) => {
    const best = row.indexOf(Math.max(...row));
    if (classes[best] === truth[i]!.label) right++;
  });
  return right / truth.length;
}

let runtime: TfRuntime;
let root: string;
const train = examples(24, 1, 'train');
const validation = examples(8, 2, 'val');
const heldOut = examples(10, 3, 'test');

beforeAll(async () => {
  runtime = await loadTensorflow();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'roughcut-classifier-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('WASM training kernels', () => {
  /** Runs `compute` on the cpu backend and on wasm (with roughcut's kernels) and returns both results. */
  async function onBoth(compute: (tf: Tf) => Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
    const { tf } = runtime;
    const results: Float32Array[][] = [];
    try {
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const tensors = tf.tidy(() => compute(tf));
        results.push(await Promise.all(tensors.map(async (t) => await t.data() as Float32Array)));
        tf.dispose(tensors);
      }
    } finally {
      await tf.setBackend('wasm');
    }
    return results as [Float32Array[], Float32Array[]];
  }

  function expectClose(wasm: Float32Array, cpu: Float32Array): void {
    expect(wasm.length).toBe(cpu.length);
    const scale = Math.max(...cpu.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThan(1e-4 * scale);
  }

  function values(shape: readonly number[], random: () => number): Float32Array {
    return Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => random() - 0.5);
  }

  it('supplies Conv2DBackpropFilter, and the filter and input gradients match the cpu backend', async () => {
    expect(runtime.backend).toBe('wasm');
    expect(runtime.tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(ensureWasmGradients(runtime.tf)).toBe(WASM_GRADIENT_NOTE);
    expect(ensureWasmGradients(runtime.tf)).toBe(WASM_GRADIENT_NOTE);
    const random = generator(7);
    const cases: { x: [number, number, number, number]; filter: [number, number, number, number]; strides: number | [number, number]; pad: 'same' | 'valid' }[] = [
      { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
      { x: [2, 9, 7, 3], filter: [3, 2, 3, 4], strides: 2, pad: 'valid' },
      { x: [1, 8, 8, 4], filter: [5, 5, 4, 2], strides: [2, 1], pad: 'same' },
      { x: [3, 6, 5, 2], filter: [1, 1, 2, 3], strides: 1, pad: 'valid' },
    ];
    for (const c of cases) {
      const xValues = values(c.x, random);
      const wValues = values(c.filter, random);
      const [cpu, wasm] = await onBoth((tf) => tf.grads((x, w) => tf.sum(tf.square(tf.conv2d(x as Tensor4D, w as Tensor4D, c.strides, c.pad))))([tf.tensor4d(xValues, c.x), tf.tensor4d(wValues, c.filter)]));
      expectClose(wasm[0]!, cpu[0]!);
      expectClose(wasm[1]!, cpu[1]!);
    }
  });

  it('transposed matrix products match the cpu backend', async () => {
    ensureWasmGradients(runtime.tf);
    const random = generator(8);
    const a = values([2, 7, 300], random);
    const b = values([2, 300, 5], random);
    const [cpu, wasm] = await onBoth((tf) => {
      const at = tf.tensor3d(a, [2, 7, 300]);
      const bt = tf.tensor3d(b, [2, 300, 5]);
      return [
        tf.matMul(at, bt),
        tf.matMul(tf.transpose(at, [0, 2, 1]), bt, true, false),
        tf.matMul(at, tf.transpose(bt, [0, 2, 1]), false, true),
        tf.matMul(tf.transpose(at, [0, 2, 1]), tf.transpose(bt, [0, 2, 1]), true, true),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i]!, cpu[i]!);
    for (let i = 1; i < wasm.length; i++) expectClose(wasm[i]!, wasm[0]!);
  });
});

describe('trainClassifier and loadClassifier', () => {
  async function trainAndApply(architecture: 'backbone' | 'cnn', epochs: number): Promise<{ report: TrainReport; dir: string; heldOutAccuracy: number }> {
    const dir = path.join(root, architecture);
    const epochsSeen: number[] = [];
    const report = await trainClassifier(train, validation, {
      outDir: dir, runtime, architecture, epochs, patience: epochs, seed: 3, settings: { source: 'synthetic patterns' },
      onEpoch: (p) => epochsSeen.push(p.epoch),
    });
    expect(epochsSeen).toEqual(Array.from({ length: report.candidates[0]!.epochs }, (_, i) => i + 1));
    const classifier = await loadClassifier(dir, { runtime });
    try {
      expect(classifier.architecture).toBe(architecture);
      expect(classifier.classes).toEqual([...CLASSES]);
      const rows = await classifier.classify(heldOut.map((item) => item.image));
      expect(rows).toHaveLength(heldOut.length);
      for (const row of rows) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 3);
      return { report, dir, heldOutAccuracy: accuracy(rows, classifier.classes, heldOut) };
    } finally {
      classifier.dispose();
    }
  }

  it('trains a head on backbone embeddings, saves the folder and classifies held-out frames', async () => {
    const { report, dir, heldOutAccuracy } = await trainAndApply('backbone', 30);
    expect(heldOutAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.chosen).toBe('backbone');
    expect(report.backend).toBe('wasm');
    expect(report.gradientNote).toBe(WASM_GRADIENT_NOTE);
    expect(report.trainCount).toEqual({ checks: 24, hstripes: 24, vstripes: 24 });
    expect(report.validationCount).toEqual({ checks: 8, hstripes: 8, vstripes: 8 });
    expect(report.settings).toEqual({ source: 'synthetic patterns' });
    const labels = JSON.parse(await fs.readFile(path.join(dir, 'labels.json'), 'utf8')) as Record<string, unknown>;
    expect(labels).toMatchObject({ version: 1, classes: [...CLASSES], architecture: 'backbone', inputSize: 160, backbone: { package: 'nsfwjs@4.4.0', model: 'mobilenet_v2', layer: 'out_relu' } });
    // The style features' scaling is recorded beside the look features'.
    const style = labels.style as { layer: string; mean: number[]; std: number[]; weight: number };
    expect(style.layer).toBe(STYLE_LAYER);
    expect(style.mean).toHaveLength(STYLE_SIZE);
    expect(style.std).toHaveLength(STYLE_SIZE);
    expect(style.std.some((v) => v > 0)).toBe(true);
    expect(style.weight).toBe(STYLE_WEIGHT);
    expect(String(report.training?.style)).toContain(STYLE_LAYER);
    expect(JSON.parse(await fs.readFile(path.join(dir, 'training-report.json'), 'utf8'))).toEqual(report);
    const html = await fs.readFile(path.join(dir, 'training-report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('synthetic patterns');
    expect((await fs.readdir(root)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('trains the compact CNN on WASM with the supplied gradient kernel and says so in the report', async () => {
    const { report, heldOutAccuracy } = await trainAndApply('cnn', 12);
    expect(heldOutAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.chosen).toBe('cnn');
    expect(report.gradientNote).toBe(WASM_GRADIENT_NOTE);
    const history = report.candidates[0]!.history;
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
  });

  it('trains the same compact CNN twice from one seed (seeded shuffles, crops and dropout masks)', async () => {
    const weights = async (name: string): Promise<Buffer> => {
      const dir = path.join(root, name);
      await trainClassifier(train, validation, { outDir: dir, runtime, architecture: 'cnn', epochs: 2, patience: 2, seed: 4, cnnImagesPerEpoch: 24 });
      return fs.readFile(path.join(dir, 'weights.bin'));
    };
    expect((await weights('cnn-seed-a')).equals(await weights('cnn-seed-b'))).toBe(true);
  });

  it('refuses data with one class or a class missing from training', async () => {
    const one = train.filter((item) => item.label === 'checks');
    const error = await roughcutErrorOf(trainClassifier(one, validation.filter((item) => item.label === 'checks'), { outDir: path.join(root, 'never'), runtime }));
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toContain('"checks"');
    const missing = await roughcutErrorOf(trainClassifier(train.filter((item) => item.label !== 'vstripes'), validation, { outDir: path.join(root, 'never'), runtime }));
    expect(missing.code).toBe('BAD_DATA');
    expect(missing.message).toContain('"vstripes" has no training image');
    await expect(fs.stat(path.join(root, 'never'))).rejects.toThrow();
  });

  it('refuses to replace a folder that is not a model, before training', async () => {
    const notModel = path.join(root, 'documents');
    await fs.mkdir(notModel);
    await fs.writeFile(path.join(notModel, 'letter.txt'), 'keep me');
    const error = await roughcutErrorOf(trainClassifier(train, validation, { outDir: notModel, runtime }));
    expect(error.code).toBe('BAD_ARGUMENT');
    expect(error.message).toContain(notModel);
    expect(await fs.readdir(notModel)).toEqual(['letter.txt']);
  });

  it('replaces an existing model folder whole', async () => {
    const dir = path.join(root, 'replaced');
    const labels = (classes: string[]): ModelLabels => ({ version: 1, classes, architecture: 'cnn', inputSize: 48, backbone: null, normalisation: 'rgb/255', trainedAt: '', validationAccuracy: 1 });
    const first = createHead(runtime.tf, { classCount: 2, inputSize: 8 });
    const second = createHead(runtime.tf, { classCount: 3, inputSize: 8 });
    try {
      await writeModelFolder(runtime.tf, dir, first, labels(['a', 'b']), { 'old-only.txt': 'x' });
      await writeModelFolder(runtime.tf, dir, second, labels(['a', 'b', 'c']));
      expect((await fs.readdir(dir)).sort()).toEqual(['labels.json', 'model.json', 'weights.bin']);
      const loaded = await readModelFolder(runtime.tf, dir);
      expect(loaded.labels.classes).toEqual(['a', 'b', 'c']);
      loaded.model.dispose();
      expect((await fs.readdir(root)).filter((name) => name.startsWith('.'))).toEqual([]);
    } finally {
      first.dispose();
      second.dispose();
    }
  });
});

describe('models saved before the style features', () => {
  it('load and classify on the embedding and look features alone', async () => {
    // The folder an older roughcut wrote: a head reading 1280 + 48 values, labels.json without "style".
    const dir = path.join(root, 'before-style');
    const head = createHead(runtime.tf, { classCount: CLASSES.length, inputSize: EMBEDDING_SIZE + LOOK_FEATURE_COUNT, seed: 1 });
    try {
      await writeModelFolder(runtime.tf, dir, head, {
        version: 1, classes: [...CLASSES], architecture: 'backbone', inputSize: 160,
        backbone: { package: 'nsfwjs@4.4.0', model: 'mobilenet_v2', layer: 'out_relu' }, normalisation: 'rgb/255', trainedAt: '', validationAccuracy: 1,
        look: fitLookScaling(train.map((item) => lookFeatures(item.image))),
      });
    } finally {
      head.dispose();
    }
    const classifier = await loadClassifier(dir, { runtime });
    try {
      const rows = await classifier.classify(heldOut.slice(0, 5).map((item) => item.image));
      expect(rows).toHaveLength(5);
      for (const row of rows) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 3);
    } finally {
      classifier.dispose();
    }
  });

  it('a head that does not read what labels.json describes is refused with the folder and the fix', async () => {
    const dir = path.join(root, 'style-removed');
    await fs.cp(path.join(root, 'backbone'), dir, { recursive: true });
    const labels = JSON.parse(await fs.readFile(path.join(dir, 'labels.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(dir, 'labels.json'), JSON.stringify({ ...labels, style: undefined }));
    const error = await roughcutErrorOf(loadClassifier(dir, { runtime }));
    expect(error.code).toBe('BAD_MODEL');
    expect(error.message).toContain(dir);
    expect(error.message).toContain(`reads ${EMBEDDING_SIZE + STYLE_SIZE + LOOK_FEATURE_COUNT} values a frame, but labels.json describes ${EMBEDDING_SIZE + LOOK_FEATURE_COUNT}`);
    expect(error.message).toContain('roughcut train');

    const shortStyle = path.join(root, 'short-style');
    await fs.cp(path.join(root, 'backbone'), shortStyle, { recursive: true });
    const style = labels.style as { mean: number[] };
    await fs.writeFile(path.join(shortStyle, 'labels.json'), JSON.stringify({ ...labels, style: { ...style, mean: style.mean.slice(1) } }));
    const shortError = await roughcutErrorOf(loadClassifier(shortStyle, { runtime }));
    expect(shortError.code).toBe('BAD_MODEL');
    expect(shortError.message).toContain(`"style" block without ${STYLE_SIZE} means`);
  });
});

describe('bad model folders', () => {
  async function copyOf(name: string): Promise<string> {
    const dir = path.join(root, name);
    await fs.cp(path.join(root, 'cnn'), dir, { recursive: true });
    return dir;
  }

  it('names the folder and the fix when it is missing or not a model', async () => {
    const missing = path.join(root, 'no-such-model');
    const error = await roughcutErrorOf(loadClassifier(missing, { runtime }));
    expect(error.code).toBe('BAD_MODEL');
    expect(error.message).toContain(missing);
    expect(error.message).toContain('roughcut train');
    const empty = path.join(root, 'empty');
    await fs.mkdir(empty);
    const noLabels = await roughcutErrorOf(loadClassifier(empty, { runtime }));
    expect(noLabels.code).toBe('BAD_MODEL');
    expect(noLabels.message).toContain('no labels.json');
  });

  it('rejects corrupt labels.json, model.json and truncated weights', async () => {
    const badLabels = await copyOf('bad-labels');
    await fs.writeFile(path.join(badLabels, 'labels.json'), '{"version":1,"classes":["a"]');
    expect((await roughcutErrorOf(loadClassifier(badLabels, { runtime }))).message).toMatch(/bad-labels: labels.json is not valid JSON/);

    const wrongClasses = await copyOf('wrong-classes');
    const labels = JSON.parse(await fs.readFile(path.join(wrongClasses, 'labels.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(wrongClasses, 'labels.json'), JSON.stringify({ ...labels, classes: ['a', 'b'] }));
    expect((await roughcutErrorOf(loadClassifier(wrongClasses, { runtime }))).message).toContain('3 outputs but labels.json lists 2 classes');

    const badModel = await copyOf('bad-model');
    await fs.writeFile(path.join(badModel, 'model.json'), '{"format":"layers-model"}');
    const modelError = await roughcutErrorOf(loadClassifier(badModel, { runtime }));
    expect(modelError.code).toBe('BAD_MODEL');
    expect(modelError.message).toContain('model.json is not a TF.js layers model');

    const truncated = await copyOf('truncated');
    const weights = await fs.readFile(path.join(truncated, 'weights.bin'));
    await fs.writeFile(path.join(truncated, 'weights.bin'), weights.subarray(0, weights.length - 100));
    const truncatedError = await roughcutErrorOf(readModelFolder(runtime.tf, truncated));
    expect(truncatedError.code).toBe('BAD_MODEL');
    expect(truncatedError.message).toContain('truncated');
    expect(truncatedError.file).toBe(truncated);
  });
});
