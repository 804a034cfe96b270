// The frozen feature extractor: nsfwjs's MobileNetV2 cut at its last activation, loaded from the package.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LayersModel, Tensor2D, Tensor4D, io } from '@tensorflow/tfjs';
import { RoughcutError } from '../core/errors.js';
import type { RgbFrame } from '../frames/frame.js';
import { framesToTensor } from './preprocess.js';
import type { Tf, TfRuntime } from './tf-runtime.js';

/** Which weights and which layer the embeddings come from, as `labels.json` records them. */
export interface BackboneInfo {
  readonly package: string;
  readonly model: string;
  readonly layer: string;
}

/** The backbone roughcut uses: the only one an installed package ships (no download at run time). */
export const BACKBONE_INFO: BackboneInfo = { package: 'nsfwjs@4.4.0', model: 'mobilenet_v2', layer: 'out_relu' };

/** Length of one embedding (MobileNetV2's last activation, averaged over space). */
export const EMBEDDING_SIZE = 1280;

/**
 * The square input size embeddings are computed at by default. MobileNetV2 is fully
 * convolutional, so any size works. Measured on ../shared/media (10 clips as classes, first 60%
 * of each clip's frames to train, last 40% to validate, head trained by `trainClassifier`):
 * validation accuracy 0.89 at 96, 0.90 at 112, 0.95 at 128, 0.94 at 144, 0.97 at 160, 0.97 at
 * 224; single-threaded WASM cost per frame at batch 16: ~10.5, 12.8, 17.6, -, 27.5, 53 ms. 160
 * is the knee (and the width analysis frames already have, so only the height is resampled).
 */
export const DEFAULT_EMBEDDING_INPUT_SIZE = 160;

/** A loaded backbone: embeddings for batches of frames. */
export interface Backbone {
  readonly info: BackboneInfo;
  readonly embeddingSize: number;
  /** `[n, 1280]` embeddings of a preprocessed `[n, size, size, 3]` batch; the caller disposes it. */
  embed(batch: Tensor4D): Tensor2D;
}

export interface EmbedOptions {
  /** Square input size (default {@link DEFAULT_EMBEDDING_INPUT_SIZE}). */
  readonly inputSize?: number;
  /** Frames per forward pass (default 16). */
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

interface NsfwjsModelModule {
  readonly MobileNetV2Model: {
    modelJson(): Promise<{ default: { modelTopology: object; weightsManifest: io.WeightsManifestConfig } }>;
    weightBundles: readonly (() => Promise<{ default: string }>)[];
  };
}

const require = createRequire(import.meta.url);
// One backbone per process or worker thread (module state is per thread).
let loading: Promise<Backbone> | undefined;

/**
 * Loads the MobileNetV2 weights that nsfwjs ships (without nsfwjs's own loader, which prints to
 * stdout) and cuts the model at `out_relu`. Memoised: the first call in a process or worker
 * thread pays the ~4 s, later calls share the model.
 *
 * @throws RoughcutError `CLASSIFIER_FAILED` when the package or its weights cannot be read.
 */
export function loadBackbone(runtime: TfRuntime): Promise<Backbone> {
  if (!loading) {
    loading = buildBackbone(runtime.tf);
    loading.catch(() => { loading = undefined; });
  }
  return loading;
}

/**
 * The backbone's weights, read straight from the package's weight bundles. Each bundle is a
 * browserify module whose one export is the weights as a base64 string literal; letting Node
 * evaluate it costs ~4.6 s and ~580 MB of resident memory (parsing a 3.5 MB script), reading the
 * literal out of the file costs ~30 ms and the buffer itself.
 */
async function readWeights(bundles: number): Promise<Buffer> {
  const folder = path.resolve(path.dirname(require.resolve('nsfwjs/models/mobilenet_v2')), '../../models/mobilenet_v2');
  const chunks: Buffer[] = [];
  for (let i = 1; i <= bundles; i++) {
    const file = path.join(folder, `group1-shard${i}of${bundles}.min.js`);
    const text = await fs.readFile(file, 'latin1');
    const literal = /\.exports="([A-Za-z0-9+/]+={0,2})"/.exec(text);
    if (!literal) throw new Error(`${file} does not hold a base64 weight bundle`);
    chunks.push(Buffer.from(literal[1]!, 'base64'));
  }
  return Buffer.concat(chunks);
}

async function buildBackbone(tf: Tf): Promise<Backbone> {
  let model: LayersModel;
  try {
    const module = require('nsfwjs/models/mobilenet_v2') as NsfwjsModelModule;
    const { modelTopology, weightsManifest } = (await module.MobileNetV2Model.modelJson()).default;
    const bytes = await readWeights(module.MobileNetV2Model.weightBundles.length);
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const weightSpecs = weightsManifest.flatMap((group) => group.weights);
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
  } catch (error) {
    throw new RoughcutError('CLASSIFIER_FAILED', `cannot load the ${BACKBONE_INFO.model} backbone from ${BACKBONE_INFO.package}: ${error instanceof Error ? error.message : String(error)}. Reinstall dependencies with npm ci.`, { cause: error });
  }
  const cut = tf.model({ inputs: model.inputs, outputs: model.getLayer(BACKBONE_INFO.layer).output });
  const outputName = cut.outputs[0]!.name;
  return {
    info: BACKBONE_INFO,
    embeddingSize: EMBEDDING_SIZE,
    // execute() rather than predict(): predict checks the input against the saved 224x224 shape.
    embed: (batch) => tf.tidy(() => tf.mean(cut.execute(batch, outputName) as Tensor4D, [1, 2]) as Tensor2D),
  };
}

/**
 * Embeddings of `frames` in order, as one `Float32Array` of `frames.length * 1280` values,
 * computed in batches so memory stays flat however many frames there are.
 *
 * @throws Error `AbortError` when `signal` fires between batches.
 */
export async function embedFrames(runtime: TfRuntime, backbone: Backbone, frames: readonly RgbFrame[], options: EmbedOptions = {}): Promise<Float32Array> {
  const { tf } = runtime;
  const size = options.inputSize ?? DEFAULT_EMBEDDING_INPUT_SIZE;
  const batchSize = options.batchSize ?? 16;
  const out = new Float32Array(frames.length * backbone.embeddingSize);
  for (let start = 0; start < frames.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = frames.slice(start, start + batchSize);
    const embedded = tf.tidy(() => backbone.embed(framesToTensor(tf, batch, size)));
    out.set(await embedded.data(), start * backbone.embeddingSize);
    embedded.dispose();
    options.onProgress?.(Math.min(start + batchSize, frames.length), frames.length);
  }
  return out;
}
