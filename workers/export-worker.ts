// The export worker: the parent job of each flow, rendering the requested formats from the analysis.json its child wrote.
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { asRoughcutError, RoughcutError } from '../src/core/errors.js';
import { silentLogger, type Logger } from '../src/core/logger.js';
import { resolveExporters } from '../src/export/registry.js';
import { hasRules, selectEvents } from '../src/export/rules.js';
import { loadAnalysis, writeExports } from '../src/export/write-exports.js';
import { bullWorkerOptions, type WorkerBaseOptions } from './worker-options.js';
import { EXPORT_QUEUE, type AnalyzeJobResult, type ExportJobData, type ExportJobResult } from './queue.js';

/** Options of {@link createExportWorker}. */
export interface ExportWorkerOptions extends WorkerBaseOptions {
  /** Default 2: exports are small text renders. */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

/**
 * Renders the job's formats from the analysis its analyze child returned (read back from
 * analysis.json, never from Redis) into the same results folder, with the job's rough-cut rules
 * applied (`selectEvents` → the exporters' `events`), and returns the child's result plus the
 * export paths.
 */
export async function processExportJob(job: Job<ExportJobData, ExportJobResult>): Promise<ExportJobResult> {
  const children = Object.values(await job.getChildrenValues<AnalyzeJobResult>());
  const analyzed = children[0];
  try {
    if (!analyzed) throw new RoughcutError('OUTPUT_FAILED', `${job.data.path}: the analysis of this file is missing from the queue; queue it again.`, { file: job.data.path });
    const { exporters, unknown } = resolveExporters(job.data.formats.join(','));
    if (unknown.length > 0) throw new RoughcutError('BAD_ARGUMENT', `unknown export format ${unknown.map((u) => `"${u}"`).join(', ')}.`);
    let exports: string[] = [];
    if (exporters.length > 0) {
      const analysis = await loadAnalysis(analyzed.files.analysis);
      const { rules } = job.data;
      // The same selection the analysis applied to its EDL, so every format shows one rough cut.
      const events = rules && hasRules(rules) ? selectEvents(analysis, rules) : undefined;
      exports = await writeExports(analysis, exporters, analyzed.outDir, events ? { ...job.data.exportOptions, events } : job.data.exportOptions);
    }
    return { ...analyzed, files: { ...analyzed.files, ...(exports.length > 0 ? { exports } : {}) }, exports };
  } catch (thrown) {
    const error = asRoughcutError(thrown, job.data.path);
    if (error.isInputError || !error.retryable) throw new UnrecoverableError(error.message);
    throw new Error(error.message);
  }
}

/** Starts a worker on the export queue (in-process: rendering text needs no sandbox). */
export function createExportWorker(options: ExportWorkerOptions): Worker<ExportJobData, ExportJobResult> {
  const logger = options.logger ?? silentLogger;
  const worker = new Worker<ExportJobData, ExportJobResult>(EXPORT_QUEUE, processExportJob, {
    ...bullWorkerOptions(options, 2),
  });
  worker.on('error', (error: Error) => logger.warn('redis error', { queue: EXPORT_QUEUE, error: error.message }));
  return worker;
}
