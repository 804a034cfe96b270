// The JobBackend over BullMQ: analyze jobs looked up, cancelled and followed, with the flow's export parent deciding when a job is done.
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { AnalysisRequest, CancelOutcome, JobBackend, JobEvent, JobView } from './job-backend.js';

/** What the BullMQ backend is built from; queue-backend.ts wires in the queue module. */
export interface BullmqBackendOptions {
  /** The queue whose job ids the API hands out (analyze): progress and failure come from it. */
  readonly queue: Queue;
  /** Events of `queue`; closed by close(). */
  readonly queueEvents: QueueEvents;
  /**
   * The queue of flow parents (export), when jobs are flows: a job is completed only once its
   * parent has rendered the exports, and its result is the parent's.
   */
  readonly parentQueue?: Queue;
  /** Events of `parentQueue`; closed by close(). */
  readonly parentEvents?: QueueEvents;
  /** Queues an analysis (the queue module's enqueueAnalysis on open queues). */
  readonly enqueue: (request: AnalysisRequest) => Promise<{ jobId: string; deduplicated: boolean }>;
  /** Asks the worker running `job` to abort it. */
  readonly requestCancel: (job: Job) => Promise<void>;
  /** Reads back whether a cancel was asked for `job`. */
  readonly cancelRequested?: (job: Job) => boolean;
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

/** A JobBackend on BullMQ; make one per server: it owns the QueueEvents subscriptions. */
export async function createBullmqBackend(options: BullmqBackendOptions): Promise<JobBackend> {
  const { queue, queueEvents, parentQueue, parentEvents } = options;
  const listeners = new Map<string, Set<(event: JobEvent) => void>>();
  /** Parent (export) job id → the analyze job id clients follow, for subscribed jobs. */
  const childOf = new Map<string, string>();
  const emit = (jobId: string, event: JobEvent): void => {
    for (const listener of listeners.get(jobId) ?? []) listener(event);
  };
  queueEvents.on('progress', ({ jobId, data }) => emit(jobId, { type: 'progress', data }));
  queueEvents.on('failed', ({ jobId, failedReason }) => emit(jobId, { type: 'failed', reason: failedReason }));
  queueEvents.on('removed', ({ jobId }) => emit(jobId, { type: 'removed' }));
  if (parentEvents) {
    const child = (parentId: string): string | undefined => childOf.get(parentId);
    parentEvents.on('completed', ({ jobId, returnvalue }) => { const id = child(jobId); if (id) emit(id, { type: 'completed', result: parsed(returnvalue) }); });
    parentEvents.on('failed', ({ jobId, failedReason }) => { const id = child(jobId); if (id) emit(id, { type: 'failed', reason: failedReason }); });
  } else {
    queueEvents.on('completed', ({ jobId, returnvalue }) => emit(jobId, { type: 'completed', result: parsed(returnvalue) }));
  }
  await Promise.all([queueEvents.waitUntilReady(), parentEvents?.waitUntilReady()]);

  const parentOf = async (job: Job): Promise<Job | undefined> =>
    parentQueue && job.parent?.id ? parentQueue.getJob(job.parent.id) : undefined;

  const view = async (job: Job): Promise<JobView> => {
    let state: string = await job.getState();
    let result: unknown = state === 'completed' ? parsed(job.returnvalue) : undefined;
    let failedReason = state === 'failed' ? job.failedReason : undefined;
    let finishedOn = job.finishedOn;
    const parent = await parentOf(job);
    if (parent && state === 'completed') {
      // The analysis is written; the job is done when the parent has rendered the exports.
      const parentState = await parent.getState();
      if (parentState === 'completed') result = parsed(parent.returnvalue);
      else if (parentState === 'failed') failedReason = parent.failedReason;
      state = parentState === 'completed' || parentState === 'failed' ? parentState : 'active';
      if (state === 'active') result = undefined;
      finishedOn = parent.finishedOn;
    }
    const data = (job.data ?? {}) as Record<string, unknown>;
    const outDir = text(data.outDir) ?? text((result as Record<string, unknown> | undefined)?.outDir);
    return {
      id: String(job.id), state, progress: job.progress,
      ...(text(data.path) ? { path: text(data.path) } : {}),
      ...(outDir ? { outDir } : {}),
      ...(result !== undefined ? { result } : {}),
      ...(failedReason ? { failedReason } : {}),
      ...(options.cancelRequested?.(job) ? { cancelRequested: true } : {}),
      createdAt: job.timestamp,
      ...(finishedOn && (state === 'completed' || state === 'failed') ? { finishedAt: finishedOn } : {}),
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
      const current = await view(job);
      if (current.state === 'completed' || current.state === 'failed') return 'finished';
      if (NOT_STARTED.has(current.state)) {
        try {
          // Removing the flow's parent removes the child with it, so no export runs without an analysis.
          await ((await parentOf(job)) ?? job).remove();
          return 'removed';
        } catch {
          // A worker took it between the state read and the remove (it is locked now): cancel it running.
        }
      }
      await options.requestCancel(job);
      return 'cancelling';
    },
    async subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) listeners.set(id, set = new Set());
      set.add(listener);
      const job = parentQueue ? await queue.getJob(id) : undefined;
      const parentId = job?.parent?.id;
      if (parentId) childOf.set(parentId, id);
      return () => {
        const s = listeners.get(id);
        s?.delete(listener);
        if (s && s.size === 0) {
          listeners.delete(id);
          if (parentId) childOf.delete(parentId);
        }
      };
    },
    dashboardQueues: () => [queue, ...(parentQueue ? [parentQueue] : [])],
    async close() {
      listeners.clear();
      await Promise.allSettled([queueEvents.close(), parentEvents?.close()]);
      await options.closeAll?.();
    },
  };
}
