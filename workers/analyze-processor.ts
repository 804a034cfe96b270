// The sandboxed analyze processor: BullMQ runs it in a child process, so a crash in ffmpeg or sharp takes down only that child.
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { analyzeFile, type AnalyzeOptions } from '../src/analyze.js';
import { asRoughcutError } from '../src/core/errors.js';
import type { ProgressEvent, Stage } from '../src/core/progress.js';
import { ERROR_LOG_TAG, jobBackend, type AnalyzeJobData, type AnalyzeJobResult, type JobProgress } from './queue.js';

/** Share of the whole job each stage stands for, in percent (decode dominates). */
const STAGE_WEIGHTS: Readonly<Record<Stage, number>> = { probe: 2, decode: 78, detect: 2, keyframes: 15, export: 3 };
const STAGE_ORDER: readonly Stage[] = ['probe', 'decode', 'detect', 'keyframes', 'export'];
/** Progress goes to Redis at most this often (plus at every stage change). */
const PROGRESS_INTERVAL_MS = 500;

/** Whole-job percentage of one analyzeFile progress event. */
export function jobPercent(event: Pick<ProgressEvent, 'stage' | 'done' | 'total'>): number {
  let before = 0;
  for (const stage of STAGE_ORDER) {
    if (stage === event.stage) break;
    before += STAGE_WEIGHTS[stage];
  }
  const part = event.total > 0 ? Math.min(1, event.done / event.total) : 0;
  return Math.round((before + STAGE_WEIGHTS[event.stage] * part) * 10) / 10;
}

/** The model options of a job for analyzeFile: none when it runs no model, so plain jobs load no TensorFlow.js. */
function jobModelOptions(data: AnalyzeJobData): Pick<AnalyzeOptions, 'model' | 'characters' | 'backend' | 'rules'> {
  const models = data.model !== undefined || data.characters !== undefined;
  return {
    ...(data.model !== undefined ? { model: data.model } : {}),
    ...(data.characters !== undefined ? { characters: data.characters } : {}),
    ...(models ? { backend: jobBackend(data) } : {}),
    ...(data.rules !== undefined ? { rules: data.rules } : {}),
  };
}

/**
 * Removes staging folders (`.<name>.partial-*`) that an earlier attempt of this job left beside
 * `outDir` when its worker was killed; only called on a retry, when that attempt is known dead.
 */
async function removeStaleStaging(outDir: string): Promise<void> {
  const parent = path.dirname(outDir);
  const stem = `.${path.basename(outDir)}.partial-`;
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(stem)).map((n) => fs.rm(path.join(parent, n), { recursive: true, force: true })));
}

/**
 * Analyses the job's file with `analyzeFile` into `data.outDir` (with the job's scene classifier,
 * character gallery and rough-cut rules, when it has them) and returns the paths and a small
 * summary. Bad input (and any failure not marked retryable) is thrown as BullMQ's
 * UnrecoverableError so it fails at once, with the one-sentence message as `failedReason`;
 * retryable failures are thrown plainly and retried with backoff.
 */
export async function analyzeJob(job: SandboxedJob<AnalyzeJobData, AnalyzeJobResult>, signal?: AbortSignal): Promise<AnalyzeJobResult> {
  const { data } = job;
  if ((job.attemptsStarted ?? 0) > 1 || (job.stalledCounter ?? 0) > 0) await removeStaleStaging(data.outDir);
  let lastSent = 0;
  let lastStage: Stage | undefined;
  const onProgress = (event: ProgressEvent): void => {
    const now = Date.now();
    const final = event.done >= event.total;
    if (event.stage === lastStage && !final && now - lastSent < PROGRESS_INTERVAL_MS) return;
    lastSent = now;
    lastStage = event.stage;
    const progress: JobProgress = { stage: event.stage, done: event.done, total: event.total, percent: jobPercent(event) };
    void job.updateProgress({ ...progress }).catch(() => undefined);
  };
  try {
    const out = await analyzeFile(data.path, { outDir: data.outDir, settings: data.settings, onProgress, ...jobModelOptions(data), ...(signal ? { signal } : {}) });
    const a = out.analysis;
    return {
      outDir: out.outDir, files: out.files, shots: a.shots.length, transitions: a.transitions.length,
      frames: a.source.frameCount, durationSeconds: a.source.durationSeconds, framesPerSecond: a.timing.framesPerSecond,
    };
  } catch (thrown) {
    const error = asRoughcutError(thrown, data.path);
    const fatal = error.isInputError || !error.retryable;
    await Promise.resolve(job.log(`${ERROR_LOG_TAG} ${JSON.stringify({ code: error.code, input: error.isInputError, retryable: error.retryable, stderr: error.stderr?.slice(-2000) })}`)).catch(() => undefined);
    if (fatal) throw new UnrecoverableError(error.message);
    throw new Error(error.message);
  }
}

let watchingParent = false;

/**
 * The sandbox entry BullMQ loads in its child process: {@link analyzeJob}, plus an exit when the
 * worker process dies (SIGKILL, OOM), so the child does not go on analysing for nobody while
 * another worker takes the job over.
 */
export default async function processAnalyzeJob(job: SandboxedJob<AnalyzeJobData, AnalyzeJobResult>, _token?: string, signal?: AbortSignal): Promise<AnalyzeJobResult> {
  if (!watchingParent && typeof process.send === 'function') {
    watchingParent = true;
    process.once('disconnect', () => process.exit(1));
  }
  return analyzeJob(job, signal);
}
