// `roughcut train` and `roughcut evaluate`: train a scene classifier from labelled examples, and measure one.
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BACKENDS, parseBackendName } from '../classify/backend-names.js';
import { renderConfusionHtml, renderConfusionTable, metricsJson } from '../classify/confusion-report.js';
import { DEFAULT_SAMPLE_FPS, loadDataset, splitDataset, type DatasetProgress } from '../classify/dataset.js';
import { confusionMetrics } from '../classify/metrics.js';
import type { EpochProgress } from '../classify/train.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { asRoughcutError, RoughcutError } from '../core/errors.js';
import { createLogger, silentLogger, type Logger, type LogLevel } from '../core/logger.js';

/** Where the commands write. */
export interface TrainCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Frames handed to the classifier per call while evaluating: progress is reported between calls. */
const EVALUATE_CHUNK = 64;

interface DataFlags {
  labels?: string;
  sampleFps?: string;
  maxPerClass?: string;
  backend?: string;
  json?: boolean;
  logLevel?: string;
}

interface TrainFlags extends DataFlags {
  out: string;
  architecture?: string;
  epochs?: string;
  validation?: string;
  seed?: string;
}

interface EvaluateFlags extends DataFlags {
  model: string;
  out?: string;
  unknownBelow?: string;
}

/**
 * Parses a numeric flag. @throws RoughcutError `BAD_ARGUMENT` naming the flag and the range.
 */
function numberFlag(name: string, text: string | undefined, min: number, max: number, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RoughcutError('BAD_ARGUMENT', `--${name} "${text}" must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`);
  }
  return value;
}

function loggerFor(flags: DataFlags, io: TrainCommandIo): Logger {
  const level = flags.logLevel ?? 'silent';
  if (level === 'silent') return silentLogger;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw new RoughcutError('BAD_ARGUMENT', `--log-level "${level}" is not one of debug, info, warn, error, silent.`);
  }
  return createLogger(level as LogLevel, (line) => io.stderr.write(line));
}

/**
 * Progress on stderr for the two commands: a redrawn line on a terminal (loading, embedding,
 * then one bar per epoch with loss and accuracy), JSON lines with `--json`, nothing otherwise.
 */
function progressLines(io: TrainCommandIo, json: boolean): { data(e: DatasetProgress): void; stage(stage: string, done: number, total: number): void; epoch(p: EpochProgress): void; done(): void } {
  const stream = io.stderr as NodeJS.WriteStream;
  const mode = json ? 'json' : stream.isTTY ? 'bar' : 'none';
  let drawn = false;
  let lastDraw = 0;
  const bar = (text: string, done: number, total: number, force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 100 && done !== total) return;
    lastDraw = now;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(share * width);
    stream.write(`\r\x1b[2K${text.padEnd(14)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
    drawn = true;
  };
  const emit = (event: Record<string, unknown>): void => { stream.write(`${JSON.stringify(event)}\n`); };
  return {
    data: (e) => {
      if (mode === 'json') emit({ type: 'progress', stage: e.stage === 'images' ? 'load' : 'decode', file: e.file, done: e.done, total: e.total });
      else if (mode === 'bar') bar(e.stage === 'images' ? 'loading' : `decoding ${path.basename(e.file).slice(0, 20)}`, e.done, e.total, false);
    },
    stage: (stage, done, total) => {
      if (mode === 'json') emit({ type: 'progress', stage, done, total });
      else if (mode === 'bar') bar(stage, done, total, false);
    },
    epoch: (p) => {
      if (mode === 'json') {
        emit({ type: 'epoch', architecture: p.architecture, epoch: p.epoch, epochs: p.epochs, loss: p.loss, accuracy: p.accuracy, valLoss: p.valLoss, valAccuracy: p.valAccuracy });
      } else if (mode === 'bar') {
        bar(`${p.architecture} epoch`, p.epoch, p.epochs, true);
        stream.write(`  loss ${p.loss.toFixed(3)} acc ${p.accuracy.toFixed(3)}  val loss ${p.valLoss.toFixed(3)} val acc ${p.valAccuracy.toFixed(3)}`);
      }
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** Adds `train` and `evaluate` to the program; `setExit` receives their exit code (0, 1 or 2). */
export function registerTrainCommands(program: Command, io: TrainCommandIo, setExit: (code: number) => void): void {
  program.command('train')
    .description('train a scene/character classifier from labelled examples and save it in TF.js format with labels.json and a training report')
    .argument('<data>', 'a folder of class subfolders of images or videos, or one video with --labels')
    .requiredOption('-o, --out <dir>', 'model folder to write (model.json, weights, labels.json, training-report.html)')
    .option('--labels <file>', 'for a video: CSV of start,end,label (timecode, frames or seconds like 12.5s) or an EDL whose events carry the labels')
    .option('--sample-fps <n>', `frames sampled per second of video (default ${DEFAULT_SAMPLE_FPS})`)
    .option('--max-per-class <n>', 'at most this many examples per class, spread evenly over it')
    .option('--architecture <name>', 'auto (train both, keep the better on validation), backbone (MobileNetV2 embeddings + head) or cnn (compact CNN)', 'auto')
    .option('--epochs <n>', 'most epochs per architecture (default 60 for the head, 25 for the CNN; early stopping may end sooner)')
    .option('--validation <fraction>', 'share of each class held out for validation, by whole shots or image groups', '0.2')
    .option('--seed <n>', 'seed of the split and the weight initialisation', '1')
    .option('--backend <name>', `TensorFlow.js backend: auto, ${BACKENDS.join(', ')}`, 'auto')
    .option('--json', 'progress and epochs as JSON lines on stderr, the result as JSON on stdout')
    .option('--log-level <level>', 'structured log on stderr: debug, info, warn, error, silent', 'silent')
    .action(async (data: string, flags: TrainFlags) => {
      const json = flags.json === true;
      const progress = progressLines(io, json);
      try {
        const logger = loggerFor(flags, io);
        const architecture = flags.architecture ?? 'auto';
        if (!['auto', 'backbone', 'cnn'].includes(architecture)) {
          throw new RoughcutError('BAD_ARGUMENT', `--architecture "${architecture}" is not one of auto, backbone, cnn.`);
        }
        const sampleFps = numberFlag('sample-fps', flags.sampleFps, 0.01, 120);
        const maxPerClass = numberFlag('max-per-class', flags.maxPerClass, 1, 1e7, true);
        const epochs = numberFlag('epochs', flags.epochs, 1, 10_000, true);
        const validationFraction = numberFlag('validation', flags.validation, 0.01, 0.9) ?? 0.2;
        const seed = numberFlag('seed', flags.seed, 0, 2 ** 32 - 1, true) ?? 1;
        const backend = parseBackendName(flags.backend ?? 'auto');
        // TensorFlow.js loads only for the commands that need it (it costs every other command start-up time).
        const { loadTensorflow } = await import('../classify/tf-runtime.js');
        const { trainClassifier } = await import('../classify/train.js');
        const runtime = await loadTensorflow({ backend, logger });
        const dataset = await loadDataset(data, { labels: flags.labels, sampleFps, maxPerClass, logger, onProgress: progress.data });
        const split = splitDataset(dataset.items, { validationFraction, seed });
        progress.done();
        for (const note of split.notes) {
          io.stderr.write(json ? `${JSON.stringify({ type: 'note', message: note })}\n` : `roughcut: note: ${note}\n`);
        }
        const report = await trainClassifier(split.train, split.validation, {
          outDir: flags.out, runtime, architecture: architecture as 'auto' | 'backbone' | 'cnn', epochs, seed, logger,
          settings: { data: dataset.description, validationFraction, seed, splitNotes: split.notes, backendRequested: backend },
          onEpoch: progress.epoch, onStage: progress.stage,
        });
        progress.done();
        const outDir = path.resolve(flags.out);
        if (json) {
          io.stdout.write(`${JSON.stringify({
            type: 'result', ok: true, model: outDir, chosen: report.chosen, validationAccuracy: report.validationAccuracy, backend: report.backend,
            gradientNote: report.gradientNote, classes: report.classes, train: split.train.length, validation: split.validation.length, seconds: report.seconds,
            candidates: report.candidates.map((c) => ({ architecture: c.architecture, validationAccuracy: c.validationAccuracy, epochs: c.epochs, seconds: c.seconds })),
          })}\n`);
        } else {
          const others = report.candidates.filter((c) => c.architecture !== report.chosen).map((c) => `${c.architecture} ${c.validationAccuracy.toFixed(3)}`);
          io.stdout.write([
            `classes: ${report.classes.join(', ')} (${split.train.length} training, ${split.validation.length} validation examples)`,
            `chosen: ${report.chosen}, validation accuracy ${report.validationAccuracy.toFixed(3)}${others.length > 0 ? ` (also tried: ${others.join(', ')})` : ''}`,
            `backend: ${report.backend}${runtime.skipped.length > 0 ? ` (skipped ${runtime.skipped.map((s) => s.backend).join(', ')})` : ''}${report.gradientNote ? `; ${report.gradientNote}` : ''}`,
            `trained in ${report.seconds.toFixed(1)} s; model written to ${outDir} (report: ${path.join(outDir, 'training-report.html')})`,
          ].join('\n') + '\n');
        }
        setExit(0);
      } catch (thrown) {
        progress.done();
        fail(thrown, data, json);
      }
    });

  program.command('evaluate')
    .description('measure a trained classifier on labelled examples: accuracy, per-class precision/recall/F1, confusion matrix (table, JSON, HTML heat map)')
    .argument('<data>', 'a folder of class subfolders of images or videos, or one video with --labels (all of it is evaluation data)')
    .requiredOption('-m, --model <dir>', 'model folder written by roughcut train')
    .option('--labels <file>', 'for a video: CSV of start,end,label or an EDL whose events carry the labels')
    .option('--sample-fps <n>', `frames sampled per second of video (default ${DEFAULT_SAMPLE_FPS})`)
    .option('--max-per-class <n>', 'at most this many examples per class, spread evenly over it')
    .option('--unknown-below <confidence>', 'a prediction less confident than this counts as "unknown" (default: always the top class)')
    .option('-o, --out <dir>', 'folder for confusion.json and confusion.html (default: the model folder)')
    .option('--backend <name>', `TensorFlow.js backend: auto, ${BACKENDS.join(', ')}`, 'auto')
    .option('--json', 'progress as JSON lines on stderr, the metrics as JSON on stdout')
    .option('--log-level <level>', 'structured log on stderr: debug, info, warn, error, silent', 'silent')
    .action(async (data: string, flags: EvaluateFlags) => {
      const json = flags.json === true;
      const progress = progressLines(io, json);
      try {
        const logger = loggerFor(flags, io);
        const sampleFps = numberFlag('sample-fps', flags.sampleFps, 0.01, 120);
        const maxPerClass = numberFlag('max-per-class', flags.maxPerClass, 1, 1e7, true);
        const unknownBelow = numberFlag('unknown-below', flags.unknownBelow, 0, 1);
        const { loadTensorflow } = await import('../classify/tf-runtime.js');
        const { loadClassifier } = await import('../classify/classifier.js');
        const runtime = await loadTensorflow({ backend: parseBackendName(flags.backend ?? 'auto'), logger });
        const classifier = await loadClassifier(flags.model, { runtime, logger });
        try {
          const dataset = await loadDataset(data, { labels: flags.labels, sampleFps, maxPerClass, minClasses: 1, logger, onProgress: progress.data });
          const unknownClasses = dataset.classes.filter((c) => !classifier.classes.includes(c));
          if (unknownClasses.length > 0) {
            throw new RoughcutError('BAD_DATA', `${data}: class ${unknownClasses.map((c) => `"${c}"`).join(', ')} is not one the model in ${flags.model} knows (${classifier.classes.join(', ')}); rename it to one of those, or train a model that includes it.`, { file: data });
          }
          const truth = dataset.items.map((item) => classifier.classes.indexOf(item.label));
          const predicted: number[] = [];
          for (let start = 0; start < dataset.items.length; start += EVALUATE_CHUNK) {
            const chunk = dataset.items.slice(start, start + EVALUATE_CHUNK).map((item) => item.image);
            for (const scores of await classifier.classify(chunk)) predicted.push(predictedIndex(scores, unknownBelow));
            progress.stage('classify', predicted.length, dataset.items.length);
          }
          progress.done();
          const metrics = confusionMetrics(truth, predicted, [...classifier.classes]);
          const outDir = path.resolve(flags.out ?? flags.model);
          await fs.mkdir(outDir, { recursive: true });
          const notes: Record<string, string> = {
            model: path.resolve(flags.model), architecture: classifier.architecture, data: path.resolve(data),
            ...(flags.labels ? { labels: path.resolve(flags.labels) } : {}), backend: runtime.backend,
            examples: String(dataset.items.length), ...(unknownBelow === undefined ? {} : { 'unknown below': String(unknownBelow) }),
          };
          await writeFileAtomic(path.join(outDir, 'confusion.json'), metricsJson(metrics));
          await writeFileAtomic(path.join(outDir, 'confusion.html'), renderConfusionHtml(metrics, { title: `Evaluation of ${path.basename(path.resolve(flags.model))}`, notes }));
          if (json) {
            io.stdout.write(`${JSON.stringify({ type: 'result', ok: true, ...JSON.parse(metricsJson(metrics)) as object, backend: runtime.backend, files: [path.join(outDir, 'confusion.json'), path.join(outDir, 'confusion.html')] })}\n`);
          } else {
            io.stdout.write(renderConfusionTable(metrics));
            io.stdout.write(`\nbackend ${runtime.backend}; wrote ${path.join(outDir, 'confusion.json')} and confusion.html\n`);
          }
          setExit(0);
        } finally {
          classifier.dispose();
        }
      } catch (thrown) {
        progress.done();
        fail(thrown, data, json);
      }
    });

  /** One sentence on stderr (and a JSON result with --json); exit 2 for input errors, 1 otherwise. */
  function fail(thrown: unknown, data: string, json: boolean): void {
    // A failure inside TensorFlow.js is the classifier's, not a decode's (asRoughcutError's default).
    const error = thrown instanceof Error && !(thrown instanceof RoughcutError) && thrown.name !== 'AbortError'
      ? new RoughcutError('CLASSIFIER_FAILED', `${data}: ${thrown.message}`, { file: data, cause: thrown })
      : asRoughcutError(thrown, data);
    if (json) io.stdout.write(`${JSON.stringify({ type: 'result', ok: false, code: error.code, error: error.message })}\n`);
    io.stderr.write(`roughcut: ${error.message}\n`);
    setExit(error.isInputError ? 2 : 1);
  }
}

/** The top class's index, or `scores.length` (unknown) when it is below `unknownBelow`. */
export function predictedIndex(scores: Float32Array, unknownBelow?: number): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return unknownBelow !== undefined && (scores[best] ?? 0) < unknownBelow ? scores.length : best;
}
