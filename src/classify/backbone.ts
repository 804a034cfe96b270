// The frozen feature extractor: nsfwjs's MobileNetV2 cut at its last activation, loaded from the package.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LayersModel, SymbolicTensor, Tensor2D, Tensor4D, io } from '@tensorflow/tfjs';
import { RoughcutError } from '../core/errors.js';
import type { RgbFrame } from '../frames/frame.js';
import { fitColumnScaling } from './column-scaling.js';
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
 * The intermediate layer whose statistics join the embedding as "style" features: the
 * expansion of block 13 (576 channels, 10x10 at a 160 input), averaged and spread (standard
 * deviation) over space. The last activation says what is in the frame; this earlier one keeps
 * more of how it is shot (texture, grain, lighting), which tells footage apart when later shots
 * show other things. Measured on ../shared/media (a class per clip, first 60 % trains, last
 * 40 % evaluates, same head): 0.881 -> 0.957 accuracy, psd_testvideo's later photos 0.46 -> 1.0
 * recall; block 6 (192 channels) instead added nothing (0.879), max pooling of out_relu +0.01,
 * and beside block 13 neither block 6 (0.953) nor out_relu's spread (0.939) helped.
 */
export const STYLE_LAYER = 'block_13_expand_relu';

/** Length of the style features: mean then standard deviation of each of {@link STYLE_LAYER}'s 576 channels. */
export const STYLE_SIZE = 1152;

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
  /**
   * `[n, 1280 + 1152]`: the embedding, then {@link STYLE_LAYER}'s mean and standard deviation per
   * channel, from the same forward pass. The caller disposes it.
   */
  embedWithStyle(batch: Tensor4D): Tensor2D;
}

export interface EmbedOptions {
  /** Square input size (default {@link DEFAULT_EMBEDDING_INPUT_SIZE}). */
  readonly inputSize?: number;
  /** Frames per forward pass (default 16). */
  readonly batchSize?: number;
  /** Also the style features ({@link Backbone.embedWithStyle}): rows of 1280 + 1152 values. */
  readonly style?: boolean;
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
  const cut = tf.model({ inputs: model.inputs, outputs: [BACKBONE_INFO.layer, STYLE_LAYER].map((name) => model.getLayer(name).output as SymbolicTensor) });
  const [outputName, styleName] = cut.outputs.map((output) => output.name) as [string, string];
  return {
    info: BACKBONE_INFO,
    embeddingSize: EMBEDDING_SIZE,
    // execute() rather than predict(): predict checks the input against the saved 224x224 shape.
    // Asking only for the last activation still runs the style layer (it is on the way), so both cost one pass.
    embed: (batch) => tf.tidy(() => tf.mean(cut.execute(batch, outputName) as Tensor4D, [1, 2]) as Tensor2D),
    embedWithStyle: (batch) => tf.tidy(() => {
      const [last, style] = cut.execute(batch, [outputName, styleName]) as [Tensor4D, Tensor4D];
      const { mean, variance } = tf.moments(style, [1, 2]);
      return tf.concat([tf.mean(last, [1, 2]), mean, tf.sqrt(tf.add(variance, 1e-6))], 1) as Tensor2D;
    }),
  };
}

/**
 * Embeddings of `frames` in order, as one `Float32Array` of `frames.length * 1280` values
 * (`1280 + 1152` with `style`), computed in batches so memory stays flat however many frames there are.
 *
 * @throws Error `AbortError` when `signal` fires between batches.
 */
export async function embedFrames(runtime: TfRuntime, backbone: Backbone, frames: readonly RgbFrame[], options: EmbedOptions = {}): Promise<Float32Array> {
  const { tf } = runtime;
  const size = options.inputSize ?? DEFAULT_EMBEDDING_INPUT_SIZE;
  const batchSize = options.batchSize ?? 16;
  const width = backbone.embeddingSize + (options.style ? STYLE_SIZE : 0);
  const out = new Float32Array(frames.length * width);
  for (let start = 0; start < frames.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = frames.slice(start, start + batchSize);
    const embedded = tf.tidy(() => {
      const input = framesToTensor(tf, batch, size);
      return options.style ? backbone.embedWithStyle(input) : backbone.embed(input);
    });
    out.set(await embedded.data(), start * width);
    embedded.dispose();
    options.onProgress?.(Math.min(start + batchSize, frames.length), frames.length);
  }
  return out;
}

/**
 * How the style features are scaled before they join the embedding, as `labels.json` records
 * it: standardised with the training frames' mean and spread of each value, then weighted.
 */
export interface StyleScaling {
  /** The layer they come from ({@link STYLE_LAYER}). */
  readonly layer: string;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weight: number;
}

/**
 * Default weight of the standardised style features. Measured on ../shared/media as above
 * (embeddings cached, head trained as `trainClassifier` does): weight 0.15 -> 0.933, 0.3 -> 0.957,
 * 0.5 -> 0.948; unstandardised 0.901; the mean alone 0.924, the spread alone 0.921. The generated
 * scene set of bench/classifier.mts: 0.994 -> 1.000.
 */
export const STYLE_WEIGHT = 0.3;

/**
 * The style scaling fitted on the first `rows` rows of `embedded` (rows of `1280 + 1152` values
 * from {@link embedFrames} with `style`): the training frames.
 */
export function fitStyleScaling(embedded: Float32Array, rows: number, weight = STYLE_WEIGHT): StyleScaling {
  const width = EMBEDDING_SIZE + STYLE_SIZE;
  return { layer: STYLE_LAYER, ...fitColumnScaling(rows, STYLE_SIZE, (r, j) => embedded[r * width + EMBEDDING_SIZE + j]!), weight };
}

/**
 * The head's backbone input from rows of {@link Backbone.embedWithStyle}: the embedding as it
 * is, the style part standardised and weighted by `scaling`. Inside the caller's tidy, or disposed by it.
 */
export function scaleStyle(tf: Tf, embedded: Tensor2D, scaling: StyleScaling): Tensor2D {
  return tf.tidy(() => {
    const [embedding, style] = tf.split(embedded, [EMBEDDING_SIZE, STYLE_SIZE], 1) as [Tensor2D, Tensor2D];
    const scale = tf.tensor1d(scaling.std.map((s) => scaling.weight / (s + 1e-6)));
    return tf.concat([embedding, tf.mul(tf.sub(style, tf.tensor1d([...scaling.mean])), scale)], 1) as Tensor2D;
  });
}
