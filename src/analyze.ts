// The whole pipeline for one file, in-process: probe, one decode, detect, keyframes, export.
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { asRoughcutError, RoughcutError } from './core/errors.js';
import { silentLogger, type Logger } from './core/logger.js';
import type { ProgressCallback } from './core/progress.js';
import { framesToSeconds, secondsToFrames, toNumber } from './core/rational.js';
import { defaultSettings, type AnalysisSettings } from './core/settings.js';
import type { AnalysisResult, ClassifierInfo, Keyframe, MediaInfo, Segment, Shot, Transition } from './core/types.js';
import { detectSilenceSeconds, silenceSegments, type SilenceRange } from './classify/audio-cues.js';
import { shotsToLookAgain, summarizeCharacters } from './classify/faces/characters.js';
import { charactersBlock, writeUnknownFaces } from './classify/faces/unknown-faces.js';
import type { CharacterOptions } from './classify/model-host.js';
import { ModelPass, type FaceSample } from './classify/model-pass.js';
import { TechnicalCueDetector } from './classify/technical-cues.js';
import type { BackendName } from './classify/tf-runtime.js';
import { renderEdl } from './export/edl.js';
import { hasRules, selectEvents, type RoughCutRules } from './export/rules.js';
import type { Exporter } from './export/exporter.js';
import { contactSheetPages, renderContactSheets } from './export/contact-sheet.js';
import { renderReportHtml } from './export/report-html.js';
import { writeExports } from './export/write-exports.js';
import { BufferPool } from './frames/buffer-pool.js';
import { decodeVideo } from './frames/chunked-decode.js';
import { analysisSize, interlacedField } from './frames/decode.js';
import type { RgbFrame } from './frames/frame.js';
import sharp from './frames/image-codec.js';
import { keyframeBatchSize, keyframeFileName, renderKeyframeJpegs } from './frames/keyframe-images.js';
import { probeMedia } from './ingest/probe.js';
import { validateInput } from './ingest/validate.js';
import { createBoundaryDetector } from './keyframes/boundaries.js';
import { FrameFeatureStore } from './keyframes/frame-features.js';
import { labelChangeKeyframes, labelSegments, shotLabelScores, type LabelSample } from './keyframes/label-segments.js';
import { ShotKeyframes } from './keyframes/shot-keyframes.js';

export interface AnalyzeOptions {
  /** Folder the outputs of this file go to; created, and replaced whole when the run succeeds. */
  readonly outDir: string;
  readonly settings?: Partial<AnalysisSettings>;
  /** Also write per-frame detector scores to `scores.csv`. */
  readonly writeScores?: boolean;
  /** A probe result to reuse instead of probing again. */
  readonly media?: MediaInfo;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** More formats to write beside the EDL and report (`edl`, `html`, `json` are written anyway). */
  readonly exports?: readonly Exporter[];
  /** The option bag given to each of `exports`. */
  readonly exportOptions?: object;
  /** A scene classifier folder written by `roughcut train`: label frames, shots and segments. */
  readonly model?: string;
  /** Recognise characters by face: a gallery folder (`DIR/<Name>/*.jpg`), or `{}` to find and cluster unknown faces only. */
  readonly characters?: CharacterOptions;
  /** TensorFlow.js backend for the models; default the best that works. */
  readonly backend?: BackendName | 'auto';
  /** Rough-cut rules for the EDL and the other exports; default one event per shot. */
  readonly rules?: RoughCutRules;
}

/** What one analysis produced: the result and the paths written. */
export interface AnalyzeOutput {
  readonly analysis: AnalysisResult;
  readonly outDir: string;
  readonly files: { readonly analysis: string; readonly edl: string; readonly report: string; readonly keyframes: string; readonly contactSheets: readonly string[]; readonly scores?: string; readonly exports?: readonly string[] };
}

/** The keyframe grids written beside the report: `contact-sheet.jpg`, then `contact-sheet-2.jpg`, ... */
const contactSheetName = (page: number): string => (page === 0 ? 'contact-sheet.jpg' : `contact-sheet-${page + 1}.jpg`);
/** Progress is reported every this many frames. */
const PROGRESS_EVERY = 25;
/** Keyframe batches run this many at a time once the decode is over: each is a short ffmpeg process. */
const KEYFRAME_CONCURRENCY = 2;

/**
 * Analyses one video file end to end and writes analysis.json, `<name>.edl`, keyframes/,
 * report.html and contact-sheet.jpg (more sheets for long programmes) into `options.outDir`. Everything is written into a hidden staging folder beside
 * it and renamed into place at the end, so a failed or cancelled run leaves no partial output.
 */
export async function analyzeFile(filePath: string, options: AnalyzeOptions): Promise<AnalyzeOutput> {
  const logger = options.logger ?? silentLogger;
  const settings: AnalysisSettings = { ...defaultSettings(), ...options.settings };
  const started = performance.now();
  const name = path.basename(filePath);
  options.onProgress?.({ file: filePath, stage: 'probe', done: 0, total: 1 });
  const media = options.media ?? (await validateInput(filePath), await probeMedia(filePath, { signal: options.signal }));
  options.onProgress?.({ file: filePath, stage: 'probe', done: 1, total: 1 });
  logger.info('probed', { file: filePath, fps: `${media.fps.num}/${media.fps.den}`, frames: media.frameCount, vfr: media.variableFrameRate });

  const outDir = path.resolve(options.outDir);
  await fs.mkdir(path.dirname(outDir), { recursive: true });
  // A plain mkdir (not mkdtemp, which makes it 0700) so the results get the usual permissions.
  const staging = path.join(path.dirname(outDir), `.${path.basename(outDir)}.partial-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(staging);
  let models: ModelPass | undefined;
  // Stops the side processes (the audio pass) when the analysis fails or is cancelled.
  const side = new AbortController();
  const onAbort = (): void => side.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const size = analysisSize(media.displayWidth, media.displayHeight, settings.analysisWidth);
    const display = { width: media.displayWidth, height: media.displayHeight };
    // Technical cues need no model: black, bars and freeze from the analysis frames, silence
    // from a second, audio-only ffmpeg that runs beside the decode.
    const cues = new TechnicalCueDetector({ fps: media.fps, width: size.width, height: size.height });
    const silence = (media.audioStreams.length > 0 ? detectSilenceSeconds(filePath, { signal: side.signal }) : Promise.resolve([])).catch((error: unknown) => {
      logger.warn('silence detection failed; no silence cues for this file', { file: filePath, error: (error as Error).message });
      return [] as SilenceRange[];
    });
    models = await ModelPass.start({
      model: options.model, characters: options.characters, backend: options.backend, logger,
      fps: media.fps, classifyFps: settings.classifyFps, faceFps: settings.faceFps, display,
      ...(interlacedField(media.fieldOrder) ? { field: interlacedField(media.fieldOrder) } : {}),
    });
    const minShotFrames = Math.max(1, secondsToFrames(settings.minShotSeconds, media.fps));
    const detector = createBoundaryDetector(
      { fps: media.fps, width: size.width, height: size.height, minShotFrames },
      settings.detectors === 'default' ? {} : { detectors: settings.detectors.split(',').map((d) => d.trim()).filter(Boolean) },
    );
    const features = new FrameFeatureStore(size.width, size.height);
    const scores = options.writeScores ? createWriteStream(path.join(staging, 'scores.csv')) : undefined;
    let scoreColumns: string[] | undefined;
    const transitions: Transition[] = [];
    const frameTimes: number[] = [];
    const shotKeyframes = new ShotKeyframes(features, minShotFrames, media.fps);
    const keyframeDir = path.join(staging, 'keyframes');
    await fs.mkdir(keyframeDir);
    const frameSeconds = 1 / toNumber(media.fps);
    // Keyframe images are fetched while the decode goes on, a batch (one ffmpeg) at a time so the
    // decode keeps the CPU; a batch starts once enough shots have ended, and at the end.
    const images = new TaskQueue(1);
    const batchSize = keyframeBatchSize(media.width, media.height);
    // Dropped once the keyframes are written (see KeyframeImageOptions.pictures).
    let pictures: BufferPool | undefined = new BufferPool();
    let pending: number[] = [];
    let written = 0;
    let expected = 0;
    const fetched = new Set<number>();
    const flushKeyframes = (): void => {
      for (let start = 0; start < pending.length; start += batchSize) {
        const batch = pending.slice(start, start + batchSize);
        images.add(async () => {
          const requests = batch.map((frame) => ({ ptsSeconds: frameTimes[frame] ?? framesToSeconds(frame, media.fps), intra: shotKeyframes.isIntra(frame) }));
          const jpegs = await renderKeyframeJpegs(filePath, requests, frameSeconds, display, { maxWidth: settings.keyframeWidth, colorSpace: media.colorSpace, interlaced: interlacedField(media.fieldOrder) !== undefined, pictures, signal: options.signal });
          for (const [i, frame] of batch.entries()) {
            const jpeg = jpegs[i]!;
            await fs.writeFile(path.join(keyframeDir, keyframeFileName(frame)), jpeg);
            // Every shot keyframe is classified too, as soon as it exists (not after the decode).
            if (models && models.classifyEvery > 0 && !models.hasSample(frame)) models.classifyFrames([await imageFrame(jpeg, frame, size)]);
            written += 1;
            options.onProgress?.({ file: filePath, stage: 'keyframes', done: written, total: expected });
          }
        });
      }
      pending = [];
    };
    const fetchKeyframe = (frame: number): void => {
      if (fetched.has(frame)) return;
      fetched.add(frame);
      expected += 1;
      pending.push(frame);
      if (pending.length >= batchSize) flushKeyframes();
    };
    let frameCount = 0;

    const outputs = [{ name: 'analysis', ...size }, ...(models?.outputs ?? [])];
    for await (const decoded of decodeVideo(filePath, media, { outputs, signal: options.signal, logger })) {
      const frame = decoded.frames.analysis!;
      features.add(frame);
      cues.push(frame);
      if (models) await models.push(decoded, frame);
      frameTimes.push(decoded.ptsSeconds);
      if (decoded.intra) shotKeyframes.noteIntra(frame.index);
      const emitted = detector.push(frame);
      if (emitted.length > 0) {
        transitions.push(...emitted);
        for (const pick of shotKeyframes.update(transitions, frame.index + 1)) fetchKeyframe(pick.frame);
      }
      images.throwIfFailed();
      if (scores) {
        const row = detector.lastScores();
        scoreColumns ??= Object.keys(row);
        if (frame.index === 0) scores.write(`frame,pts_seconds,${scoreColumns.join(',')}\n`);
        if (!scores.write(`${frame.index},${decoded.ptsSeconds.toFixed(6)},${scoreColumns.map((c) => formatScore(row[c])).join(',')}\n`)) {
          await new Promise<void>((resolve) => scores.once('drain', () => resolve()));
        }
      }
      frameCount += 1;
      if (frameCount % PROGRESS_EVERY === 0) {
        options.onProgress?.({ file: filePath, stage: 'decode', done: frameCount, total: Math.max(media.frameCount, frameCount) });
      }
    }
    transitions.push(...detector.flush());
    if (scores) await new Promise<void>((resolve, reject) => scores.end((e?: Error | null) => (e ? reject(e) : resolve())));
    options.onProgress?.({ file: filePath, stage: 'detect', done: frameCount, total: frameCount });
    if (frameCount < media.frameCount * 0.98) {
      logger.warn('fewer frames decoded than the container lists; the file may be truncated', { file: filePath, decoded: frameCount, listed: media.frameCount });
    }

    const { spans, picks, fresh } = shotKeyframes.finish(transitions, frameCount);
    // What the character summary needs of each shot: only faces in its clean frames count.
    const summaryShots = spans.map((span, index) => ({ index, startFrame: span.startFrame, endFrame: span.endFrame, clean: span.clean }));
    for (const pick of fresh) fetchKeyframe(pick.frame);
    flushKeyframes();
    images.setConcurrency(KEYFRAME_CONCURRENCY);
    await images.drain();

    // The models' answers. Every shot keyframe has been classified already, as its image was
    // written (fetchKeyframe).
    const info = models ? await models.loaded() : undefined;
    let samples: LabelSample[] = [];
    let faceSamples: FaceSample[] = [];
    if (models) {
      // A shot with no face sample outside its transitions (shorter than the sampling interval, or
      // sampled only in a fade or dissolve, where faces are dim or doubled) gets its faces from its
      // keyframe, which is picked outside them.
      const faceOutput = models.outputs.find((o) => o.name === 'faces');
      const lookAt = async (frames: readonly number[]): Promise<void> => {
        for (const pick of frames) models!.analyzeFaces([await imageFrame(path.join(keyframeDir, keyframeFileName(pick)), pick, faceOutput!)]);
      };
      if (faceOutput) await lookAt(spans.flatMap((span, i) => (models!.hasFaceSample(span.clean.startFrame, span.clean.endFrame) ? [] : [picks[i]!])));
      ({ samples, faces: faceSamples } = await models.finish());
      // A second look, on the keyframe, at each shot in which nobody in the gallery was named.
      if (faceOutput && info?.faces) {
        const first = summarizeCharacters(faceSamples, summaryShots, { fps: media.fps, gallery: info.faces.gallery, threshold: info.faces.threshold });
        const again = shotsToLookAgain(first, info.faces.gallery).map((i) => picks[i]!).filter((pick) => !models!.hasFaceSample(pick, pick + 1));
        if (again.length > 0) {
          await lookAt(again);
          ({ samples, faces: faceSamples } = await models.finish());
        }
      }
      await models.close();
      models = undefined;
    }
    const classes = info?.classifier?.classes ?? [];
    const sceneSegments = info?.classifier
      ? labelSegments(samples, { classes, frameCount, fps: media.fps, shots: spans, unknownBelow: settings.unknownBelow, minSegmentSeconds: settings.minSegmentSeconds })
      : [];
    const shotLabels = info?.classifier ? shotLabelScores(samples, spans, classes) : [];
    // A label that changes at a cut is shown by the new shot's own keyframe (the cut's first frame
    // may be mid-transition); only a change inside a shot needs an image of its own.
    const labelChanges = labelChangeKeyframes(sceneSegments, spans)
      .map((k) => (k.frame === spans[k.shot]?.startFrame ? { ...k, frame: picks[k.shot]! } : k));
    for (const k of labelChanges) fetchKeyframe(k.frame);
    flushKeyframes();
    await images.drain();
    pictures = undefined;

    let shots: Shot[] = spans.map((span, index) => ({
      index, startFrame: span.startFrame, endFrame: span.endFrame, transition: span.transition,
      keyframe: { frame: picks[index]!, image: `keyframes/${keyframeFileName(picks[index]!)}` },
      labels: shotLabels[index] ?? {}, characters: [], scale: null,
    }));
    let faceSegments: readonly Segment[] = [];
    let characters: AnalysisResult['characters'];
    if (info?.faces) {
      const found = summarizeCharacters(faceSamples, summaryShots, { fps: media.fps, gallery: info.faces.gallery, threshold: info.faces.threshold });
      shots = shots.map((shot, i) => ({ ...shot, characters: found.shots[i]?.characters ?? [], scale: found.shots[i]?.scale ?? null }));
      faceSegments = found.segments;
      const records = await writeUnknownFaces(found.unknowns, staging);
      characters = charactersBlock(info.faces.gallery, records, { detector: info.faces.detector, threshold: info.faces.threshold });
    }
    const silent = silenceSegments(await silence, { fps: media.fps, frameCount, frameTimes: media.variableFrameRate ? frameTimes : undefined });
    const segments = [...sceneSegments, ...cues.finish(frameCount), ...silent, ...faceSegments]
      .sort((a, b) => a.startFrame - b.startFrame || a.endFrame - b.endFrame);
    const keyframes: Keyframe[] = [
      ...shots.map((shot) => ({ frame: shot.keyframe.frame, reason: 'representative' as const, shot: shot.index })),
      ...labelChanges,
    ].sort((a, b) => a.frame - b.frame);
    const classifier: ClassifierInfo = info
      ? {
          model: info.classifier ? path.resolve(info.classifier.modelDir) : null, backend: info.backend, classes,
          ...(info.classifier ? { architecture: info.classifier.architecture, samples: samples.length } : {}),
          skipped: info.skipped, gpu: info.gpu,
        }
      : { model: null, backend: null, classes: [] };

    const seconds = (performance.now() - started) / 1000;
    const analysis: AnalysisResult = {
      version: 1,
      source: {
        path: path.resolve(filePath), name, fps: media.fps, dropFrame: media.dropFrame, frameCount,
        durationSeconds: media.variableFrameRate ? (frameTimes[frameCount - 1] ?? 0) + frameSeconds : framesToSeconds(frameCount, media.fps),
        startTimecode: media.startTimecode, width: media.width, height: media.height,
        variableFrameRate: media.variableFrameRate,
        ...(media.variableFrameRate ? { frameTimesSeconds: frameTimes.map((t) => Math.round(t * 1e6) / 1e6) } : {}),
      },
      transitions,
      shots,
      segments,
      keyframes,
      classifier,
      ...(characters ? { characters } : {}),
      timing: { seconds: round3(seconds), framesPerSecond: round3(frameCount / seconds) },
      settings: { ...settings, minShotFrames },
    };

    const edlName = `${path.parse(name).name}.edl`;
    await fs.writeFile(path.join(staging, 'analysis.json'), `${JSON.stringify(analysis, null, 2)}\n`);
    const events = options.rules && hasRules(options.rules) ? selectEvents(analysis, options.rules) : undefined;
    await fs.writeFile(path.join(staging, edlName), renderEdl(analysis, {
      profile: settings.edlProfile, transitions: settings.edlTransitions, reel: settings.reel, ...(events ? { events } : {}),
      ...(settings.recordStart === 'auto' ? {} : { recordStart: settings.recordStart }),
    }));
    await fs.writeFile(path.join(staging, 'report.html'), renderReportHtml(analysis));
    // Long programmes get several sheets (contact-sheet.jpg, contact-sheet-2.jpg, ...) of bounded size,
    // drawn one after another on one canvas.
    const sheets = contactSheetPages(analysis.shots.length);
    let page = 0;
    for await (const jpeg of renderContactSheets(analysis, staging)) {
      await fs.writeFile(path.join(staging, contactSheetName(page++)), jpeg);
    }
    const extra = (options.exports ?? []).filter((e) => !['edl', 'html', 'json'].includes(e.name));
    const exported = await writeExports(analysis, extra, staging, events ? { ...options.exportOptions, events } : options.exportOptions);
    options.onProgress?.({ file: filePath, stage: 'export', done: 1, total: 1 });

    await replaceDirectory(staging, outDir);
    return {
      analysis,
      outDir,
      files: {
        analysis: path.join(outDir, 'analysis.json'), edl: path.join(outDir, edlName), report: path.join(outDir, 'report.html'),
        keyframes: path.join(outDir, 'keyframes'), contactSheets: sheets.map((_, i) => path.join(outDir, contactSheetName(i))), ...(options.writeScores ? { scores: path.join(outDir, 'scores.csv') } : {}),
        ...(exported.length > 0 ? { exports: exported.map((f) => path.join(outDir, path.basename(f))) } : {}),
      },
    };
  } catch (error) {
    side.abort();
    await models?.close();
    await fs.rm(staging, { recursive: true, force: true });
    throw asRoughcutError(error, filePath);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** A keyframe image (JPEG bytes or file) at a model's frame size, as a frame it can take. */
async function imageFrame(image: Buffer | string, index: number, size: { width: number; height: number }): Promise<RgbFrame> {
  const data = await sharp(image).resize(size.width, size.height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  return { index, ptsSeconds: 0, width: size.width, height: size.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Moves a finished staging folder to `target`, replacing an earlier result only once the new one is whole. */
async function replaceDirectory(staging: string, target: string): Promise<void> {
  const old = `${staging}.old`;
  let hadOld = false;
  try {
    await fs.rename(target, old);
    hadOld = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await fs.rename(staging, target);
  } catch (error) {
    if (hadOld) await fs.rename(old, target);
    throw new RoughcutError('OUTPUT_FAILED', `${target}: could not write the results (${(error as Error).message}); check the folder's permissions.`, { cause: error });
  }
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

/** A small work queue whose concurrency can be raised; the first failure is kept and rethrown. */
class TaskQueue {
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = 0;
  private failure: unknown;
  private idle: (() => void)[] = [];

  constructor(private concurrency: number) {}

  add(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.pump();
  }

  setConcurrency(concurrency: number): void {
    this.concurrency = concurrency;
    this.pump();
  }

  /** Throws the first task failure, if any, so the caller stops early. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves when every task has run; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.throwIfFailed();
  }

  private pump(): void {
    while (this.failure === undefined && this.running < this.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running += 1;
      task().catch((error: unknown) => { this.failure ??= error; this.waiting.length = 0; }).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.running === 0) for (const wake of this.idle.splice(0)) wake();
      });
    }
  }
}

function formatScore(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : String(Math.round(value * 1e5) / 1e5);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
