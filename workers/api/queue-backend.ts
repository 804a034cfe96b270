// Wires the API's JobBackend to the roughcut queues (workers/queue.ts): enqueueAnalysis flows, analyze/export events, the cancel mark.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Logger } from '../../src/core/logger.js';
import type { QueueConnection } from '../connection.js';
import { enqueueAnalysis, openQueueEvents, openQueues, type AnalyzeJobData } from '../queue.js';
import { createBullmqBackend } from './bullmq-backend.js';
import type { AnalysisRequest, JobBackend } from './job-backend.js';

/**
 * A results folder for a new job under `outRoot`: the file's name plus a unique suffix, so two
 * different files with the same name never share a folder. (A deduplicated job keeps the folder
 * its first submission got.)
 */
export function jobOutDir(outRoot: string, file: string): string {
  const name = path.parse(file).name.replace(/^\.+/, '') || 'video';
  return path.join(outRoot, `${name}-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`);
}

/** Opens the analyze and export queues on `connection` as the API's JobBackend; results go under `outRoot`. */
export async function openQueueBackend(connection: QueueConnection, outRoot: string, logger: Logger): Promise<JobBackend> {
  const queues = openQueues(connection, { logger });
  const analyzeEvents = openQueueEvents(connection, 'analyze', logger);
  const exportEvents = openQueueEvents(connection, 'export', logger);
  return createBullmqBackend({
    queue: queues.analyze, queueEvents: analyzeEvents,
    parentQueue: queues.export, parentEvents: exportEvents,
    enqueue: async (request: AnalysisRequest) => {
      const result = await enqueueAnalysis(queues, {
        path: request.path, outDir: jobOutDir(outRoot, request.path),
        ...(request.settings ? { settings: request.settings } : {}),
        ...(request.formats ? { formats: request.formats } : {}),
        ...request.models,
        ...(request.rules ? { rules: request.rules } : {}),
      }, { skipValidation: false });
      return { jobId: result.jobId, deduplicated: result.deduplicated };
    },
    // The analyze worker watches its job's data for this mark and aborts the analysis.
    requestCancel: async (job: Job) => { await job.updateData({ ...(job.data as AnalyzeJobData), cancelRequested: true }); },
    cancelRequested: (job: Job) => (job.data as Partial<AnalyzeJobData>).cancelRequested === true,
    closeAll: () => queues.close(),
  });
}
