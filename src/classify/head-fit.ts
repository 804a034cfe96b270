// The backbone head's training loop: seeded end to end, so one seed gives one model.
import type { LayersModel, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { HEAD_DROPOUT, HEAD_L2 } from './compact-cnn.js';
import type { Tf } from './tf-runtime.js';
import { mulberry32, shuffledIndexes } from '../core/random.js';

export interface HeadFitOptions {
  /** Loss weight of each class (index = class), applied to its rows. */
  readonly classWeight: readonly number[];
  readonly batchSize: number;
  /** Seeds the epoch shuffles and every dropout mask. */
  readonly seed: number;
  readonly learningRate: number;
  readonly epochs: number;
  /**
   * Early stopping on these rows: after `patience` epochs without a lower validation loss the
   * loop ends and the weights of the best epoch are restored.
   */
  readonly validation?: { readonly x: Tensor2D; readonly y: Tensor2D; readonly patience: number };
  /**
   * The kept weights are the average of the weights at the end of each of the last this many
   * epochs (stochastic weight averaging); without validation only.
   */
  readonly averageLast?: number;
  readonly onEpoch?: (epoch: HeadEpoch) => void;
  readonly signal?: AbortSignal | undefined;
}

/** One epoch of {@link fitHead}: the training loss and accuracy (with dropout, as fitted), and the validation ones when there are validation rows. */
export interface HeadEpoch {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
}

export interface HeadFitResult {
  readonly epochs: HeadEpoch[];
  /** 1-based epoch whose weights were kept (early stopping), else the last epoch. */
  readonly bestEpoch: number;
  /** Validation accuracy of the kept weights (NaN without validation). */
  readonly validationAccuracy: number;
}

/**
 * Trains a head made by `createHead` (dropout → dense relu → dropout → dense softmax) on rows
 * `x` with one-hot `y`, with Adam, class-weighted cross-entropy and the head's L2 penalty on its
 * hidden kernel. TF.js's own `fit` draws its shuffle and its dropout masks from `Math.random`
 * (a seeded Dropout layer repeats one mask at every step), so two trainings with one seed gave
 * different heads; here the shuffle comes from `seed` and every step's dropout masks from seeds
 * drawn from it, so a seed gives the same head on the same backend. Asynchronous between epochs,
 * so a progress bar and an abort signal get their turn.
 */
export async function fitHead(tf: Tf, model: LayersModel, x: Tensor2D, y: Tensor2D, options: HeadFitOptions): Promise<HeadFitResult> {
  const vars = model.trainableWeights.map((w) => (w as unknown as { read(): Variable }).read());
  if (vars.length !== 4) throw new Error(`fitHead expects a head of two dense layers, got ${vars.length} trainable weights`);
  const [w1, b1, w2, b2] = vars as [Variable, Variable, Variable, Variable];
  const optimizer = tf.train.adam(options.learningRate);
  const random = mulberry32(options.seed);
  const maskSeed = (): number => 1 + Math.floor(random() * 2_147_483_000);
  const n = x.shape[0];
  const labels = Array.from(await tf.argMax(y, 1).data());
  const rowWeight = tf.tensor1d(labels.map((c) => options.classWeight[c] ?? 1));
  const epochs: HeadEpoch[] = [];
  const averageLast = options.validation ? 0 : Math.min(options.averageLast ?? 0, options.epochs);
  let sum: Tensor[] | undefined;
  let summed = 0;
  let best: { loss: number; epoch: number; accuracy: number; weights: Tensor[] } | undefined;
  let waited = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      options.signal?.throwIfAborted();
      const order = shuffledIndexes(n, random);
      // Summed on the backend and read once an epoch: a read per step costs more than the step on small sets.
      let lossSum: Tensor = tf.scalar(0);
      let right: Tensor = tf.scalar(0);
      for (let start = 0; start < n; start += options.batchSize) {
        const rows = order.slice(start, start + options.batchSize);
        const seeds = [maskSeed(), maskSeed()] as const;
        const [nextLoss, nextRight] = tf.tidy(() => {
          const index = tf.tensor1d(rows, 'int32');
          const xb = tf.gather(x, index);
          const yb = tf.gather(y, index);
          const wb = tf.gather(rowWeight, index);
          let hits: Tensor | undefined;
          const cost = optimizer.minimize(() => {
            const hidden = tf.relu(tf.add(tf.matMul(tf.dropout(xb, HEAD_DROPOUT / 2, undefined, seeds[0]), w1), b1));
            const logits = tf.add(tf.matMul(tf.dropout(hidden, HEAD_DROPOUT, undefined, seeds[1]), w2), b2) as Tensor2D;
            // Kept: the gradient pass disposes everything else it made but the loss.
            hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(yb, 1)), 'float32')));
            const crossEntropy = tf.neg(tf.sum(tf.mul(yb, tf.logSoftmax(logits)), 1));
            return tf.add(tf.mean(tf.mul(crossEntropy, wb)), tf.mul(HEAD_L2, tf.sum(tf.square(w1)))) as Scalar;
          }, true, vars)!;
          return [tf.add(lossSum, tf.mul(cost, rows.length)), tf.add(right, hits!)];
        });
        lossSum.dispose();
        right.dispose();
        lossSum = nextLoss;
        right = nextRight;
      }
      const [loss, hitCount] = [(await lossSum.data())[0]!, (await right.data())[0]!];
      lossSum.dispose();
      right.dispose();
      let record: HeadEpoch = { epoch, loss: loss / Math.max(1, n), accuracy: hitCount / Math.max(1, n) };
      if (options.validation) {
        const [valLoss, valAccuracy] = await lossAndAccuracy(tf, model, options.validation.x, options.validation.y);
        record = { ...record, valLoss, valAccuracy };
      }
      epochs.push(record);
      options.onEpoch?.(record);
      if (options.validation) {
        if (!best || record.valLoss! < best.loss - 1e-4) {
          for (const w of best?.weights ?? []) w.dispose();
          best = { loss: record.valLoss!, epoch, accuracy: record.valAccuracy!, weights: vars.map((v) => v.clone()) };
          waited = 0;
        } else if (++waited >= options.validation.patience) {
          break;
        }
      } else if (epoch > options.epochs - averageLast) {
        const next = vars.map((v, i) => (sum ? tf.add(sum[i]!, v) : v.clone()));
        for (const t of sum ?? []) t.dispose();
        sum = next;
        summed += 1;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (best) {
      vars.forEach((v, i) => v.assign(best!.weights[i]!));
      return { epochs, bestEpoch: best.epoch, validationAccuracy: best.accuracy };
    }
    if (sum && summed > 1) vars.forEach((v, i) => v.assign(tf.tidy(() => tf.div(sum![i]!, summed))));
    return { epochs, bestEpoch: epochs.length, validationAccuracy: Number.NaN };
  } finally {
    for (const w of best?.weights ?? []) w.dispose();
    for (const t of sum ?? []) t.dispose();
    rowWeight.dispose();
    optimizer.dispose();
  }
}

/** Unweighted cross-entropy and accuracy of the model (dropout off) on rows `x` with one-hot `y`. */
async function lossAndAccuracy(tf: Tf, model: LayersModel, x: Tensor2D, y: Tensor2D): Promise<[number, number]> {
  const [loss, accuracy] = tf.tidy(() => {
    const p = tf.clipByValue(model.predict(x) as Tensor2D, 1e-7, 1 - 1e-7);
    return [
      tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(p)), 1))),
      tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(y, 1)), 'float32')),
    ] as [Tensor1D, Tensor1D];
  });
  try {
    return [(await loss.data())[0]!, (await accuracy.data())[0]!];
  } finally {
    loss.dispose();
    accuracy.dispose();
  }
}

