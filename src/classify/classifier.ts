// A trained classifier loaded from its model folder: class probabilities for frames, in batches.
import type { LayersModel, Tensor2D } from '@tensorflow/tfjs';
import { RoughcutError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RgbFrame } from '../frames/frame.js';
import { BACKBONE_INFO, EMBEDDING_SIZE, loadBackbone, scaleStyle, STYLE_SIZE, type Backbone, type StyleScaling } from './backbone.js';
import { LOOK_FEATURE_COUNT, scaledLook, type LookScaling } from './look-features.js';
import { readModelFolder, type Architecture } from './model-store.js';
import { framesToTensor } from './preprocess.js';
import type { TfRuntime } from './tf-runtime.js';

/** A model that gives class probabilities for frames. */
export interface Classifier {
  readonly classes: readonly string[];
  readonly architecture: Architecture;
  readonly modelDir: string;
  readonly inputSize: number;
  /** Class probabilities for each frame, in order (rows of classes.length). Batches internally. */
  classify(frames: readonly RgbFrame[]): Promise<Float32Array[]>;
  /** Frees the model's tensors (the shared backbone stays loaded for the thread). */
  dispose(): void;
}

export interface LoadClassifierOptions {
  readonly runtime: TfRuntime;
  readonly logger?: Logger;
  /** Frames per forward pass (default 16). */
  readonly batchSize?: number;
}

/**
 * Loads a model folder written by `trainClassifier` (`roughcut train`). For the backbone
 * architecture the folder holds only the head; the backbone comes from the installed nsfwjs
 * package, loaded once per process or worker thread. Folders written before the style features
 * existed (no `style` in labels.json) load and classify as they were trained, on the embedding
 * (and look features) alone.
 *
 * @throws RoughcutError `BAD_MODEL` naming the folder when labels.json/model.json are missing or
 *   malformed, the folder names a backbone this build does not ship, or its head does not read
 *   the features labels.json describes, with the fix (retrain with roughcut train).
 */
export async function loadClassifier(modelDir: string, options: LoadClassifierOptions): Promise<Classifier> {
  const { runtime } = options;
  const logger = options.logger ?? silentLogger;
  const { labels, model } = await readModelFolder(runtime.tf, modelDir);
  let backbone: Backbone | undefined;
  if (labels.architecture === 'backbone') {
    const wanted = labels.backbone!;
    if (wanted.package !== BACKBONE_INFO.package || wanted.model !== BACKBONE_INFO.model || wanted.layer !== BACKBONE_INFO.layer) {
      model.dispose();
      throw new RoughcutError('BAD_MODEL', `${modelDir}: the model was trained on ${wanted.package} ${wanted.model}/${wanted.layer} embeddings, but this roughcut has ${BACKBONE_INFO.package} ${BACKBONE_INFO.model}/${BACKBONE_INFO.layer}. Train it again with roughcut train <data> --out ${modelDir}.`, { file: modelDir });
    }
    // The head reads the embedding, then the style and look features when labels.json has their scalings.
    const expected = EMBEDDING_SIZE + (labels.style ? STYLE_SIZE : 0) + (labels.look ? LOOK_FEATURE_COUNT : 0);
    const width = model.inputs[0]?.shape.at(-1);
    if (width !== expected) {
      model.dispose();
      throw new RoughcutError('BAD_MODEL', `${modelDir}: the model's head reads ${width} values a frame, but labels.json describes ${expected} (embedding ${EMBEDDING_SIZE}${labels.style ? ` + style ${STYLE_SIZE}` : ''}${labels.look ? ` + look ${LOOK_FEATURE_COUNT}` : ''}); the folder was changed by hand or written by another version. Retrain it with roughcut train <data> --out ${modelDir}.`, { file: modelDir });
    }
    backbone = await loadBackbone(runtime);
  }
  logger.info('classifier loaded', { model: modelDir, architecture: labels.architecture, classes: labels.classes, inputSize: labels.inputSize, backend: runtime.backend });
  return createClassifier(runtime, model, backbone, { ...labels, modelDir, batchSize: options.batchSize ?? 16 });
}

function createClassifier(
  runtime: TfRuntime,
  model: LayersModel,
  backbone: Backbone | undefined,
  about: { classes: readonly string[]; architecture: Architecture; inputSize: number; modelDir: string; batchSize: number; look?: LookScaling; style?: StyleScaling },
): Classifier {
  const { tf } = runtime;
  const width = about.classes.length;
  return {
    classes: about.classes,
    architecture: about.architecture,
    modelDir: about.modelDir,
    inputSize: about.inputSize,
    async classify(frames) {
      const rows: Float32Array[] = [];
      for (let start = 0; start < frames.length; start += about.batchSize) {
        const batch = frames.slice(start, start + about.batchSize);
        const look = backbone && about.look ? scaledLook(batch, about.look) : undefined;
        const probabilities = tf.tidy(() => {
          const input = framesToTensor(tf, batch, about.inputSize);
          if (!backbone) return model.predict(input) as Tensor2D;
          // Models trained with style features get them from the same forward pass; older ones the embedding alone.
          const embedded = about.style ? scaleStyle(tf, backbone.embedWithStyle(input), about.style) : backbone.embed(input);
          return model.predict(look ? tf.concat([embedded, tf.tensor2d(look, [batch.length, LOOK_FEATURE_COUNT])], 1) : embedded) as Tensor2D;
        });
        const values = await probabilities.data() as Float32Array;
        probabilities.dispose();
        for (let i = 0; i < batch.length; i++) rows.push(values.slice(i * width, (i + 1) * width));
      }
      return rows;
    },
    dispose() {
      model.dispose();
    },
  };
}
