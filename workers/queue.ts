// The roughcut queues: names, job payloads, default job options and enqueueAnalysis (one BullMQ flow per asset).
import { FlowProducer, Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AnalyzeOutput } from '../src/analyze.js';
import { RoughcutError } from '../src/core/errors.js';
import { silentLogger, type Logger } from '../src/core/logger.js';
import type { ProgressEvent } from '../src/core/progress.js';
import { defaultSettings, type AnalysisSettings } from '../src/core/settings.js';
import { resolveExporters } from '../src/export/registry.js';
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
    const contentHash = options.contentHash ?? await hashContent(file, options.signal);
    const key = analysisKey(contentHash, { settings, formats, exportOptions });
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
    const data: AnalyzeJobData = { path: file, outDir, settings, formats, exportOptions, contentHash, key };
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
