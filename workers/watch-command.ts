// `roughcut watch <dir>`: the watched folder, analysing in-process or feeding the queue with --redis; stops on SIGINT/SIGTERM.
import { Option, type Command } from 'commander';
import path from 'node:path';
import { asRoughcutError, RoughcutError } from '../src/core/errors.js';
import { createLogger, silentLogger, type Logger, type LogLevel } from '../src/core/logger.js';
import { envName, resolveSettings, SETTINGS, type AnalysisSettings } from '../src/core/settings.js';
import { exportOptionsFromFlags, FORMAT_NAMES, parseFormats } from '../src/cli/export-command.js';
import { EXIT, type CommandPlugin, type Io } from '../src/cli/main.js';
import { addModelOptions, modelOptions, type ModelOptions } from '../src/cli/model-options.js';
import { addRuleOptions, hasRules, parseRules, type RoughCutRules, type RuleFlags } from '../src/export/rules.js';
import { createWatcher, DEFAULT_POLL_INTERVAL_MS, DEFAULT_WATCH_SETTLE_MS, type WatchEvent, type WatchSubmit } from '../src/ingest/watch.js';

/** The options of `roughcut watch`, as parsed from its flags. */
export interface WatchCommandOptions {
  readonly dir: string;
  /** Feed the queue on this Redis instead of analysing in-process. */
  readonly redisUrl?: string;
  /** Output tree mirroring the watched folder; undefined: beside each source. */
  readonly outDir?: string;
  readonly moveSources: boolean;
  readonly settleMs: number;
  readonly pollIntervalMs?: number;
  readonly json: boolean;
  readonly logLevel: LogLevel | 'silent';
  readonly settings: AnalysisSettings;
  /** Export format names beside the EDL, report and analysis.json. */
  readonly formats: readonly string[];
  readonly reviewBelow?: string;
  /** Scene classifier, characters and backend (checked by {@link watchModelOptions}); absent: none. */
  readonly models?: ModelOptions;
  /** Rough-cut rules for the EDL and exports; absent: one event per shot. */
  readonly rules?: RoughCutRules;
}

/**
 * Opens the queue for `--redis` and returns the submit function that queues one file, plus a
 * close. Tests and the queue module pass their own.
 */
export type QueueSubmitterOpener = (redisUrl: string, options: WatchCommandOptions, logger: Logger) => Promise<{ submit: WatchSubmit; close(): Promise<void> }>;

function numberFlag(text: string, flag: string, min: number, max: number): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || v > max) throw new RoughcutError('BAD_ARGUMENT', `--${flag} must be a number from ${min} to ${max}, got "${text}".`);
  return v;
}

/** Reads watch's flags (settings flags fall back to their ROUGHCUT_* environment variables). */
export function watchCommandOptions(dir: string, opts: Record<string, unknown>, env: NodeJS.ProcessEnv): WatchCommandOptions {
  if (typeof opts.out === 'string' && opts.beside === true) {
    throw new RoughcutError('BAD_ARGUMENT', 'choose one of --out DIR (an output tree mirroring the watched folder) and --beside (results beside each file).');
  }
  const given: Record<string, string | undefined> = {};
  for (const spec of Object.values(SETTINGS)) {
    const v = opts[spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (typeof v === 'string') given[spec.key] = v;
  }
  const logLevel = String(opts.logLevel ?? 'silent');
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw new RoughcutError('BAD_ARGUMENT', `--log-level must be debug, info, warn, error or silent, got "${logLevel}".`);
  const formats = typeof opts.format === 'string' ? parseFormats(opts.format).map((e) => e.name) : [];
  const rules = parseRules(opts as RuleFlags);
  return {
    dir,
    ...(typeof opts.redis === 'string' ? { redisUrl: opts.redis } : {}),
    ...(typeof opts.out === 'string' ? { outDir: opts.out } : {}),
    moveSources: opts.doneDir === true,
    settleMs: opts.settle === undefined ? DEFAULT_WATCH_SETTLE_MS : Math.round(numberFlag(String(opts.settle), 'settle', 0, 3600) * 1000),
    ...(opts.poll === undefined ? {} : { pollIntervalMs: opts.poll === true ? DEFAULT_POLL_INTERVAL_MS : numberFlag(String(opts.poll), 'poll', 10, 600_000) }),
    json: opts.json === true,
    logLevel: logLevel as LogLevel | 'silent',
    settings: resolveSettings(given, env),
    formats,
    ...(typeof opts.reviewBelow === 'string' ? { reviewBelow: opts.reviewBelow } : {}),
    ...(hasRules(rules) ? { rules } : {}),
  };
}

/**
 * Reads watch's model flags (`--model`, `--characters`, `--face-detector`, `--face-threshold`,
 * `--backend`) as `roughcut analyze` does, checking the folders once before watching starts.
 * Undefined when neither a model nor a gallery is given.
 *
 * @throws RoughcutError `BAD_MODEL` / `BAD_ARGUMENT`, as {@link modelOptions}.
 */
export async function watchModelOptions(opts: Record<string, unknown>): Promise<ModelOptions | undefined> {
  const models = await modelOptions(opts);
  return models.model !== undefined || models.characters !== undefined ? models : undefined;
}

/**
 * The `--redis` mode: files are queued with the queue module's `enqueueAnalysis` (one flow per
 * content; the watcher's hash is reused, so the file is read once) for the workers to analyse.
 * Loaded lazily so the other commands do not load BullMQ.
 */
export const openQueueSubmitter: QueueSubmitterOpener = async (redisUrl, options, logger) => {
  const [{ describeRedisUrl, resolveConnection }, { enqueueAnalysis, openQueues }] = await Promise.all([import('./connection.js'), import('./queue.js')]);
  const queues = openQueues(await resolveConnection({ redis: redisUrl }), { logger });
  const exportOptions = exportOptionsFromFlags({ reviewBelow: options.reviewBelow, recordStart: options.settings.recordStart === 'auto' ? undefined : options.settings.recordStart });
  return {
    submit: async (job) => {
      let queued: Awaited<ReturnType<typeof enqueueAnalysis>>;
      try {
        queued = await enqueueAnalysis(queues, {
          path: job.file, outDir: job.outDir, settings: options.settings, formats: options.formats, exportOptions,
          ...options.models, ...(options.rules ? { rules: options.rules } : {}),
        }, { contentHash: job.hash, skipValidation: true, signal: job.signal });
      } catch (thrown) {
        if (thrown instanceof RoughcutError || job.signal.aborted) throw thrown;
        // Redis unreachable or refusing: the watcher tries the file again later.
        throw new RoughcutError('OUTPUT_FAILED', `${job.file}: could not be queued on ${describeRedisUrl(redisUrl)} (${(thrown as Error).message}); check that Redis is running and reachable; the file is tried again.`,
          { file: job.file, retryable: true, cause: thrown });
      }
      return {
        outDir: queued.outDir, jobId: queued.jobId,
        summary: { deduplicated: queued.deduplicated, state: queued.state, ...(queued.failedReason ? { failedReason: queued.failedReason } : {}) },
      };
    },
    close: () => queues.close(),
  };
};

/** One line for a person, or undefined for events only JSON output shows. */
function describe(event: WatchEvent): { line: string; stream: 'stdout' | 'stderr' } | undefined {
  switch (event.type) {
    case 'ready': return { line: `watching ${event.dir} (${event.polling ? 'polling' : 'file events'}, settle ${event.settleMs / 1000} s); stop with Ctrl-C`, stream: 'stderr' };
    case 'result': {
      const s = event.summary as { shots?: number; transitions?: number } | undefined;
      const what = event.jobId !== undefined ? `${event.summary?.deduplicated === true ? 'already queued' : 'queued'} as job ${event.jobId}`
        : `${s?.shots ?? '?'} shots, ${s?.transitions ?? '?'} transitions`;
      return { line: `${event.file}: ${what} -> ${event.outDir}${event.movedTo ? ` (source moved to ${event.movedTo})` : ''}`, stream: 'stdout' };
    }
    case 'failed': return { line: `roughcut: ${event.error}${event.movedTo ? ` (moved to ${event.movedTo})` : ''}`, stream: 'stderr' };
    case 'skipped': return { line: `${event.file}: skipped, ${event.reason}`, stream: 'stderr' };
    case 'aborted': return { line: `${event.file}: stopped before it finished; it is taken again on the next start`, stream: 'stderr' };
    default: return undefined;
  }
}

/**
 * Runs the watched folder until `stop` resolves (default: SIGINT or SIGTERM), then stops it,
 * aborting the file in progress so no half output is left. Returns the exit code.
 */
export async function runWatch(options: WatchCommandOptions, io: Io, openQueue: QueueSubmitterOpener = openQueueSubmitter, stop?: Promise<void>): Promise<number> {
  const logger = options.logLevel === 'silent' ? silentLogger : createLogger(options.logLevel, (line) => io.stderr.write(line));
  let queue: { submit: WatchSubmit; close(): Promise<void> } | undefined;
  if (options.redisUrl !== undefined) {
    if (options.moveSources) {
      throw new RoughcutError('BAD_ARGUMENT', '--done-dir cannot be used with --redis: a worker reads the file later from where it was dropped; leave sources in place or watch without --redis.');
    }
    queue = await openQueue(options.redisUrl, options, logger);
  }
  const onEvent = (event: WatchEvent): void => {
    if (options.json) {
      (event.type === 'progress' ? io.stderr : io.stdout).write(`${JSON.stringify(event)}\n`);
      return;
    }
    const text = describe(event);
    if (text) io[text.stream].write(`${text.line}\n`);
  };
  const exports = options.formats.length > 0 ? parseFormats(options.formats.join(',')) : [];
  const stopped = new AbortController();
  const onSignal = (): void => stopped.abort();
  try {
    const watcher = await createWatcher({
      dir: options.dir, settleMs: options.settleMs, pollIntervalMs: options.pollIntervalMs, outDir: options.outDir,
      moveSources: options.moveSources, settings: options.settings, exports,
      exportOptions: exportOptionsFromFlags({ reviewBelow: options.reviewBelow, recordStart: options.settings.recordStart === 'auto' ? undefined : options.settings.recordStart }),
      onEvent, logger, signal: stopped.signal, ...(queue ? { submit: queue.submit, resubmitKnown: true } : {}),
      analyzeOptions: { ...options.models, ...(options.rules ? { rules: options.rules } : {}) },
    });
    if (stop) void stop.then(onSignal);
    else {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    await watcher.closed;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await queue?.close();
  }
  return EXIT.ok;
}

/** Registers `roughcut watch` on the program; `openQueue` wires `--redis` to the queue module. */
export function watchCommandWith(openQueue: QueueSubmitterOpener = openQueueSubmitter): CommandPlugin {
  return (program: Command, io: Io, setExit: (code: number) => void) => {
    const command = program.command('watch')
      .description('watch a folder: analyse every complete video dropped into it (whole folders once quiet), in-process or by queueing it with --redis')
      .argument('<dir>', 'the folder to watch')
      .option('--redis <url>', 'queue each file on this Redis for the workers instead of analysing it here')
      .option('-o, --out <dir>', 'write results into an output tree mirroring the watched folder (<dir>/<sub-folders>/<name>/)')
      .option('--beside', 'write results beside each file, in <name>.roughcut/ (the default)')
      .option('--done-dir', 'move each source into done/ or failed/ inside the watched folder once handled (failed ones with <name>.error.txt)')
      .option('--settle <seconds>', `how long a file's size and modification time must stay unchanged before it is taken (default ${DEFAULT_WATCH_SETTLE_MS / 1000})`)
      .option('--poll [ms]', `poll the folder every ms milliseconds instead of using file events, for network shares (default ${DEFAULT_POLL_INTERVAL_MS})`)
      .option('-f, --format <list>', `also write these exports: ${FORMAT_NAMES.join(', ')}`)
      .option('--review-below <confidence>', 'transitions less confident than this become review markers in the exports (default 0.6)')
      .option('--json', 'events as JSON lines on stdout (progress on stderr)')
      .option('--log-level <level>', 'structured log on stderr: debug, info, warn, error, silent', 'silent');
    for (const spec of Object.values(SETTINGS)) {
      command.addOption(new Option(`--${spec.flag} <value>`, `${spec.description} (default ${spec.defaultValue}; env ${envName(spec.flag)})`));
    }
    addModelOptions(command);
    addRuleOptions(command);
    command.action(async (dir: string, opts: Record<string, unknown>) => {
      try {
        const options = watchCommandOptions(path.normalize(dir), opts, process.env);
        const models = await watchModelOptions(opts);
        setExit(await runWatch({ ...options, ...(models ? { models } : {}) }, io, openQueue));
      } catch (thrown) {
        const error = asRoughcutError(thrown, dir);
        io.stderr.write(`roughcut watch: ${error.message}\n`);
        setExit(error.isInputError ? EXIT.usage : EXIT.failed);
      }
    });
  };
}

/** `roughcut watch`, as bin/roughcut.js adds it. */
export const watchCommand: CommandPlugin = watchCommandWith();
