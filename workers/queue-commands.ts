// `roughcut worker` and `roughcut enqueue`: the command-line shells over the queue module and its workers.
import { Option, type Command } from 'commander';
import type { Worker } from 'bullmq';
import { asRoughcutError, RoughcutError } from '../src/core/errors.js';
import { createLogger, type Logger } from '../src/core/logger.js';
import { envName, resolveSettings, SETTINGS } from '../src/core/settings.js';
import { exportOptionsFromFlags, FORMAT_NAMES, parseFormats } from '../src/cli/export-command.js';
import { EXIT, outputNames, type CommandPlugin, type Io } from '../src/cli/main.js';
import { addModelOptions, modelOptions } from '../src/cli/model-options.js';
import { addRuleOptions, parseRules, type RuleFlags } from '../src/export/rules.js';
import { createProgressReporter } from '../src/cli/progress-bar.js';
import path from 'node:path';
import { describeRedisUrl, resolveConnection, type QueueConnection } from './connection.js';
import { createAnalyzeWorker, DEFAULT_LOCK_DURATION_MS, DEFAULT_MAX_STALLED_COUNT, DEFAULT_STALLED_INTERVAL_MS } from './analyze-worker.js';
import { createExportWorker } from './export-worker.js';
import { DEFAULT_OUT_ROOT, enqueueAnalysis, jobBackend, openQueues, waitForAnalysis, type EnqueueResult, type QueueKind } from './queue.js';

/** Options of {@link runWorker}, as parsed from `roughcut worker`'s flags. */
export interface WorkerCommandOptions {
  readonly connection: QueueConnection;
  /** Queues to serve; default both. */
  readonly queues?: readonly QueueKind[];
  /** Analyze jobs at once (each in its own child process); default 1. */
  readonly concurrency?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly maxStalledCount?: number;
}

function intFlag(text: string, flag: string, min: number, max: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) throw new RoughcutError('BAD_ARGUMENT', `--${flag} must be an integer from ${min} to ${max}, got "${text}".`);
  return v;
}

function parseQueues(list: string): QueueKind[] {
  const kinds = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = kinds.filter((k) => k !== 'analyze' && k !== 'export');
  if (bad.length > 0 || kinds.length === 0) throw new RoughcutError('BAD_ARGUMENT', `--queues takes analyze, export or both (comma-separated), got "${list}".`);
  return [...new Set(kinds)] as QueueKind[];
}

/**
 * Serves the queues until `stop` resolves (default: the first SIGINT or SIGTERM), logging one JSON
 * line per event on stdout. Stopping waits for the jobs in progress and closes every connection
 * (exit code 0); a second signal stops at once, leaving the jobs to the stalled-job recovery of
 * other workers (exit code 1).
 */
export async function runWorker(options: WorkerCommandOptions, io: Io, stop?: Promise<void>): Promise<number> {
  const log = (event: string, fields: Record<string, unknown> = {}): void => {
    io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, pid: process.pid, ...fields })}\n`);
  };
  const logger: Logger = createLogger('warn', (line) => io.stdout.write(line));
  const kinds = options.queues ?? ['analyze', 'export'];
  const timing = {
    lockDurationMs: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledIntervalMs: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
  };
  const workers: Worker[] = [];
  if (kinds.includes('analyze')) workers.push(await createAnalyzeWorker({ connection: options.connection, concurrency: options.concurrency ?? 1, logger, ...timing }) as unknown as Worker);
  if (kinds.includes('export')) workers.push(createExportWorker({ connection: options.connection, logger, ...timing }) as unknown as Worker);
  for (const worker of workers) {
    const queue = worker.name;
    worker.on('active', (job) => log('active', { queue, jobId: job.id, file: (job.data as { path?: string }).path, attempt: job.attemptsStarted }));
    worker.on('completed', (job, result: { outDir?: string; shots?: number }) => log('completed', { queue, jobId: job.id, outDir: result?.outDir, shots: result?.shots }));
    worker.on('failed', (job, error) => log('failed', {
      queue, jobId: job?.id, reason: error.message, attemptsMade: job?.attemptsMade,
      final: job ? job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError' : undefined,
    }));
    worker.on('stalled', (jobId) => log('stalled', { queue, jobId }));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log('ready', { queues: workers.map((w) => w.name), redis: describeRedisUrl(options.connection.url), prefix: options.connection.prefix, concurrency: options.concurrency ?? 1, ...timing });

  let signals = 0;
  let forced = false;
  let onStop: () => void = () => {};
  const stopping = new Promise<void>((resolve) => { onStop = resolve; });
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      log('stopping', { signal, note: 'waiting for the jobs in progress; send the signal again to stop at once' });
      onStop();
    } else if (!forced) {
      forced = true;
      log('forced', { signal, note: 'stopping now; the jobs in progress are taken over by other workers once their locks expire' });
      void Promise.allSettled(workers.map((w) => w.close(true)));
    }
  };
  if (stop) void stop.then(() => onSignal('SIGTERM'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await stopping;
    await Promise.allSettled(workers.map((w) => w.close()));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  log('stopped', { forced });
  return forced ? EXIT.failed : EXIT.ok;
}

/** `roughcut worker`: serve the analyze and export queues. */
export const workerCommand: CommandPlugin = (program: Command, io: Io, setExit: (code: number) => void) => {
  program.command('worker')
    .description('serve the analysis queue: run queued analyses and exports (JSON lines on stdout); stop with SIGINT/SIGTERM, which waits for the jobs in progress')
    .option('--queues <list>', 'queues to serve: analyze, export or both', 'analyze,export')
    .option('-c, --concurrency <n>', 'analyses at once, each in its own child process', '1')
    .option('--redis <url>', `Redis to use (default: REDIS_URL, redis.url in roughcut.config.json, redis://127.0.0.1:6379)`)
    .option('--prefix <name>', 'queue key prefix, wrapped in {} for Redis Cluster (default: ROUGHCUT_QUEUE_PREFIX or "roughcut")')
    .option('--lock-duration <ms>', 'job lock in ms, renewed while the job runs; a dead worker\'s job is taken over after it expires', String(DEFAULT_LOCK_DURATION_MS))
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers, in ms', String(DEFAULT_STALLED_INTERVAL_MS))
    .option('--max-stalled <n>', 'fail a job that stalled more often than this', String(DEFAULT_MAX_STALLED_COUNT))
    .action(async (opts: { queues: string; concurrency: string; redis?: string; prefix?: string; lockDuration: string; stalledInterval: string; maxStalled: string }) => {
      try {
        // A bad ROUGHCUT_TF_BACKEND stops the worker here rather than failing every model job.
        jobBackend({});
        const options: WorkerCommandOptions = {
          connection: await resolveConnection({ ...(opts.redis ? { redis: opts.redis } : {}), ...(opts.prefix ? { prefix: opts.prefix } : {}) }),
          queues: parseQueues(opts.queues),
          concurrency: intFlag(opts.concurrency, 'concurrency', 1, 64),
          lockDurationMs: intFlag(opts.lockDuration, 'lock-duration', 1000, 3_600_000),
          stalledIntervalMs: intFlag(opts.stalledInterval, 'stalled-interval', 500, 3_600_000),
          maxStalledCount: intFlag(opts.maxStalled, 'max-stalled', 0, 100),
        };
        setExit(await runWorker(options, io));
      } catch (thrown) {
        const error = asRoughcutError(thrown);
        io.stderr.write(`roughcut: ${error.message}\n`);
        setExit(error.isInputError ? EXIT.usage : EXIT.failed);
      }
    });
};

function describeQueued(file: string, r: EnqueueResult): string {
  if (!r.deduplicated) return `${file}: queued as job ${r.jobId} -> ${r.outDir}`;
  const what = r.state === 'completed' ? 'already analysed' : r.state === 'failed' ? `already failed (${r.failedReason ?? 'see the job'})` : `already queued (${r.state})`;
  return `${file}: ${what} as job ${r.jobId} -> ${r.outDir}`;
}

/** `roughcut enqueue`: queue files for the workers, optionally waiting for their results. */
export const enqueueCommand: CommandPlugin = (program: Command, io: Io, setExit: (code: number) => void) => {
  const command = program.command('enqueue')
    .description('queue videos for the workers (the same content with the same settings, model and gallery is analysed once); --wait follows them to the end')
    .argument('<video...>', 'video files (use -- before names that start with a dash)')
    .option('-o, --out <dir>', 'output folder; each input gets <dir>/<name>/ (as seen by the workers: use shared storage)', DEFAULT_OUT_ROOT)
    .option('-f, --format <list>', `also write these exports: ${FORMAT_NAMES.join(', ')} (the EDL, report.html and analysis.json are always written)`)
    .option('--review-below <confidence>', 'transitions less confident than this become review markers in the exports (default 0.6)')
    .option('--wait', 'follow the jobs until they finish and print their results; exit code 1 when one failed, 2 when its input was bad')
    .option('--redis <url>', 'Redis to use (default: REDIS_URL, redis.url in roughcut.config.json, redis://127.0.0.1:6379)')
    .option('--prefix <name>', 'queue key prefix (default: ROUGHCUT_QUEUE_PREFIX or "roughcut")')
    .option('--json', 'one JSON line per queued job (and per result with --wait) on stdout; progress as JSON lines on stderr');
  for (const spec of Object.values(SETTINGS)) {
    command.addOption(new Option(`--${spec.flag} <value>`, `${spec.description} (default ${spec.defaultValue}; env ${envName(spec.flag)})`));
  }
  addModelOptions(command);
  addRuleOptions(command);
  command.action(async (videos: string[], opts: Record<string, string | boolean | undefined>) => {
    const json = opts.json === true;
    let queues: ReturnType<typeof openQueues> | undefined;
    try {
      const given: Record<string, string | undefined> = {};
      for (const spec of Object.values(SETTINGS)) {
        const v = opts[spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
        if (typeof v === 'string') given[spec.key] = v;
      }
      const settings = resolveSettings(given, process.env);
      const formats = typeof opts.format === 'string' ? parseFormats(opts.format).map((e) => e.name) : [];
      const exportOptions = exportOptionsFromFlags({
        reviewBelow: typeof opts.reviewBelow === 'string' ? opts.reviewBelow : undefined,
        recordStart: settings.recordStart === 'auto' ? undefined : settings.recordStart,
      });
      // Checked here, before anything is queued: a bad model folder is exit 2 with nothing queued.
      const models = await modelOptions(opts);
      const rules = parseRules(opts as RuleFlags);
      const connection = await resolveConnection({
        ...(typeof opts.redis === 'string' ? { redis: opts.redis } : {}), ...(typeof opts.prefix === 'string' ? { prefix: opts.prefix } : {}),
      });
      queues = openQueues(connection);
      const names = outputNames(videos);
      const queued: { file: string; result: EnqueueResult }[] = [];
      let inputErrors = 0;
      let failures = 0;
      for (const [i, video] of videos.entries()) {
        try {
          const result = await enqueueAnalysis(queues, { path: video, outDir: path.join(String(opts.out), names[i]!), settings, formats, exportOptions, ...models, rules });
          queued.push({ file: video, result });
          io.stdout.write(json ? `${JSON.stringify({ type: 'queued', file: video, ...result })}\n` : `${describeQueued(video, result)}\n`);
        } catch (thrown) {
          const error = asRoughcutError(thrown, video);
          if (!error.isInputError) throw error;
          inputErrors += 1;
          if (json) io.stdout.write(`${JSON.stringify({ type: 'result', file: video, ok: false, code: error.code, error: error.message })}\n`);
          io.stderr.write(`roughcut: ${error.message}\n`);
        }
      }
      if (opts.wait === true) {
        const progress = createProgressReporter(json ? 'json' : io.stderr.isTTY ? 'bar' : 'none', io.stderr);
        for (const { file, result } of queued) {
          const outcome = await waitForAnalysis(queues, result.jobId, { onProgress: (p) => progress.onProgress({ file, stage: p.stage, done: p.done, total: p.total }) });
          progress.done();
          if (outcome.ok) {
            const r = outcome.result;
            if (json) io.stdout.write(`${JSON.stringify({ type: 'result', file, ok: true, jobId: result.jobId, ...r })}\n`);
            else io.stdout.write(`${file}: ${r.shots} shots, ${r.transitions} transitions, ${r.frames} frames -> ${r.outDir}\n${[r.files.analysis, r.files.edl, r.files.report, ...r.exports].map((f) => `  ${f}\n`).join('')}`);
          } else {
            if (outcome.inputError === true) inputErrors += 1;
            else failures += 1;
            if (json) io.stdout.write(`${JSON.stringify({ type: 'result', file, ok: false, jobId: result.jobId, code: outcome.code, error: outcome.reason })}\n`);
            io.stderr.write(`roughcut: ${outcome.reason}\n`);
          }
        }
      }
      setExit(failures > 0 ? EXIT.failed : inputErrors > 0 ? EXIT.usage : EXIT.ok);
    } catch (thrown) {
      const error = asRoughcutError(thrown);
      io.stderr.write(`roughcut: ${error.message}\n`);
      setExit(error.isInputError ? EXIT.usage : EXIT.failed);
    } finally {
      await queues?.close();
    }
  });
};

/** Both queue commands, for workers/cli-commands.ts. */
export const queueCommands: readonly CommandPlugin[] = [workerCommand, enqueueCommand];
