// Wires the API's JobBackend to the analysis queue in Redis: connection, queues, QueueEvents, enqueue and the cancel mark.
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Logger } from '../../src/core/logger.js';
import { createBullmqBackend } from './bullmq-backend.js';
import type { AnalysisRequest, JobBackend } from './job-backend.js';

// PROVISIONAL until workers/queue.ts and workers/connection.ts land: the same names and defaults
// they are expected to export (queue names, REDIS_URL, Cluster-safe prefix, enqueueAnalysis).
const ANALYZE_QUEUE = 'roughcut-analyze';
const EXPORT_QUEUE = 'roughcut-export';
const prefix = (): string => process.env.ROUGHCUT_QUEUE_PREFIX ? `{${process.env.ROUGHCUT_QUEUE_PREFIX}}` : '{roughcut}';

/** Opens the analysis and export queues on `redisUrl` (default REDIS_URL, else localhost) as a JobBackend. */
export async function openQueueBackend(redisUrl: string | undefined, logger: Logger): Promise<JobBackend> {
  const connection = { url: redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', maxRetriesPerRequest: null };
  const opts = { connection, prefix: prefix() };
  const queue = new Queue(ANALYZE_QUEUE, opts);
  const exportQueue = new Queue(EXPORT_QUEUE, opts);
  const queueEvents = new QueueEvents(ANALYZE_QUEUE, opts);
  const warn = (error: Error): void => logger.warn('redis error', { error: error.message });
  queue.on('error', warn);
  exportQueue.on('error', warn);
  queueEvents.on('error', warn);
  return createBullmqBackend({
    queue, queueEvents, extraQueues: [exportQueue],
    enqueue: async (request: AnalysisRequest) => {
      const job = await queue.add('analyze', { path: request.path, settings: request.settings ?? {}, formats: request.formats ?? [] });
      return { jobId: String(job.id), deduplicated: false };
    },
    requestCancel: async (job: Job) => { await job.updateData({ ...job.data, cancelRequested: true }); },
    cancelRequested: async (job: Job) => (job.data as { cancelRequested?: unknown }).cancelRequested === true,
    closeAll: async () => { await Promise.all([queue.close(), exportQueue.close()]); },
  });
}
