// The roughcut queues: names, job payloads, default job options and enqueueAnalysis (one BullMQ flow per asset).
import { FlowProducer, Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AnalyzeOptions, AnalyzeOutput } from '../src/analyze.js';
import { BACKENDS, parseBackendName, type BackendName } from '../src/classify/backend-names.js';
import { checkCharacters, checkModelFolder } from '../src/cli/model-options.js';
import { RoughcutError } from '../src/core/errors.js';
import { silentLogger, type Logger } from '../src/core/logger.js';
import type { ProgressEvent } from '../src/core/progress.js';
import { defaultSettings, type AnalysisSettings } from '../src/core/settings.js';
import { resolveExporters } from '../src/export/registry.js';
import { hasRules, type RoughCutRules } from '../src/export/rules.js';
import { validateInput } from '../src/ingest/validate.js';
import { redisOptions, type QueueConnection } from './connection.js';
import { analysisKey, analyzeJobId, exportJobId, hashFileContent } from './job-id.js';

/** Queue of analyze jobs: one per asset, the child of its flow. */
export const ANALYZE_QUEUE = 'roughcut-analyze';
/** Queue of export jobs: the parent of each flow, run once its analyze job has finished. */
export const EXPORT_QUEUE = 'roughcut-export';
/** Short names of the queues, as `roughcut worker --queues` takes them. */
export type QueueKind = 'analyze' | 'export';
/** BullMQ queue name of each kind. */
export const QUEUE_NAMES: Readonly<Record<QueueKind, string>> = { analyze: ANALYZE_QUEUE, export: EXPORT_QUEUE };

/** Default output root, as for `roughcut analyze`: each asset gets `<root>/<name>/`. */
export const DEFAULT_OUT_ROOT = 'roughcut-out';

/**
 * Options every roughcut job gets unless the caller overrides them: 3 attempts with exponential
 * backoff from 5 s for retryable failures (bad input is failed at once by the worker), completed
 * jobs kept a week so a file dropped again within it is known without analysing it again.
 */
export const DEFAULT_JOB_OPTIONS: Readonly<JobsOptions> = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
};

/** Character recognition of a job, as analyzeFile takes it; the gallery path is absolute. */
export type JobCharacters = NonNullable<AnalyzeOptions['characters']>;

/**
 * What identifies the models of a job beyond their paths, so that a changed model or gallery
 * is analysed again instead of deduplicated against an earlier job.
 */
export interface ModelFingerprints {
  /** sha256 of the model folder's labels.json (it records `trainedAt`, so every training differs). */
  readonly labels?: string;
  /** {@link galleryFingerprint} of the character gallery. */
  readonly gallery?: string;
}

/** Payload of an analyze job: ids, paths and parameters only; results go to disk, never into Redis. */
export interface AnalyzeJobData {
  /** Absolute path of the source. */
  readonly path: string;
  /** Absolute results folder (analysis.json, EDL, report, keyframes/). */
  readonly outDir: string;
  /** The full settings (defaults filled in), so a worker's environment cannot change the result. */
  readonly settings: AnalysisSettings;
  /** Export format names the flow's export job writes (registry names). */
  readonly formats: readonly string[];
  /** The option bag given to the exporters (`reviewBelow`, `version`, `recordStart`, ...). */
  readonly exportOptions: Readonly<Record<string, unknown>>;
  /** Absolute path of the scene classifier folder (`roughcut train --out`), when the job labels frames. */
  readonly model?: string;
  /** Character recognition (gallery path absolute, detector and threshold filled in), when asked for. */
  readonly characters?: JobCharacters;
  /** TensorFlow.js backend the job asks for; absent: the worker's choice (ROUGHCUT_TF_BACKEND, else the best that works). */
  readonly backend?: BackendName;
  /** Rough-cut rules for the EDL (applied by the analysis) and the exports (applied by the export job). */
  readonly rules?: RoughCutRules;
  /** What the models were when the job was queued; part of the key. */
  readonly fingerprints?: ModelFingerprints;
  /** sha256 of the source's content when it was queued. */
  readonly contentHash: string;
  /** The analysis key both job ids derive from. */
  readonly key: string;
  /** Set by the HTTP API to ask a running job to stop. */
  readonly cancelRequested?: boolean;
}

/** Payload of an export job: what to render from the analysis its child wrote. */
export type ExportJobData = AnalyzeJobData;

/** What an analyze job returns: paths and a small summary (the analysis itself is in `files.analysis`). */
export interface AnalyzeJobResult {
  readonly outDir: string;
  readonly files: AnalyzeOutput['files'];
  readonly shots: number;
  readonly transitions: number;
  readonly frames: number;
  readonly durationSeconds: number;
  readonly framesPerSecond: number;
}

/** What an export job (and so the whole flow) returns: the analysis result plus the exports written. */
export interface ExportJobResult extends AnalyzeJobResult {
  /** Paths of the requested exports (empty when none were asked for). */
  readonly exports: readonly string[];
}

/** One asset to analyse. */
export interface AnalysisRequest {
  /** The video; resolved to an absolute path, since a worker may run elsewhere in the tree. */
  readonly path: string;
  /** Results folder; default `roughcut-out/<file name without extension>` under the current folder. */
  readonly outDir?: string;
  /** Settings the caller gave; the rest take their defaults. */
  readonly settings?: Partial<AnalysisSettings>;
  /** Export formats beside the EDL, report and analysis.json (names, suffixes or groups, as `--format`). */
  readonly formats?: readonly string[];
  /** Option bag for the exporters. */
  readonly exportOptions?: Readonly<Record<string, unknown>>;
  /** Scene classifier folder (resolved to an absolute path); checked for labels.json. */
  readonly model?: string;
  /** Character recognition: a gallery folder (resolved), detector (`fast`), distance threshold; `{}` clusters unknown faces only. */
  readonly characters?: JobCharacters;
  /** TensorFlow.js backend; `'auto'` or absent leaves it to the worker. */
  readonly backend?: BackendName | 'auto';
  /** Rough-cut rules (as parseRules returns them) for the EDL and the exports. */
  readonly rules?: RoughCutRules;
}

/** Environment variable naming a worker's TensorFlow.js backend for jobs that leave it open (the GPU worker's compose service sets it). */
export const WORKER_BACKEND_ENV = 'ROUGHCUT_TF_BACKEND';

/**
 * The backend a job runs its models on: the one the job asks for, else the worker's
 * {@link WORKER_BACKEND_ENV}, else `'auto'` (the best that works here).
 *
 * @throws RoughcutError `BAD_ARGUMENT` when the environment names no backend.
 */
export function jobBackend(data: Pick<AnalyzeJobData, 'backend'>, env: NodeJS.ProcessEnv = process.env): NonNullable<AnalyzeOptions['backend']> {
  if (data.backend) return data.backend;
  const text = env[WORKER_BACKEND_ENV]?.trim();
  if (!text) return 'auto';
  try {
    return parseBackendName(text);
  } catch (cause) {
    throw new RoughcutError('BAD_ARGUMENT', `${WORKER_BACKEND_ENV}="${text}" is not one of auto, ${BACKENDS.join(', ')}; fix the worker's environment.`, { cause });
  }
}

/** Options of {@link enqueueAnalysis}. */
export interface EnqueueOptions {
  /** sha256 of the content when the caller already has it (the watched folder does); saves reading the file again. */
  readonly contentHash?: string;
  /** Overrides of {@link DEFAULT_JOB_OPTIONS} for both jobs of the flow (`priority`, `attempts`, ...). */
  readonly jobOptions?: Partial<JobsOptions>;
  /** Skip the local check that the path exists and is a file (the caller did it). Default false. */
  readonly skipValidation?: boolean;
  readonly signal?: AbortSignal;
}

/** What {@link enqueueAnalysis} did. */
export interface EnqueueResult {
  /** The analyze job's id: the job that reports progress and, on failure, the reason. */
  readonly jobId: string;
  /** The flow's parent, which finishes last and returns the {@link ExportJobResult}. */
  readonly exportJobId: string;
  /** True when an equal job (same content, same parameters) was already queued, running or done. */
  readonly deduplicated: boolean;
  /** BullMQ state of the analyze job now (`waiting`, `active`, `completed`, `failed`, ...). */
  readonly state: string;
  /** Where the results are (for a deduplicated job: where the first submission put them). */
  readonly outDir: string;
  /** The failure reason of a deduplicated job that failed on bad input. */
  readonly failedReason?: string;
}

/** The open queues of one Redis: enqueue with `flow`, look jobs up in `analyze` / `export`. */
export interface RoughcutQueues {
  readonly connection: QueueConnection;
  readonly analyze: Queue<AnalyzeJobData, AnalyzeJobResult>;
  readonly export: Queue<ExportJobData, ExportJobResult>;
  readonly flow: FlowProducer;
  /** Closes the queues and their connections. */
  close(): Promise<void>;
}

/** Options of {@link openQueues}. */
export interface OpenQueuesOptions {
  /** Receives Redis connection errors (they repeat while Redis is down); default silent. */
  readonly logger?: Logger;
}

/** Opens both queues and the flow producer on `connection` (producer connections: fail rather than hang). */
export function openQueues(connection: QueueConnection, options: OpenQueuesOptions = {}): RoughcutQueues {
  const logger = options.logger ?? silentLogger;
  const opts = { connection: redisOptions(connection, 'producer'), prefix: connection.prefix };
  const analyze = new Queue<AnalyzeJobData, AnalyzeJobResult>(ANALYZE_QUEUE, opts);
  const exportQueue = new Queue<ExportJobData, ExportJobResult>(EXPORT_QUEUE, opts);
  const flow = new FlowProducer(opts);
  const warn = (error: Error): void => logger.warn('redis error', { error: error.message });
  analyze.on('error', warn);
  exportQueue.on('error', warn);
  flow.on('error', warn);
  return {
    connection, analyze, export: exportQueue, flow,
    close: async () => { await Promise.allSettled([analyze.close(), exportQueue.close(), flow.close()]); },
  };
}

/** A QueueEvents stream of one queue (a blocking connection of its own; close it when done). */
export function openQueueEvents(connection: QueueConnection, kind: QueueKind, logger: Logger = silentLogger): QueueEvents {
  const events = new QueueEvents(QUEUE_NAMES[kind], { connection: redisOptions(connection, 'worker'), prefix: connection.prefix });
  events.on('error', (error: Error) => logger.warn('redis error', { error: error.message }));
  return events;
}

/** Registry names of a format list (`['markers', 'fcp7']` → `['markers-edl', 'markers-csv', 'fcp7']`). */
function formatNames(formats: readonly string[]): string[] {
  if (formats.length === 0) return [];
  const { exporters, unknown } = resolveExporters(formats.join(','));
  if (unknown.length > 0) throw new RoughcutError('BAD_ARGUMENT', `unknown export format ${unknown.map((u) => `"${u}"`).join(', ')}.`);
  return exporters.map((e) => e.name).filter((n) => !['edl', 'html', 'json'].includes(n)).sort();
}

/**
 * Queues the analysis of one file as a flow: an analyze job (child) and an export job (parent)
 * that renders the requested formats once the analysis is written. Both ids derive from the
 * sha256 of the file's content and the canonical parameters, so the same content submitted again
 * (under any name) is analysed once: the existing job is returned with `deduplicated: true`.
 * An earlier attempt that failed for a reason other than bad input is queued afresh.
 *
 * `target` is either open queues (cheap; use for many files) or a connection (opened and closed
 * around this one call).
 *
 * @throws RoughcutError `FILE_NOT_FOUND` / `NOT_A_FILE` / ... for a missing or unreadable path
 *   (the messages of `roughcut analyze`), `BAD_ARGUMENT` for unknown formats.
 */
export async function enqueueAnalysis(target: QueueConnection | RoughcutQueues, request: AnalysisRequest, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const queues = 'flow' in target ? target : openQueues(target);
  try {
    const file = path.resolve(request.path);
    if (!options.skipValidation) await validateInput(request.path);
    const formats = formatNames(request.formats ?? []);
    const settings: AnalysisSettings = { ...defaultSettings(), ...request.settings };
    const exportOptions = { ...request.exportOptions };
    const models = await jobModels(request);
    const contentHash = options.contentHash ?? await hashContent(file, options.signal);
    // Paths stay out of the key (a copied model or gallery gives the same result); what they hold is in.
    const key = analysisKey(contentHash, {
      settings, formats, exportOptions,
      model: models.fingerprints?.labels, gallery: models.fingerprints?.gallery,
      characters: models.characters ? { ...models.characters, gallery: undefined } : undefined,
      backend: models.backend, rules: models.rules,
    });
    const ids = { analyze: analyzeJobId(key), export: exportJobId(key) };

    const existing = await queues.analyze.getJob(ids.analyze);
    if (existing) {
      const state = await existing.getState();
      const inputFailure = state === 'failed' && (await jobFailure(queues, ids.analyze))?.inputError !== false;
      if (state !== 'failed' || inputFailure) {
        return {
          jobId: ids.analyze, exportJobId: ids.export, deduplicated: true, state, outDir: existing.data.outDir,
          ...(state === 'failed' ? { failedReason: existing.failedReason } : {}),
        };
      }
      // Failed for a reason that may pass now (ffmpeg killed, disk full): start over.
      await (await queues.export.getJob(ids.export))?.remove().catch(() => undefined);
      await (await queues.analyze.getJob(ids.analyze))?.remove().catch(() => undefined);
    }

    const outDir = path.resolve(request.outDir ?? path.join(DEFAULT_OUT_ROOT, path.parse(file).name.replace(/^\.+/, '') || 'video'));
    const data: AnalyzeJobData = { path: file, outDir, settings, formats, exportOptions, ...models, contentHash, key };
    const jobOptions = { ...DEFAULT_JOB_OPTIONS, ...options.jobOptions };
    await queues.flow.add({
      name: 'export', queueName: EXPORT_QUEUE, data, opts: { ...jobOptions, jobId: ids.export },
      children: [{ name: 'analyze', queueName: ANALYZE_QUEUE, data, opts: { ...jobOptions, jobId: ids.analyze, failParentOnFailure: true } }],
    });
    const added = await queues.analyze.getJob(ids.analyze);
    // Another producer may have added the same flow a moment earlier: then ours was a no-op.
    const deduplicated = added !== undefined && added.data.outDir !== outDir;
    return { jobId: ids.analyze, exportJobId: ids.export, deduplicated, state: added ? await added.getState() : 'unknown', outDir: added?.data.outDir ?? outDir };
  } finally {
    if (queues !== target) await queues.close();
  }
}

/**
 * The models of a request as a job carries them: paths absolute and checked, characters'
 * defaults filled in, `'auto'` backend and empty rules dropped, fingerprints taken.
 *
 * @throws RoughcutError `BAD_MODEL` for a folder without labels.json, `BAD_ARGUMENT` for a bad
 *   gallery, detector or threshold.
 */
async function jobModels(request: AnalysisRequest): Promise<Pick<AnalyzeJobData, 'model' | 'characters' | 'backend' | 'rules' | 'fingerprints'>> {
  const model = request.model === undefined ? undefined : path.resolve(await checkModelFolder(request.model));
  const characters = request.characters === undefined ? undefined
    : await checkCharacters({ ...request.characters, ...(request.characters.gallery === undefined ? {} : { gallery: path.resolve(request.characters.gallery) }) });
  const fingerprints: ModelFingerprints = {
    ...(model ? { labels: await modelFingerprint(model) } : {}),
    ...(characters?.gallery ? { gallery: await galleryFingerprint(characters.gallery) } : {}),
  };
  return {
    ...(model ? { model } : {}),
    ...(characters ? { characters } : {}),
    ...(request.backend && request.backend !== 'auto' ? { backend: request.backend } : {}),
    ...(request.rules && hasRules(request.rules) ? { rules: request.rules } : {}),
    ...(Object.keys(fingerprints).length > 0 ? { fingerprints } : {}),
  };
}

/**
 * sha256 of a model folder's labels.json: training writes a new one every time (with its
 * `trainedAt`), so a retrained model gets a new fingerprint. Reads one small file.
 *
 * @throws RoughcutError `BAD_MODEL` when labels.json cannot be read.
 */
export async function modelFingerprint(modelDir: string): Promise<string> {
  const file = path.join(modelDir, 'labels.json');
  try {
    return createHash('sha256').update(await fs.readFile(file)).digest('hex');
  } catch (cause) {
    throw new RoughcutError('BAD_MODEL', `${modelDir}: labels.json cannot be read (${(cause as Error).message}); train the model again with "roughcut train".`, { file, cause });
  }
}

/**
 * A cheap fingerprint of a character gallery: sha256 over the sorted list of its photos
 * (`<Name>/<file>`, hidden names skipped, as the gallery loader does) with each one's size and
 * modification time, without reading them, so adding, replacing or removing a photo (or
 * `roughcut characters name` enrolling one) changes it, and the descriptor cache does not.
 */
export async function galleryFingerprint(galleryDir: string): Promise<string> {
  const lines: string[] = [];
  const people = await fs.readdir(galleryDir, { withFileTypes: true }).catch(() => []);
  for (const person of people) {
    if (!person.isDirectory() || person.name.startsWith('.')) continue;
    const folder = path.join(galleryDir, person.name);
    for (const photo of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
      if (!photo.isFile() || photo.name.startsWith('.')) continue;
      const stat = await fs.stat(path.join(folder, photo.name)).catch(() => undefined);
      if (stat) lines.push(`${person.name}/${photo.name}\t${stat.size}\t${stat.mtimeMs}`);
    }
  }
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

async function hashContent(file: string, signal?: AbortSignal): Promise<string> {
  try {
    return await hashFileContent(file, signal);
  } catch (cause) {
    throw new RoughcutError('UNREADABLE', `${file}: cannot be read (${(cause as Error).message}); check its permissions.`, { file, cause });
  }
}

/** Prefix of the job log line the analyze worker writes when a job fails: `roughcut-error {"code":...}`. */
export const ERROR_LOG_TAG = 'roughcut-error';

/** Why a job failed: the one-sentence reason and, when the worker recorded it, the error code. */
export interface JobFailure {
  readonly reason: string;
  readonly code?: string;
  /** True when the input is at fault (exit code 2); undefined when unknown. */
  readonly inputError?: boolean;
}

/** The failure of analyze job `jobId`, or undefined when it has not failed (or does not exist). */
export async function jobFailure(queues: RoughcutQueues, jobId: string): Promise<JobFailure | undefined> {
  const job = await queues.analyze.getJob(jobId);
  if (!job || !job.failedReason) return undefined;
  const { logs } = await queues.analyze.getJobLogs(jobId, -1, -1);
  const line = logs.find((l) => l.startsWith(`${ERROR_LOG_TAG} `));
  if (!line) return { reason: job.failedReason };
  let info: { code?: string; input?: boolean } = {};
  try {
    info = JSON.parse(line.slice(ERROR_LOG_TAG.length + 1)) as typeof info;
  } catch { /* an unreadable record: the reason alone */ }
  return { reason: job.failedReason, ...(info.code ? { code: info.code } : {}), ...(typeof info.input === 'boolean' ? { inputError: info.input } : {}) };
}

/** The progress payload of an analyze job: analyzeFile's event plus a whole-job percentage. */
export interface JobProgress {
  readonly stage: ProgressEvent['stage'];
  readonly done: number;
  readonly total: number;
  /** 0-100 over the whole job. */
  readonly percent: number;
}

/** Options of {@link waitForAnalysis}. */
export interface WaitOptions {
  /** Called with each progress update of the analyze job. */
  readonly onProgress?: (progress: JobProgress) => void;
  /** Give up (rejecting) after this long; default: wait as long as it takes. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/** How a flow ended. */
export type AnalysisOutcome =
  | { readonly ok: true; readonly result: ExportJobResult }
  | ({ readonly ok: false } & JobFailure);

/**
 * Follows the flow of analyze job `jobId` until its export job finishes (at once when it already
 * has), reporting progress; resolves with the result or the analyze job's failure.
 */
export async function waitForAnalysis(queues: RoughcutQueues, jobId: string, options: WaitOptions = {}): Promise<AnalysisOutcome> {
  const key = jobId.replace(/^analyze-/, '');
  const progressEvents = openQueueEvents(queues.connection, 'analyze', options.logger);
  const exportEvents = openQueueEvents(queues.connection, 'export', options.logger);
  const onProgress = ({ jobId: id, data }: { jobId: string; data: unknown }): void => {
    if (id === jobId && typeof data === 'object' && data !== null) options.onProgress?.(data as JobProgress);
  };
  progressEvents.on('progress', onProgress);
  try {
    await Promise.all([progressEvents.waitUntilReady(), exportEvents.waitUntilReady()]);
    const parent: Job<ExportJobData, ExportJobResult> | undefined = await queues.export.getJob(exportJobId(key));
    if (!parent) throw new RoughcutError('BAD_ARGUMENT', `job ${jobId} is not in the queue (finished jobs are kept a week, failed ones 30 days).`);
    try {
      const result = await parent.waitUntilFinished(exportEvents, options.timeoutMs) as ExportJobResult;
      return { ok: true, result };
    } catch (error) {
      const failure = await jobFailure(queues, jobId);
      return { ok: false, ...(failure ?? { reason: (error as Error).message }) };
    }
  } finally {
    progressEvents.off('progress', onProgress);
    await Promise.allSettled([progressEvents.close(), exportEvents.close()]);
  }
}

/** True when `dir` holds an analysis.json (a flow whose outputs are whole). */
export async function hasAnalysis(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, 'analysis.json')).then((s) => s.isFile(), () => false);
}
