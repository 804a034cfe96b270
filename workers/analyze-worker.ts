// The analyze worker: a BullMQ Worker whose processor runs sandboxed in child processes, with long locks and stalled-job recovery.
import { Job, Worker } from 'bullmq';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../src/core/logger.js';
import { MALLOC_ENVIRONMENT } from '../src/cli/commands.js';
import { bullWorkerOptions, type WorkerBaseOptions } from './worker-options.js';
import { ANALYZE_QUEUE, type AnalyzeJobData, type AnalyzeJobResult } from './queue.js';

export { DEFAULT_LOCK_DURATION_MS, DEFAULT_MAX_STALLED_COUNT, DEFAULT_STALLED_INTERVAL_MS } from './worker-options.js';

/** Default of {@link AnalyzeWorkerOptions.cancelPollMs}. */
export const DEFAULT_CANCEL_POLL_MS = 2000;

/** Options of {@link createAnalyzeWorker}. */
export interface AnalyzeWorkerOptions extends WorkerBaseOptions {
  /** Jobs run at once, each in its own child process; default 1 (one analysis keeps about two cores busy). */
  readonly concurrency?: number;
  /**
   * Lock duration in ms; default {@link DEFAULT_LOCK_DURATION_MS}. The lock is extended every
   * half of it for as long as the job runs (the analysis runs in a child process, so the
   * worker's event loop is always free to do so): a one-hour file keeps its lock, while the job
   * of a killed worker is taken over within about lock + stalled interval.
   */
  readonly lockDurationMs?: number;
  /**
   * How often the data of the jobs in progress is checked for `cancelRequested` (set by the HTTP
   * API); a marked job is aborted (it fails as cancelled, with nothing written). Default 2000; 0: never.
   */
  readonly cancelPollMs?: number;
  /** Run the processor in this process instead of a child (for debugging); default false. */
  readonly inProcess?: boolean;
  readonly logger?: Logger;
}

/** The processor file next to this one: `.ts` when run from source (tsx), `.js` when built. */
export function analyzeProcessorFile(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./analyze-processor${ext}`, import.meta.url));
}

/**
 * Starts a worker on the analyze queue. Its processor (`analyze-processor`) runs in a child
 * process forked with this process's `execArgv` (so `node --import tsx` reaches it too).
 */
export async function createAnalyzeWorker(options: AnalyzeWorkerOptions): Promise<Worker<AnalyzeJobData, AnalyzeJobResult>> {
  const logger = options.logger ?? silentLogger;
  const inProcess = options.inProcess ? (await import('./analyze-processor.js')).analyzeJob : undefined;
  const processor = inProcess ? (job: Job<AnalyzeJobData, AnalyzeJobResult>, _token?: string, signal?: AbortSignal) => inProcess(job as never, signal) : analyzeProcessorFile();
  // The sandboxed analyses are fresh processes that inherit this environment: with glibc's mmap
  // threshold fixed and two arenas (MALLOC_ENVIRONMENT) they give freed sheet and JPEG buffers
  // back (as bin/roughcut.js arranges for `roughcut analyze`; the Docker image sets them for everything).
  if (!inProcess) for (const [name, value] of Object.entries(MALLOC_ENVIRONMENT)) process.env[name] ??= value;
  // Each analysis decodes on one ffmpeg per core (src/frames/chunked-decode.ts); several at once
  // share the cores between them instead of each taking all of them.
  const concurrency = options.concurrency ?? 1;
  if (concurrency > 1) process.env.ROUGHCUT_DECODE_PROCESSES ??= String(Math.max(1, Math.floor(os.availableParallelism() / concurrency)));
  const worker = new Worker<AnalyzeJobData, AnalyzeJobResult>(ANALYZE_QUEUE, processor, {
    ...bullWorkerOptions(options, 1),
    useWorkerThreads: false,
  });
  worker.on('error', (error: Error) => logger.warn('redis error', { queue: ANALYZE_QUEUE, error: error.message }));
  watchCancels(worker, options.cancelPollMs ?? DEFAULT_CANCEL_POLL_MS, logger);
  return worker;
}

/** Aborts jobs of `worker` whose data gets `cancelRequested: true` while they run. */
function watchCancels(worker: Worker<AnalyzeJobData, AnalyzeJobResult>, everyMs: number, logger: Logger): void {
  if (everyMs <= 0) return;
  const running = new Set<string>();
  worker.on('active', (job) => { if (job.id) running.add(job.id); });
  const forget = (job: { id?: string } | undefined): void => { if (job?.id) running.delete(job.id); };
  worker.on('completed', forget);
  worker.on('failed', forget);
  let checking = false;
  const timer = setInterval(() => {
    if (checking || running.size === 0) return;
    checking = true;
    void Promise.all([...running].map(async (id) => {
      const job = await Job.fromId<AnalyzeJobData, AnalyzeJobResult>(worker, id);
      if (job?.data.cancelRequested === true && worker.cancelJob(id, 'cancelled')) {
        running.delete(id);
        logger.info('cancel requested', { jobId: id });
      }
    })).catch(() => undefined).finally(() => { checking = false; });
  }, everyMs);
  timer.unref();
  worker.on('closed', () => clearInterval(timer));
}
