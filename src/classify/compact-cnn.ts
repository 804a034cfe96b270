// The compact CNN trained from scratch, for classes the frozen backbone separates badly; and the head that sits on the backbone.
import type { LayersModel } from '@tensorflow/tfjs';
import { EMBEDDING_SIZE } from './backbone.js';
import type { Tf } from './tf-runtime.js';

/**
 * Square input size of the compact CNN (frames are squashed to it by `framesToTensor`). A
 * training step on single-threaded WASM (with roughcut's kernels) measured ~22 ms an image at
 * 64x64, ~12 ms at 48x48 and ~6 ms at 32x32; 48 keeps an epoch of 512 images near 6 s while
 * still resolving the layout of a 160x90 analysis frame.
 */
export const DEFAULT_CNN_INPUT_SIZE = 48;

export interface CompactCnnOptions {
  readonly classCount: number;
  /** Square input size (default {@link DEFAULT_CNN_INPUT_SIZE}). */
  readonly inputSize?: number;
  /** Seeds the weight initialisers so a training run can be repeated. */
  readonly seed?: number;
  /** Units of the dense layer (default 512). */
  readonly denseUnits?: number;
  readonly dropoutRate?: number;
}

/**
 * conv 3x3x32 → max-pool 2 → conv 3x3x64 → max-pool 2 → dense 512 → dropout → softmax, the
 * classic small image classifier, with the input centred to [-1, 1]. The trainer uses Adam at 3e-4:
 * at 1e-3 the first steps moved the 9216-input dense layer so far that every prediction saturated
 * within an epoch; batch normalisation after the convolutions did not help on small sets (its
 * moving statistics lag a few dozen steps). Uncompiled; the trainer compiles it.
 */
export function createCompactCnn(tf: Tf, options: CompactCnnOptions): LayersModel {
  const size = options.inputSize ?? DEFAULT_CNN_INPUT_SIZE;
  const seed = options.seed ?? 1;
  const init = (offset: number) => tf.initializers.heNormal({ seed: seed + offset });
  return tf.sequential({
    name: 'compact_cnn',
    layers: [
      // [0, 1] → [-1, 1]: centred inputs keep the first ReLUs alive in the first steps.
      tf.layers.rescaling({ inputShape: [size, size, 3], scale: 2, offset: -1 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: options.denseUnits ?? 512, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dropout({ rate: options.dropoutRate ?? 0.5 }),
      tf.layers.dense({ units: options.classCount, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) }),
    ],
  });
}

export interface HeadOptions {
  readonly classCount: number;
  /** Length of the embeddings it reads (default {@link EMBEDDING_SIZE}). */
  readonly inputSize?: number;
  readonly seed?: number;
  /** Units of the hidden layer (default 256). */
  readonly hiddenUnits?: number;
  readonly dropoutRate?: number;
}

/** Dropout rate of the head's hidden layer (its input drops half this); `fitHead` draws the masks. */
export const HEAD_DROPOUT = 0.3;
/** L2 penalty on the head's hidden kernel. */
export const HEAD_L2 = 1e-4;

/**
 * The small head trained on frozen backbone embeddings: dropout → dense 256 relu → dropout →
 * softmax, with a little L2 so a few hundred examples do not overfit 1280 inputs. Uncompiled.
 */
export function createHead(tf: Tf, options: HeadOptions): LayersModel {
  const seed = options.seed ?? 1;
  const rate = options.dropoutRate ?? HEAD_DROPOUT;
  return tf.sequential({
    name: 'backbone_head',
    layers: [
      tf.layers.dropout({ inputShape: [options.inputSize ?? EMBEDDING_SIZE], rate: rate / 2 }),
      tf.layers.dense({ units: options.hiddenUnits ?? 256, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }), kernelRegularizer: tf.regularizers.l2({ l2: HEAD_L2 }) }),
      tf.layers.dropout({ rate }),
      tf.layers.dense({ units: options.classCount, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
