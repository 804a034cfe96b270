// The model folder: TF.js layers files plus labels.json, written whole or not at all, and read back with checks.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayersModel, io } from '@tensorflow/tfjs';
import { RoughcutError } from '../core/errors.js';
import { STYLE_LAYER, STYLE_SIZE, type BackboneInfo, type StyleScaling } from './backbone.js';
import type { Tf } from './tf-runtime.js';
import { LOOK_FEATURE_COUNT, type LookScaling } from './look-features.js';

/** The two kinds of classifier: a head on frozen backbone embeddings, or the compact CNN. */
export type Architecture = 'backbone' | 'cnn';

/** `labels.json`: what a model folder classifies into and how its input is prepared. */
export interface ModelLabels {
  readonly version: 1;
  readonly classes: readonly string[];
  readonly architecture: Architecture;
  /** Square input size frames are squashed to (for the backbone: the embedding input size). */
  readonly inputSize: number;
  /** Where the embeddings come from (backbone architecture), `null` for the compact CNN. */
  readonly backbone: BackboneInfo | null;
  readonly normalisation: string;
  /** ISO 8601. */
  readonly trainedAt: string;
  readonly validationAccuracy: number;
  /** Backbone models: how the look features beside the embedding are scaled (absent: embedding only). */
  readonly look?: LookScaling;
  /**
   * Backbone models: how the style features ({@link STYLE_LAYER} mean and spread) beside the
   * embedding are scaled. Absent in models trained before they were added: those read the
   * embedding alone, as they were trained.
   */
  readonly style?: StyleScaling;
}

/** File names inside a model folder. */
export const MODEL_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  labels: 'labels.json',
  report: 'training-report.json',
  reportHtml: 'training-report.html',
} as const;

/** The files of a saved layers model, as the bytes to write. */
export interface ModelArtifacts {
  readonly modelJson: string;
  readonly weights: Uint8Array;
}

/**
 * Serialises a layers model to the TF.js layers format (`model.json` naming `weights.bin`).
 * TF.js has no `file://` handler without tfjs-node, so the artifacts are caught in memory with
 * `tf.io.withSaveHandler` and written by roughcut.
 */
export async function modelArtifacts(tf: Tf, model: LayersModel): Promise<ModelArtifacts> {
  let captured: io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!captured?.modelTopology || !captured.weightSpecs || !captured.weightData) throw new Error('the model produced no topology or weights to save');
  const data = captured.weightData;
  const weights = Array.isArray(data) ? new Uint8Array(tf.io.concatenateArrayBuffers(data)) : new Uint8Array(data);
  const modelJson = {
    format: 'layers-model',
    generatedBy: captured.generatedBy,
    convertedBy: null,
    modelTopology: captured.modelTopology,
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: captured.weightSpecs }],
  };
  return { modelJson: JSON.stringify(modelJson), weights };
}

/**
 * Writes a model folder at `outDir`: `model.json`, `weights.bin`, `labels.json` and any `extra`
 * files (the training reports). Everything goes into a temporary folder beside `outDir` first and
 * is renamed into place, so a reader sees the old model or the new one, never a mix. An existing
 * `outDir` is replaced only when it is empty or is itself a model folder (has `labels.json`).
 *
 * @throws RoughcutError `BAD_ARGUMENT` when `outDir` is a file or a folder that is not a model.
 * @throws RoughcutError `OUTPUT_FAILED` when the folder cannot be written.
 */
export async function writeModelFolder(tf: Tf, outDir: string, model: LayersModel, labels: ModelLabels, extra: Readonly<Record<string, string | Uint8Array>> = {}): Promise<void> {
  const target = path.resolve(outDir);
  await checkReplaceable(target);
  const artifacts = await modelArtifacts(tf, model);
  const parent = path.dirname(target);
  const tag = randomBytes(4).toString('hex');
  const tmp = path.join(parent, `.${path.basename(target)}.${tag}.tmp`);
  const old = path.join(parent, `.${path.basename(target)}.${tag}.old`);
  try {
    await fs.mkdir(tmp, { recursive: true });
    await fs.writeFile(path.join(tmp, MODEL_FILES.model), artifacts.modelJson);
    await fs.writeFile(path.join(tmp, MODEL_FILES.weights), artifacts.weights);
    await fs.writeFile(path.join(tmp, MODEL_FILES.labels), `${JSON.stringify(labels, null, 2)}\n`);
    for (const [name, data] of Object.entries(extra)) await fs.writeFile(path.join(tmp, name), data);
    const exists = await fs.stat(target).then(() => true, () => false);
    if (exists) await fs.rename(target, old);
    try {
      await fs.rename(tmp, target);
    } catch (error) {
      if (exists) await fs.rename(old, target).catch(() => undefined);
      throw error;
    }
    if (exists) await fs.rm(old, { recursive: true, force: true });
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw new RoughcutError('OUTPUT_FAILED', `${target}: cannot write the model folder: ${error instanceof Error ? error.message : String(error)}. Check the folder is writable and the disk has room.`, { file: target, cause: error });
  }
}

/**
 * Checks that a model folder may be written at `outDir` (it is new, empty, or a model folder),
 * so that training can refuse before spending minutes. {@link writeModelFolder} checks again.
 *
 * @throws RoughcutError `BAD_ARGUMENT` when `outDir` is a file or a folder that is not a model.
 */
export async function checkModelOutDir(outDir: string): Promise<void> {
  await checkReplaceable(path.resolve(outDir));
}

async function checkReplaceable(target: string): Promise<void> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) return;
  if (!stat.isDirectory()) {
    throw new RoughcutError('BAD_ARGUMENT', `${target} is a file; --out needs a folder for the model. Choose a new folder name.`, { file: target });
  }
  const entries = await fs.readdir(target);
  if (entries.length > 0 && !entries.includes(MODEL_FILES.labels)) {
    throw new RoughcutError('BAD_ARGUMENT', `${target} is a folder that is not a roughcut model (no ${MODEL_FILES.labels}); it will not be replaced. Choose an empty or new folder for --out.`, { file: target });
  }
}

/** A model folder read back: its labels and the layers model (the head, for the backbone architecture). */
export interface LoadedModelFolder {
  readonly labels: ModelLabels;
  readonly model: LayersModel;
}

/**
 * Reads and checks `labels.json`, `model.json` and `weights.bin` in `dir` and builds the model.
 *
 * @throws RoughcutError `BAD_MODEL` naming the folder and the file at fault, with the fix.
 */
export async function readModelFolder(tf: Tf, dir: string): Promise<LoadedModelFolder> {
  const folder = path.resolve(dir);
  const bad = (what: string, cause?: unknown): RoughcutError => new RoughcutError('BAD_MODEL',
    `${folder}: ${what}. Point --model at a folder written by roughcut train, or train one with roughcut train <data> --out ${folder}.`,
    { file: folder, cause });
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat) throw bad('no such model folder');
  if (!stat.isDirectory()) throw bad('is a file, not a model folder');

  const labels = parseLabels(await readJson(path.join(folder, MODEL_FILES.labels), bad), bad);
  const modelJson = await readJson(path.join(folder, MODEL_FILES.model), bad) as Partial<io.ModelJSON> | null;
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw bad(`${MODEL_FILES.model} is not a TF.js layers model (no modelTopology or weightsManifest)`);
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const files = [...new Set(modelJson.weightsManifest.flatMap((group) => group.paths))];
  const chunks: Buffer[] = [];
  for (const file of files) {
    if (path.basename(file) !== file) throw bad(`${MODEL_FILES.model} names a weights file outside the folder (${file})`);
    chunks.push(await fs.readFile(path.join(folder, file)).catch((error: unknown) => { throw bad(`cannot read ${file}`, error); }));
  }
  const bytes = Buffer.concat(chunks);
  const expected = weightSpecs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * bytesPerValue(spec.dtype), 0);
  if (bytes.byteLength !== expected) throw bad(`the weights are ${bytes.byteLength} bytes where ${MODEL_FILES.model} describes ${expected} (truncated or from another model)`);

  let model: LayersModel;
  try {
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  } catch (error) {
    throw bad(`${MODEL_FILES.model} does not load: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const outputs = model.outputs[0]?.shape.at(-1);
  if (outputs !== labels.classes.length) {
    model.dispose();
    throw bad(`the model has ${outputs} outputs but ${MODEL_FILES.labels} lists ${labels.classes.length} classes`);
  }
  return { labels, model };
}

async function readJson(file: string, bad: (what: string, cause?: unknown) => RoughcutError): Promise<unknown> {
  const name = path.basename(file);
  const text = await fs.readFile(file, 'utf8').catch((error: unknown) => { throw bad(`no ${name}`, error); });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw bad(`${name} is not valid JSON`, error);
  }
}

/** Checks the shape of `labels.json`. */
function parseLabels(value: unknown, bad: (what: string) => RoughcutError): ModelLabels {
  const where = MODEL_FILES.labels;
  if (!value || typeof value !== 'object') throw bad(`${where} is not an object`);
  const v = value as Record<string, unknown>;
  if (v.version !== 1) throw bad(`${where} has version ${JSON.stringify(v.version)}; this roughcut reads version 1`);
  const classes = v.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string' && c !== '')) {
    throw bad(`${where} needs "classes": at least two class names`);
  }
  if (new Set(classes).size !== classes.length) throw bad(`${where} lists a class twice`);
  if (v.architecture !== 'backbone' && v.architecture !== 'cnn') throw bad(`${where} has architecture ${JSON.stringify(v.architecture)} (expected "backbone" or "cnn")`);
  if (typeof v.inputSize !== 'number' || !Number.isInteger(v.inputSize) || v.inputSize < 16 || v.inputSize > 1024) throw bad(`${where} needs an integer "inputSize" from 16 to 1024`);
  const backbone = v.backbone as Partial<BackboneInfo> | null | undefined;
  if (v.architecture === 'backbone' && (!backbone || typeof backbone.package !== 'string' || typeof backbone.model !== 'string' || typeof backbone.layer !== 'string')) {
    throw bad(`${where} says architecture "backbone" but does not name the backbone (package, model, layer)`);
  }
  return {
    version: 1,
    classes: classes as string[],
    architecture: v.architecture,
    inputSize: v.inputSize,
    backbone: v.architecture === 'backbone' ? backbone as BackboneInfo : null,
    normalisation: typeof v.normalisation === 'string' ? v.normalisation : '',
    trainedAt: typeof v.trainedAt === 'string' ? v.trainedAt : '',
    validationAccuracy: typeof v.validationAccuracy === 'number' ? v.validationAccuracy : Number.NaN,
    ...(v.look === undefined ? {} : { look: lookScaling(v.look, where, bad) }),
    ...(v.style === undefined ? {} : { style: styleScaling(v.style, where, bad) }),
  };
}

/** The `style` block of labels.json: the layer, a mean and a spread per style value, and a weight. */
function styleScaling(value: unknown, where: string, bad: (what: string) => RoughcutError): StyleScaling {
  const scaling = weightedColumns(value, 'style', STYLE_SIZE, where, bad);
  const layer = (value as { layer?: unknown }).layer;
  if (layer !== STYLE_LAYER) throw bad(`${where} has style features from layer ${JSON.stringify(layer)}, but this roughcut computes them from ${STYLE_LAYER}`);
  return { layer, ...scaling };
}

/** The `look` block of labels.json: a mean and a spread per look feature, and a weight. */
function lookScaling(value: unknown, where: string, bad: (what: string) => RoughcutError): LookScaling {
  return weightedColumns(value, 'look', LOOK_FEATURE_COUNT, where, bad);
}

/** A `name` block of labels.json with `count` means, `count` spreads and a weight. */
function weightedColumns(value: unknown, name: string, count: number, where: string, bad: (what: string) => RoughcutError): { mean: number[]; std: number[]; weight: number } {
  const v = value as Partial<LookScaling> | null;
  const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.length === count && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!v || !numbers(v.mean) || !numbers(v.std) || typeof v.weight !== 'number') {
    throw bad(`${where} has a "${name}" block without ${count} means, ${count} spreads and a weight`);
  }
  return { mean: v.mean, std: v.std, weight: v.weight };
}

function bytesPerValue(dtype: string): number {
  return dtype === 'float16' ? 2 : dtype === 'uint8' || dtype === 'bool' ? 1 : dtype === 'uint16' || dtype === 'int16' ? 2 : 4;
}
