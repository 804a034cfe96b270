// Training: a head on frozen backbone embeddings and/or the compact CNN, early stopping, the better one saved with its report.
import type { LayersModel, Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { RoughcutError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { escapeXml } from '../export/markup.js';
import type { RgbFrame } from '../frames/frame.js';
import { BACKBONE_INFO, DEFAULT_EMBEDDING_INPUT_SIZE, embedFrames, fitStyleScaling, loadBackbone, scaleStyle, STYLE_LAYER, STYLE_SIZE, STYLE_WEIGHT, type StyleScaling } from './backbone.js';
import { createCompactCnn, createHead, DEFAULT_CNN_INPUT_SIZE } from './compact-cnn.js';
import { fitLookScaling, LOOK_FEATURE_COUNT, LOOK_WEIGHT, lookFeatures, scaledLook, type LookScaling } from './look-features.js';
import { checkModelOutDir, MODEL_FILES, writeModelFolder, type Architecture, type ModelLabels } from './model-store.js';
import { framesToTensor, NORMALISATION } from './preprocess.js';
import type { Tf, TfRuntime } from './tf-runtime.js';
import { fitHead, type HeadEpoch } from './head-fit.js';
import { ensureWasmGradients } from './wasm-gradients.js';
import { mulberry32, shuffledIndexes } from '../core/random.js';

export type { Architecture } from './model-store.js';

/** One training or validation example. */
export interface LabelledImage {
  readonly image: RgbFrame;
  readonly label: string;
  /** Shot or clip id; the split keeps a group on one side. */
  readonly group: string;
}

/** Reported after every epoch of every candidate. */
export interface EpochProgress {
  readonly architecture: Architecture;
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
}

export interface TrainOptions {
  /** Model folder to write (atomically: temp folder then rename; an existing one is replaced only when the new one is whole). */
  readonly outDir: string;
  /** From `loadTensorflow`. */
  readonly runtime: TfRuntime;
  /** `auto` (default) trains both and keeps the better validation accuracy (ties → backbone). */
  readonly architecture?: 'auto' | Architecture;
  /** Maximum epochs (defaults: 60 for the head, 25 for the CNN). */
  readonly epochs?: number;
  /** Epochs without a better validation loss before stopping; the best weights are restored (defaults: 10 head, 5 CNN). */
  readonly patience?: number;
  /** Defaults: 32. */
  readonly batchSize?: number;
  /** Seeds weight initialisation and the epoch shuffles (default 1). */
  readonly seed?: number;
  /** Dataset settings to record in the report (the CLI passes them). */
  readonly settings?: Record<string, unknown>;
  /** Embedding input size for the backbone (default {@link DEFAULT_EMBEDDING_INPUT_SIZE}). */
  readonly embeddingInputSize?: number;
  /** Input size of the compact CNN (default {@link DEFAULT_CNN_INPUT_SIZE}). */
  readonly cnnInputSize?: number;
  /**
   * The compact CNN sees at most this many training images per epoch, a fresh seeded sample each
   * epoch (default 512), so an epoch costs the same however large the set: ~12 ms an image on
   * single-threaded WASM at 48x48.
   */
  readonly cnnImagesPerEpoch?: number;
  readonly onEpoch?: (p: EpochProgress) => void;
  /** Progress of the stages before the epochs: `'embed'` (backbone embeddings), `'prepare'` (CNN inputs). */
  readonly onStage?: (stage: string, done: number, total: number) => void;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** Loss and accuracy per epoch. */
export interface TrainHistory {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
}

/** One architecture's training run. */
export interface TrainCandidate {
  architecture: Architecture;
  /** Validation accuracy of the restored (best validation loss) weights. */
  validationAccuracy: number;
  /** Epochs run (early stopping may end before the maximum). */
  epochs: number;
  /** The epoch (1-based) whose weights were kept. */
  bestEpoch?: number;
  seconds: number;
  history: TrainHistory;
}

/** What training did, written as `training-report.json` (and drawn in `training-report.html`). JSON-serialisable. */
export interface TrainReport {
  readonly classes: string[];
  readonly chosen: Architecture;
  readonly validationAccuracy: number;
  readonly candidates: TrainCandidate[];
  /** The TF.js backend that trained. */
  readonly backend: string;
  /** Set when roughcut supplied a gradient kernel the backend lacks. */
  readonly gradientNote?: string;
  readonly trainCount: Record<string, number>;
  readonly validationCount: Record<string, number>;
  readonly seconds: number;
  /** Dataset settings, as the caller passed them. */
  readonly settings: Record<string, unknown>;
  /** Architectures not trained, and why (auto skips the CNN when the backbone is already perfect on validation). */
  readonly skipped?: { architecture: Architecture; reason: string }[];
  /** The training settings used (sizes, epochs, patience, batch, balancing, augmentation). */
  readonly training?: Record<string, unknown>;
}

const HEAD_DEFAULTS = { epochs: 60, patience: 10, learningRate: 1e-3 } as const;
/** The kept head trains on all labelled frames for at least this many epochs (fewer if `epochs` is lower). */
const HEAD_REFIT_MIN_EPOCHS = 30;
/**
 * The kept head's weights are the average of its weights at the end of each of the refit's last
 * this many epochs (stochastic weight averaging; a third of the epochs when there are fewer).
 */
const HEAD_AVERAGE_LAST = 10;

/**
 * Whether a candidate's validation accuracy beats the kept one's by more than noise: by at least
 * two standard errors of the kept accuracy on `n` independent validation samples, and at least
 * 0.02. The trainer passes the number of validation groups (shots or clips), not frames: the
 * frames of one shot are near copies and are right or wrong together, so they count as one
 * sample. With the style features the head's validation accuracy on shared/media fell to 0.68
 * while its held-out accuracy rose to ~0.95; the CNN's 0.76 beat it by two standard errors of
 * 151 frames, and chosen, classified the held-out footage at 0.62. On
 * ../shared/media the compact CNN, trained from scratch on a few hundred frames, won validation
 * by a hair (0.709 against 0.702 on 151 frames) and then classified the held-out footage far
 * worse than the backbone head (0.62 against ~0.9): a near tie keeps the backbone.
 */
export function beats(candidate: number, kept: number, n: number): boolean {
  const margin = Math.max(0.02, 2 * Math.sqrt((kept * (1 - kept)) / Math.max(1, n)));
  return candidate > kept + margin;
}

const CNN_DEFAULTS = { epochs: 25, patience: 5, learningRate: 3e-4, imagesPerEpoch: 512 } as const;

/**
 * Trains a classifier on `train`, early-stopping on `validation`, and writes the model folder
 * (`model.json`, `weights.bin`, `labels.json`, `training-report.json`, `training-report.html`).
 *
 * - `backbone`: embeddings of every image are computed once with the frozen MobileNetV2, then a
 *   small head trains on the cached embeddings (~0.3 s an epoch for 700 images). Beside each
 *   embedding the head reads the style features (an earlier layer's mean and spread, see
 *   `STYLE_LAYER`) and the look features, both standardised on the training frames; labels.json
 *   records both scalings.
 * - `cnn`: the compact CNN trains from scratch on the frames squashed to 48x48, each epoch on
 *   at most `cnnImagesPerEpoch` images, a random half flipped left-right and each a random crop
 *   of 80-100% per side resized back (on shared/media this slowed the over-fitting a little).
 *
 * On WASM both train through the kernels of wasm-gradients.ts (the backend lacks
 * Conv2DBackpropFilter; its transposed products are slow); the report's `gradientNote` says so.
 *
 * Classes are balanced with class weights (`n / (classes × count)`, so every class weighs the
 * same in the loss however many images it has) rather than resampling, so no image is repeated.
 * Validation loss and accuracy are unweighted.
 *
 * With `auto`, the CNN is not trained when the backbone head is already perfect on validation
 * (it could only tie, and a tie keeps the backbone); the report lists it under `skipped`.
 *
 * @throws RoughcutError `BAD_DATA` when there are fewer than 2 classes, a class has no training
 *   image, or there is no validation image, naming the class and the fix.
 * @throws RoughcutError `BAD_ARGUMENT` (before any training) when `outDir` is a file or a folder
 *   that is not a model folder.
 */
export async function trainClassifier(train: readonly LabelledImage[], validation: readonly LabelledImage[], options: TrainOptions): Promise<TrainReport> {
  const started = performance.now();
  const { runtime } = options;
  const { tf } = runtime;
  const logger = options.logger ?? silentLogger;
  const classes = checkClasses(train, validation);
  await checkModelOutDir(options.outDir);
  const wanted = options.architecture ?? 'auto';
  const architectures: Architecture[] = wanted === 'auto' ? ['backbone', 'cnn'] : [wanted];
  const seed = options.seed ?? 1;
  const batchSize = options.batchSize ?? 32;
  const embeddingInputSize = options.embeddingInputSize ?? DEFAULT_EMBEDDING_INPUT_SIZE;
  const cnnInputSize = options.cnnInputSize ?? DEFAULT_CNN_INPUT_SIZE;
  const cnnImagesPerEpoch = options.cnnImagesPerEpoch ?? CNN_DEFAULTS.imagesPerEpoch;
  const trainCount = countByClass(classes, train);
  const validationCount = countByClass(classes, validation);
  const classWeight = Object.fromEntries(classes.map((c, i) => [i, train.length / (classes.length * trainCount[c]!)]));
  const yTrainIndex = train.map((item) => classes.indexOf(item.label));
  const yValIndex = validation.map((item) => classes.indexOf(item.label));
  // Independent validation samples for the architecture choice: shots (groups), not frames (see beats()).
  const validationGroups = new Set(validation.map((item) => item.group)).size;
  logger.info('training', { classes, train: train.length, validation: validation.length, architectures, backend: runtime.backend });

  // Every candidate trains through these kernels on WASM: the head's dense gradients use the
  // faster transposed products, the CNN also needs the filter gradient.
  const gradientNote = runtime.backend === 'wasm' ? ensureWasmGradients(tf) : undefined;
  const candidates: TrainCandidate[] = [];
  const skipped: { architecture: Architecture; reason: string }[] = [];
  let best: { candidate: TrainCandidate; model: LayersModel; inputSize: number; look?: LookScaling; style?: StyleScaling } | undefined;
  const yTrain = tf.oneHot(tf.tensor1d(yTrainIndex, 'int32'), classes.length) as Tensor2D;
  const yVal = tf.oneHot(tf.tensor1d(yValIndex, 'int32'), classes.length) as Tensor2D;
  try {
    for (const architecture of architectures) {
      options.signal?.throwIfAborted();
      if (wanted === 'auto' && best && !beats(1, best.candidate.validationAccuracy, validationGroups)) {
        // Even a perfect CNN would not beat the backbone by the margin: training it would change nothing.
        skipped.push({ architecture, reason: `${best.candidate.architecture} reached validation accuracy ${best.candidate.validationAccuracy.toFixed(3)}; even 1.0 would not beat it by the margin on ${validationGroups} validation shots or clips` });
        logger.info('candidate skipped', { architecture, reason: skipped.at(-1)!.reason });
        continue;
      }
      const t0 = performance.now();
      let xTrain: Tensor | undefined;
      let xVal: Tensor | undefined;
      let model: LayersModel | undefined;
      let look: LookScaling | undefined;
      let style: StyleScaling | undefined;
      try {
        let fitted: FitResult;
        if (architecture === 'backbone') {
          const backbone = await loadBackbone(runtime);
          const images = [...train, ...validation].map((item) => item.image);
          const embedded = await embedFrames(runtime, backbone, images, {
            inputSize: embeddingInputSize,
            style: true,
            signal: options.signal,
            onProgress: (done, total) => options.onStage?.('embed', done, total),
          });
          // The head sees the embedding, the style features (an earlier layer's statistics) and
          // the frame's look (colour, letterbox, texture), the last two scaled by the training frames.
          const scaling = fitLookScaling(train.map((item) => lookFeatures(item.image)));
          look = scaling;
          const styleScaling = fitStyleScaling(embedded, train.length);
          style = styleScaling;
          const width = backbone.embeddingSize + STYLE_SIZE + LOOK_FEATURE_COUNT;
          const all = tf.tidy(() => tf.concat([
            scaleStyle(tf, tf.tensor2d(embedded, [images.length, backbone.embeddingSize + STYLE_SIZE]), styleScaling),
            tf.tensor2d(scaledLook(images, scaling), [images.length, LOOK_FEATURE_COUNT]),
          ], 1));
          const [trainPart, valPart] = tf.split(all, [train.length, validation.length]) as [Tensor2D, Tensor2D];
          all.dispose();
          xTrain = trainPart;
          xVal = valPart;
          model = createHead(tf, { classCount: classes.length, inputSize: width, seed });
          const headEpochs = options.epochs ?? HEAD_DEFAULTS.epochs;
          const early = await fitHead(tf, model, trainPart, yTrain, {
            classWeight: classes.map((_, c) => classWeight[c]!), batchSize, seed, learningRate: HEAD_DEFAULTS.learningRate,
            epochs: headEpochs, validation: { x: valPart, y: yVal, patience: options.patience ?? HEAD_DEFAULTS.patience },
            onEpoch: (e) => options.onEpoch?.({ architecture, epoch: e.epoch, epochs: headEpochs, loss: e.loss, accuracy: e.accuracy, valLoss: e.valLoss!, valAccuracy: e.valAccuracy! }),
            signal: options.signal,
          });
          fitted = { history: headHistory(early.epochs), validationAccuracy: round(early.validationAccuracy, 5), bestEpoch: early.bestEpoch };
          // The validation frames chose the epochs and report the accuracy; the head that is kept
          // then learns from every labelled frame. Validation footage is often the least like the
          // rest (a later part of each clip), so early stopping alone can end after an epoch or two:
          // the refit runs at least HEAD_REFIT_MIN_EPOCHS. Measured on ../shared/media (first 60 %
          // trains, last 40 % evaluates): 0.63 with the early-stopped head, 0.87-0.90 refitted.
          // The kept weights are the average of the refit's last epochs (see HEAD_AVERAGE_LAST).
          model.dispose();
          model = createHead(tf, { classCount: classes.length, inputSize: width, seed });
          const allLabels = [...yTrainIndex, ...yValIndex];
          const allCounts = classes.map((_, c) => allLabels.filter((l) => l === c).length);
          const refitEpochs = Math.max(fitted.bestEpoch, Math.min(HEAD_REFIT_MIN_EPOCHS, headEpochs));
          const xAll = tf.concat([trainPart, valPart]) as Tensor2D;
          const yAll = tf.concat([yTrain, yVal]) as Tensor2D;
          try {
            await fitHead(tf, model, xAll, yAll, {
              classWeight: allCounts.map((count) => allLabels.length / (classes.length * Math.max(1, count))),
              batchSize, seed, learningRate: HEAD_DEFAULTS.learningRate, epochs: refitEpochs,
              averageLast: Math.min(HEAD_AVERAGE_LAST, Math.ceil(refitEpochs / 3)), signal: options.signal,
            });
          } finally {
            xAll.dispose();
            yAll.dispose();
          }
        } else {
          const trainImages = await prepareImages(tf, train, cnnInputSize, 0, train.length + validation.length, options);
          xTrain = trainImages;
          const valImages = await prepareImages(tf, validation, cnnInputSize, train.length, train.length + validation.length, options);
          xVal = valImages;
          model = createCompactCnn(tf, { classCount: classes.length, inputSize: cnnInputSize, seed });
          fitted = await fitEarlyStopping(tf, model, trainImages, yTrain, valImages, yVal, {
            architecture, classWeight, batchSize, seed, learningRate: CNN_DEFAULTS.learningRate,
            epochs: options.epochs ?? CNN_DEFAULTS.epochs, patience: options.patience ?? CNN_DEFAULTS.patience,
            augment: true, imagesPerEpoch: cnnImagesPerEpoch, onEpoch: options.onEpoch, signal: options.signal,
          });
        }
        const candidate: TrainCandidate = {
          architecture,
          validationAccuracy: fitted.validationAccuracy,
          epochs: fitted.history.loss.length,
          bestEpoch: fitted.bestEpoch,
          seconds: round((performance.now() - t0) / 1000, 2),
          history: fitted.history,
        };
        candidates.push(candidate);
        logger.info('candidate trained', { architecture, validationAccuracy: candidate.validationAccuracy, epochs: candidate.epochs, bestEpoch: candidate.bestEpoch, seconds: candidate.seconds });
        // The backbone goes first; a later candidate replaces it only when it is better by more
        // than the validation set's own noise (see beats()).
        if (!best || beats(candidate.validationAccuracy, best.candidate.validationAccuracy, validationGroups)) {
          best?.model.dispose();
          best = { candidate, model, inputSize: architecture === 'backbone' ? embeddingInputSize : cnnInputSize, ...(look ? { look } : {}), ...(style ? { style } : {}) };
          model = undefined;
        }
      } finally {
        xTrain?.dispose();
        xVal?.dispose();
        model?.dispose();
      }
    }
    if (!best) throw new Error('no architecture was trained');

    const report: TrainReport = {
      classes,
      chosen: best.candidate.architecture,
      validationAccuracy: best.candidate.validationAccuracy,
      candidates,
      backend: runtime.backend,
      ...(gradientNote ? { gradientNote } : {}),
      trainCount,
      validationCount,
      seconds: round((performance.now() - started) / 1000, 2),
      settings: { ...options.settings },
      ...(skipped.length > 0 ? { skipped } : {}),
      training: {
        architecture: wanted, seed, batchSize, embeddingInputSize, cnnInputSize,
        backbone: BACKBONE_INFO, normalisation: NORMALISATION,
        head: { ...HEAD_DEFAULTS, ...pick(options), refitMinEpochs: HEAD_REFIT_MIN_EPOCHS, averageLast: HEAD_AVERAGE_LAST, seeded: 'epoch shuffles and dropout masks from the seed' },
        cnn: { ...CNN_DEFAULTS, imagesPerEpoch: cnnImagesPerEpoch, ...pick(options), augmentation: 'horizontal flip of a random half of each epoch; every image a random crop of 80-100% per side, resized back' },
        balancing: 'class weights n / (classes x count)',
        earlyStopping: `validation loss; best weights restored (the CNN keeps them; the head is then refitted on training and validation frames for max(best epoch, ${HEAD_REFIT_MIN_EPOCHS}) epochs, keeping the average of its weights over the last ${HEAD_AVERAGE_LAST})`,
        style: `${STYLE_SIZE} style features (${STYLE_LAYER} mean and standard deviation per channel) beside the embedding, standardised, weight ${STYLE_WEIGHT}`,
        look: `${LOOK_FEATURE_COUNT} look features (aspect, letterbox, colour, texture) beside the embedding, standardised, weight ${LOOK_WEIGHT}`,
        optimizer: 'adam',
      },
    };
    const labels: ModelLabels = {
      version: 1,
      classes,
      architecture: best.candidate.architecture,
      inputSize: best.inputSize,
      backbone: best.candidate.architecture === 'backbone' ? BACKBONE_INFO : null,
      normalisation: NORMALISATION,
      trainedAt: new Date().toISOString(),
      validationAccuracy: best.candidate.validationAccuracy,
      ...(best.look ? { look: best.look } : {}),
      ...(best.style ? { style: best.style } : {}),
    };
    await writeModelFolder(tf, options.outDir, best.model, labels, {
      [MODEL_FILES.report]: `${JSON.stringify(report, null, 2)}\n`,
      [MODEL_FILES.reportHtml]: renderTrainingReportHtml(report),
    });
    logger.info('model written', { outDir: options.outDir, chosen: report.chosen, validationAccuracy: report.validationAccuracy, seconds: report.seconds });
    return report;
  } finally {
    best?.model.dispose();
    yTrain.dispose();
    yVal.dispose();
  }
}

function headHistory(epochs: readonly HeadEpoch[]): TrainHistory {
  return {
    loss: epochs.map((e) => round(e.loss, 5)),
    accuracy: epochs.map((e) => round(e.accuracy, 5)),
    valLoss: epochs.map((e) => round(e.valLoss ?? Number.NaN, 5)),
    valAccuracy: epochs.map((e) => round(e.valAccuracy ?? Number.NaN, 5)),
  };
}

function pick(options: TrainOptions): Record<string, number> {
  const out: Record<string, number> = {};
  if (options.epochs !== undefined) out.epochs = options.epochs;
  if (options.patience !== undefined) out.patience = options.patience;
  return out;
}

/** Sorted class names, after checking every class can be learnt and checked. */
function checkClasses(train: readonly LabelledImage[], validation: readonly LabelledImage[]): string[] {
  const trained = new Set(train.map((item) => item.label));
  const classes = [...new Set([...trained, ...validation.map((item) => item.label)])].sort();
  if (classes.length < 2) {
    throw new RoughcutError('BAD_DATA', `the training data has ${classes.length === 0 ? 'no labelled images' : `only one class ("${classes[0]}")`}; a classifier needs at least two. Add examples of another class (another subfolder, or another label in --labels).`);
  }
  const missing = classes.filter((c) => !trained.has(c));
  if (missing.length > 0) {
    throw new RoughcutError('BAD_DATA', `class ${missing.map((c) => `"${c}"`).join(', ')} has no training image (all its examples fell in validation). Add more examples of it, from more than one shot or clip, so the split can put some on each side.`);
  }
  if (validation.length === 0) {
    throw new RoughcutError('BAD_DATA', 'there are no validation images, so training cannot stop early or choose an architecture. Add examples from more shots or clips per class, or raise the validation share.');
  }
  return classes;
}

function countByClass(classes: readonly string[], items: readonly LabelledImage[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const item of items) counts[item.label] = (counts[item.label] ?? 0) + 1;
  return counts;
}

/** The compact CNN's inputs for `items`, prepared in chunks so the full-size frames are never all float at once. */
async function prepareImages(tf: Tf, items: readonly LabelledImage[], size: number, doneBefore: number, total: number, options: TrainOptions): Promise<Tensor4D> {
  const chunks: Tensor4D[] = [];
  const chunkSize = 64;
  try {
    for (let start = 0; start < items.length; start += chunkSize) {
      options.signal?.throwIfAborted();
      chunks.push(framesToTensor(tf, items.slice(start, start + chunkSize).map((item) => item.image), size));
      options.onStage?.('prepare', doneBefore + Math.min(start + chunkSize, items.length), total);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return chunks.length === 0 ? tf.zeros([0, size, size, 3]) as Tensor4D : tf.concat(chunks, 0);
  } finally {
    for (const chunk of chunks) chunk.dispose();
  }
}

interface FitOptions {
  readonly architecture: Architecture;
  readonly classWeight: Record<number, number>;
  readonly batchSize: number;
  readonly seed: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly patience: number;
  /** Flip a random half of the (image) inputs left-right and crop each at random, each epoch. */
  readonly augment: boolean;
  /** Training images per epoch: the first this many of each epoch's shuffle. */
  readonly imagesPerEpoch: number;
  readonly onEpoch?: ((p: EpochProgress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

interface FitResult {
  readonly history: TrainHistory;
  readonly validationAccuracy: number;
  readonly bestEpoch: number;
}

/**
 * Epoch by epoch: a seeded shuffle (and flip, for images), one `fit` call a batch with seeded
 * dropout masks (so a seed gives one model), then validation.
 * Keeps a copy of the weights with the lowest validation loss, stops after `patience` epochs
 * without improvement and restores that copy. (TF.js's own earlyStopping cannot restore weights.)
 */
async function fitEarlyStopping(tf: Tf, model: LayersModel, xTrain: Tensor, yTrain: Tensor2D, xVal: Tensor, yVal: Tensor2D, options: FitOptions): Promise<FitResult> {
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const random = mulberry32(options.seed);
  const dropouts = model.layers.filter((layer) => layer.getClassName() === 'Dropout') as unknown as { seed?: number }[];
  const n = xTrain.shape[0]!;
  const history: TrainHistory = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestAccuracy = 0;
  let bestEpoch = 0;
  let bestWeights: Tensor[] | undefined;
  let waited = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      options.signal?.throwIfAborted();
      const order = shuffledIndexes(n, random).slice(0, Math.min(n, options.imagesPerEpoch));
      const flips = options.augment ? order.map(() => random() < 0.5) : undefined;
      const boxes = options.augment ? order.map(() => cropBox(random)) : undefined;
      const [x, y] = tf.tidy(() => {
        const index = tf.tensor1d(order, 'int32');
        let xs = tf.gather(xTrain, index);
        if (flips) {
          const mask = tf.tensor1d(order.map((_, i) => (flips[i] ? 1 : 0)), 'bool').reshape([order.length, 1, 1, 1]);
          xs = tf.where(tf.broadcastTo(mask, xs.shape), tf.reverse(xs, 2), xs);
        }
        if (boxes) {
          const [, h, w] = xs.shape as [number, number, number, number];
          xs = tf.image.cropAndResize(xs as Tensor4D, tf.tensor2d(boxes.flat(), [boxes.length, 4]), tf.range(0, boxes.length, 1, 'int32') as never, [h, w]);
        }
        return [xs, tf.gather(yTrain, index)];
      });
      // One fit call a batch, each after giving every Dropout layer a fresh seed drawn from
      // `random`: TF.js draws unseeded masks from Math.random, and a seeded layer repeats one
      // mask at every step of a call, so this is how the masks become both varied and repeatable.
      let lossSum = 0;
      let accuracySum = 0;
      try {
        for (let start = 0; start < order.length; start += options.batchSize) {
          const size = Math.min(options.batchSize, order.length - start);
          for (const layer of dropouts) layer.seed = 1 + Math.floor(random() * 2_147_483_000);
          const xb = tf.slice(x, start, size);
          const yb = tf.slice(y, start, size);
          try {
            const fit = await model.fit(xb, yb, { epochs: 1, batchSize: size, shuffle: false, classWeight: options.classWeight, verbose: 0 });
            lossSum += Number(fit.history.loss?.[0]) * size;
            accuracySum += Number((fit.history.acc ?? fit.history.accuracy)?.[0]) * size;
          } finally {
            xb.dispose();
            yb.dispose();
          }
        }
      } finally {
        x.dispose();
        y.dispose();
      }
      const [valLoss, valAccuracy] = await evaluate(model, xVal, yVal, options.batchSize);
      const loss = lossSum / Math.max(1, order.length);
      const accuracy = accuracySum / Math.max(1, order.length);
      history.loss.push(round(loss, 5));
      history.accuracy.push(round(accuracy, 5));
      history.valLoss.push(round(valLoss, 5));
      history.valAccuracy.push(round(valAccuracy, 5));
      options.onEpoch?.({ architecture: options.architecture, epoch, epochs: options.epochs, loss, accuracy, valLoss, valAccuracy });
      if (valLoss < bestLoss - 1e-4) {
        bestLoss = valLoss;
        bestAccuracy = valAccuracy;
        bestEpoch = epoch;
        for (const w of bestWeights ?? []) w.dispose();
        bestWeights = model.getWeights().map((w) => w.clone());
        waited = 0;
      } else if (++waited >= options.patience) {
        break;
      }
    }
    if (bestWeights) model.setWeights(bestWeights);
    return { history, validationAccuracy: round(bestAccuracy, 5), bestEpoch };
  } finally {
    for (const w of bestWeights ?? []) w.dispose();
  }
}

async function evaluate(model: LayersModel, x: Tensor, y: Tensor, batchSize: number): Promise<[number, number]> {
  const result = model.evaluate(x, y, { batchSize }) as Tensor[];
  try {
    const values = await Promise.all(result.map(async (t) => (await t.data())[0]!));
    return [values[0]!, values[1]!];
  } finally {
    for (const t of result) t.dispose();
  }
}


/** A random crop of 80-100% of each side, anywhere in the frame, as [y1, x1, y2, x2] in [0, 1]. */
function cropBox(random: () => number): [number, number, number, number] {
  const h = 0.8 + random() * 0.2;
  const w = 0.8 + random() * 0.2;
  const y1 = random() * (1 - h);
  const x1 = random() * (1 - w);
  return [y1, x1, y1 + h, x1 + w];
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * `training-report.html`: per candidate, loss and accuracy curves (training and validation) as
 * inline SVG, then the counts per class, the backend and gradient note, and the settings.
 * Every piece of text is escaped.
 */
export function renderTrainingReportHtml(report: TrainReport): string {
  const e = (value: unknown): string => escapeXml(String(value));
  const candidates = report.candidates.map((c) => `
  <section>
    <h2>${e(c.architecture)}${c.architecture === report.chosen ? ' (chosen)' : ''}</h2>
    <p>Validation accuracy ${e(percent(c.validationAccuracy))}; ${e(c.epochs)} epochs${c.bestEpoch ? `, weights of epoch ${e(c.bestEpoch)} kept` : ''}; ${e(c.seconds)} s.</p>
    <div class="charts">
      ${curveSvg('Loss', [{ name: 'training', values: c.history.loss, color: '#1f77b4' }, { name: 'validation', values: c.history.valLoss, color: '#d62728' }])}
      ${curveSvg('Accuracy', [{ name: 'training', values: c.history.accuracy, color: '#1f77b4' }, { name: 'validation', values: c.history.valAccuracy, color: '#d62728' }], [0, 1])}
    </div>
  </section>`).join('');
  const counts = report.classes.map((c) => `<tr><td>${e(c)}</td><td>${e(report.trainCount[c] ?? 0)}</td><td>${e(report.validationCount[c] ?? 0)}</td></tr>`).join('\n      ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>roughcut training report</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; }
  .charts { display: flex; gap: 1.5rem; flex-wrap: wrap; } pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; }
</style>
</head>
<body>
  <h1>Training report</h1>
  <p>Chosen: <strong>${e(report.chosen)}</strong>, validation accuracy <strong>${e(percent(report.validationAccuracy))}</strong>.
     Backend: <strong>${e(report.backend)}</strong>. Total ${e(report.seconds)} s.</p>
  ${report.gradientNote ? `<p>Gradients: ${e(report.gradientNote)}</p>` : ''}
  ${candidates}
  <h2>Examples per class</h2>
  <table>
    <thead><tr><th>class</th><th>training</th><th>validation</th></tr></thead>
    <tbody>
      ${counts}
    </tbody>
  </table>
  <h2>Settings</h2>
  <pre>${e(JSON.stringify({ dataset: report.settings, training: report.training ?? {} }, null, 2))}</pre>
</body>
</html>
`;
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
}

/** A line chart of one or more series over epochs, 360x220, with axes and a legend. */
function curveSvg(title: string, series: readonly { name: string; values: readonly number[]; color: string }[], range?: [number, number]): string {
  const width = 360;
  const height = 220;
  const pad = { left: 44, right: 12, top: 24, bottom: 30 };
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const lo = range?.[0] ?? Math.min(0, ...finite);
  const hi = range?.[1] ?? Math.max(lo + 1e-6, ...finite);
  const epochs = Math.max(1, ...series.map((s) => s.values.length));
  const x = (i: number): number => pad.left + (epochs === 1 ? 0 : (i / (epochs - 1)) * (width - pad.left - pad.right));
  const y = (v: number): number => pad.top + (1 - (v - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
  const lines = series.map((s) => {
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points}"/>`;
  }).join('');
  const legend = series.map((s, i) => `<text x="${width - pad.right - 150 + i * 80}" y="14" font-size="11" fill="${s.color}">${escapeXml(s.name)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">`
    + `<text x="${pad.left}" y="14" font-size="12" font-weight="bold">${escapeXml(title)}</text>${legend}`
    + `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#888"/>`
    + `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#888"/>`
    + `<text x="${pad.left - 4}" y="${pad.top + 4}" font-size="10" text-anchor="end">${escapeXml(formatTick(hi))}</text>`
    + `<text x="${pad.left - 4}" y="${height - pad.bottom}" font-size="10" text-anchor="end">${escapeXml(formatTick(lo))}</text>`
    + `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 8}" font-size="10" text-anchor="middle">epoch (1–${epochs})</text>`
    + `${lines}</svg>`;
}

function formatTick(value: number): string {
  return Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(2);
}
