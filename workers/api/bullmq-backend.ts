// The JobBackend over BullMQ: job lookup and cancel on the analysis queue, one shared QueueEvents fanned out to per-job listeners.
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { AnalysisRequest, CancelOutcome, JobBackend, JobEvent, JobView } from './job-backend.js';

/** What the BullMQ backend is built from; the serve command wires in the queue module. */
export interface BullmqBackendOptions {
  /** The analysis queue (jobs are looked up and removed here). */
  readonly queue: Queue;
  /** Events of the same queue; the backend starts listening and closes it on close(). */
  readonly queueEvents: QueueEvents;
  /** Queues an analysis (the queue module's enqueueAnalysis, bound to its connection). */
  readonly enqueue: (request: AnalysisRequest) => Promise<{ jobId: string; deduplicated: boolean }>;
  /** Asks the worker running `job` to abort it (the queue module's cancel mark). */
  readonly requestCancel: (job: Job) => Promise<void>;
  /** Reads back whether a cancel was asked for `job`. */
  readonly cancelRequested?: (job: Job) => Promise<boolean>;
  /** More queues for the dashboard (the export queue). */
  readonly extraQueues?: readonly Queue[];
  /** Closes the queues and connections handed in, on close(). */
  readonly closeAll?: () => Promise<void>;
}

/** States in which a job has not started yet and can simply be removed. */
const NOT_STARTED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A JobBackend on BullMQ; call it once per server, it owns one QueueEvents subscription. */
export async function createBullmqBackend(options: BullmqBackendOptions): Promise<JobBackend> {
  const { queue, queueEvents } = options;
  const listeners = new Map<string, Set<(event: JobEvent) => void>>();
  const emit = (jobId: string, event: JobEvent): void => {
    for (const listener of listeners.get(jobId) ?? []) listener(event);
  };
  queueEvents.on('progress', ({ jobId, data }) => emit(jobId, { type: 'progress', data }));
  queueEvents.on('completed', ({ jobId, returnvalue }) => emit(jobId, { type: 'completed', result: parsed(returnvalue) }));
  queueEvents.on('failed', ({ jobId, failedReason }) => emit(jobId, { type: 'failed', reason: failedReason }));
  queueEvents.on('removed', ({ jobId }) => emit(jobId, { type: 'removed' }));
  await queueEvents.waitUntilReady();

  const view = async (job: Job): Promise<JobView> => {
    const state = await job.getState();
    const data = (job.data ?? {}) as Record<string, unknown>;
    const result = state === 'completed' ? parsed(job.returnvalue) : undefined;
    const outDir = text(data.outDir) ?? text((result as Record<string, unknown> | undefined)?.outDir);
    const cancel = options.cancelRequested ? await options.cancelRequested(job) : false;
    return {
      id: String(job.id), state, progress: job.progress,
      ...(text(data.path) ? { path: text(data.path) } : {}),
      ...(outDir ? { outDir } : {}),
      ...(result !== undefined ? { result } : {}),
      ...(state === 'failed' && job.failedReason ? { failedReason: job.failedReason } : {}),
      ...(cancel ? { cancelRequested: true } : {}),
      createdAt: job.timestamp,
      ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
    };
  };

  return {
    create: (request) => options.enqueue(request),
    async get(id) {
      const job = await queue.getJob(id);
      return job ? view(job) : undefined;
    },
    async cancel(id): Promise<CancelOutcome> {
      const job = await queue.getJob(id);
      if (!job) return 'missing';
      const state = await job.getState();
      if (NOT_STARTED.has(state)) {
        try {
          await job.remove();
          return 'removed';
        } catch {
          // A worker took it between getState and remove (it is locked now): cancel it running.
        }
      }
      if (state === 'completed' || state === 'failed') return 'finished';
      await options.requestCancel(job);
      return 'cancelling';
    },
    async subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) listeners.set(id, set = new Set());
      set.add(listener);
      return () => {
        const s = listeners.get(id);
        s?.delete(listener);
        if (s && s.size === 0) listeners.delete(id);
      };
    },
    dashboardQueues: () => [queue, ...(options.extraQueues ?? [])],
    async close() {
      listeners.clear();
      await queueEvents.close();
      await options.closeAll?.();
    },
  };
}
