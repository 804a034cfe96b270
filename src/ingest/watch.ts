// The watched folder: takes complete videos (and whole dropped folders) as they arrive and hands each to analysis once.
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { analyzeFile, type AnalyzeOptions } from '../analyze.js';
import { asRoughcutError, RoughcutError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { ProgressCallback, ProgressEvent } from '../core/progress.js';
import type { AnalysisSettings } from '../core/settings.js';
import type { Exporter } from '../export/exporter.js';
import { validateInput } from './validate.js';
import {
  DONE_FOLDER, FAILED_FOLDER, groupOf, isOwnFolderPath, isVideoCandidate, resultsDirFor, STATE_FOLDER,
} from './watch-rules.js';
import { hashFile, WatchState, type WatchRecord } from './watch-state.js';

/** Default quiet time before a file counts as complete. */
export const DEFAULT_WATCH_SETTLE_MS = 5000;
/** Longest wait before a file that failed for a passing reason is tried again. */
const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** Default stat interval of polling mode. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;

/** One complete file handed to {@link WatchOptions.submit}. */
export interface WatchJob {
  /** Absolute path of the source. */
  readonly file: string;
  /** Its path relative to the watched folder. */
  readonly relative: string;
  /** sha256 of its content. */
  readonly hash: string;
  /** Where its results go (beside it, or in the mirrored output tree). */
  readonly outDir: string;
  /** Fires when the watcher stops; an in-process analysis aborts and writes nothing. */
  readonly signal: AbortSignal;
  readonly onProgress: ProgressCallback;
}

/** What a submit function reports back; any extra fields are passed on in the `result` event. */
export interface WatchSubmitResult {
  /** The results folder, when it is already written. */
  readonly outDir?: string;
  /** The queue job, when the file was queued rather than analysed here. */
  readonly jobId?: string;
  /** Small JSON-serialisable facts for the `result` event (shots, transitions, ...). */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** Handles one complete file: analyse it in-process (the default) or queue it. Throw to fail it. */
export type WatchSubmit = (job: WatchJob) => Promise<WatchSubmitResult>;

/** What the watcher reports, one JSON-serialisable object per event (the CLI prints them as JSON lines). */
export type WatchEvent =
  | { readonly type: 'ready'; readonly dir: string; readonly polling: boolean; readonly settleMs: number }
  | { readonly type: 'taken'; readonly file: string; readonly group: string }
  | ({ readonly type: 'progress' } & ProgressEvent)
  | { readonly type: 'result'; readonly file: string; readonly ok: true; readonly hash: string; readonly outDir: string; readonly jobId?: string; readonly movedTo?: string; readonly summary?: Readonly<Record<string, unknown>> }
  | { readonly type: 'failed'; readonly file: string; readonly ok: false; readonly code: string; readonly error: string; readonly hash?: string; readonly movedTo?: string; readonly retrying?: boolean }
  | { readonly type: 'skipped'; readonly file: string; readonly hash: string; readonly reason: string; readonly movedTo?: string }
  /** The file in progress when the watcher stopped: nothing was written or recorded for it. */
  | { readonly type: 'aborted'; readonly file: string }
  /** The watcher has stopped; `pending` files were seen but not handled and are taken on the next start. */
  | { readonly type: 'stopped'; readonly pending: number };

/** Options of {@link createWatcher}. */
export interface WatchOptions {
  /** The folder to watch (created files and folders anywhere below it). */
  readonly dir: string;
  /** How long size and modification time must stay unchanged before a file is taken. Default {@link DEFAULT_WATCH_SETTLE_MS}. */
  readonly settleMs?: number;
  /**
   * Poll with `stat` every this many ms instead of relying on file-system events (network shares,
   * where events do not arrive). Default: events.
   */
  readonly pollIntervalMs?: number;
  /** Results go to this output tree mirroring the watched folder; default: beside each source in `<stem>.roughcut/`. */
  readonly outDir?: string;
  /** Move each source into `done/` or `failed/` (inside the watched folder) once handled; default: leave it in place. */
  readonly moveSources?: boolean;
  /** What to do with a complete file; default: {@link analyzeFile} in-process with `settings` and `exports`. */
  readonly submit?: WatchSubmit;
  /**
   * Hand files whose content the state file already knows to `submit` again instead of skipping
   * them. For queue mode, where the queue deduplicates by content and re-queues a job that failed
   * for a reason that may pass. Default false.
   */
  readonly resubmitKnown?: boolean;
  /** Settings of the in-process analysis. */
  readonly settings?: Partial<AnalysisSettings>;
  /** More formats for the in-process analysis to write. */
  readonly exports?: readonly Exporter[];
  readonly exportOptions?: object;
  /**
   * Scene classifier, characters, backend and rough-cut rules of the in-process analysis.
   * The state file knows files by content only: a file done before a model changed is not
   * analysed again (queue mode deduplicates by model too).
   */
  readonly analyzeOptions?: Pick<AnalyzeOptions, 'model' | 'characters' | 'backend' | 'rules'>;
  /** Receives every {@link WatchEvent}. */
  readonly onEvent?: (event: WatchEvent) => void;
  readonly logger?: Logger;
  /** Stops the watcher (as {@link Watcher.close}) when it fires. */
  readonly signal?: AbortSignal;
}

/** A running watched folder. */
export interface Watcher {
  /** The state file remembering what was done (`<dir>/.roughcut/state.json`). */
  readonly stateFile: string;
  /** Resolves once the watcher has stopped (after {@link Watcher.close} or the signal). */
  readonly closed: Promise<void>;
  /**
   * Stops watching and aborts the file in progress (its outputs are staged, so none are left
   * half-written; it is not recorded, so it is taken again on the next start).
   */
  close(): Promise<void>;
}

interface Tracked {
  size: number;
  mtimeMs: number;
  /** When its size or mtime last changed, or it appeared. */
  changedAt: number;
}

interface Queued {
  readonly file: string;
  readonly relative: string;
  readonly group: string;
}

/**
 * Watches `options.dir` and hands every complete video to `options.submit` (in-process analysis
 * by default), once per content. A file is complete when its size and modification time have not
 * changed for `settleMs` and it can be read; a folder dropped into the watched folder is taken
 * whole once every file in it is quiet. Temporary, hidden and non-video files, and roughcut's own
 * folders, are ignored. Files already there are picked up at start. Failures are reported as
 * events and never stop the watcher. Resolves once the initial scan is done and the folder is
 * being watched.
 */
export async function createWatcher(options: WatchOptions): Promise<Watcher> {
  const logger = options.logger ?? silentLogger;
  const dir = path.resolve(options.dir);
  await checkFolder(options.dir, dir);
  const settleMs = Math.max(0, options.settleMs ?? DEFAULT_WATCH_SETTLE_MS);
  const polling = options.pollIntervalMs !== undefined;
  const outTree = options.outDir === undefined ? undefined : path.resolve(options.outDir);
  const outTreeRelative = outTree !== undefined && isInside(dir, outTree) ? path.relative(dir, outTree) : undefined;
  const stateFile = path.join(dir, STATE_FOLDER, 'state.json');
  const state = await WatchState.load(stateFile, logger);
  const emit = (event: WatchEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      logger.error('watch event listener threw', { error: (error as Error).message });
    }
  };
  const submit: WatchSubmit = options.submit ?? inProcessSubmit(options, logger);

  const stopper = new AbortController();
  const tracked = new Map<string, Tracked>();
  /** Last time something was added to or removed from each group. */
  const groupActivity = new Map<string, number>();
  /** Size and mtime of files already taken, so a repeated event for an unchanged file does nothing. */
  const taken = new Map<string, { size: number; mtimeMs: number }>();
  const queue: Queued[] = [];
  let wake: (() => void) | undefined;
  let ticking = false;
  /** Retryable failures so far per file, for the backoff; timers of the retries waiting. */
  const retries = new Map<string, number>();
  const retryTimers = new Set<NodeJS.Timeout>();

  const relativeOf = (p: string): string => path.relative(dir, path.resolve(p));
  const note = (p: string, stats: Stats | undefined): void => {
    if (stopper.signal.aborted) return;
    const abs = path.resolve(p);
    const rel = relativeOf(abs);
    if (rel === '' || rel.startsWith('..')) return;
    const group = groupOf(rel);
    // Loose files at the top are taken one by one; only videos matter there.
    if (group === rel && !isVideoCandidate(path.basename(rel))) return;
    const size = stats?.size ?? -1;
    const mtimeMs = stats?.mtimeMs ?? -1;
    const before = taken.get(abs);
    if (before && before.size === size && before.mtimeMs === mtimeMs) return;
    taken.delete(abs);
    tracked.set(abs, { size, mtimeMs, changedAt: Date.now() });
    groupActivity.set(group, Date.now());
  };
  const forget = (p: string): void => {
    const abs = path.resolve(p);
    taken.delete(abs);
    if (tracked.delete(abs)) groupActivity.set(groupOf(relativeOf(abs)), Date.now());
  };

  /** Takes a file that failed for a reason that may pass (still growing, queue unreachable) again later, backing off. */
  const retryLater = (file: string): void => {
    const attempt = (retries.get(file) ?? 0) + 1;
    retries.set(file, attempt);
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      taken.delete(file);
      fs.stat(file).then((s) => note(file, s), () => undefined);
    }, Math.min(MAX_RETRY_DELAY_MS, Math.max(settleMs, 1000) * 2 ** (attempt - 1)));
    retryTimers.add(timer);
  };

  /** Re-stats every tracked file and moves the groups that have been quiet for settleMs to the work queue. */
  const tick = async (): Promise<void> => {
    if (ticking || stopper.signal.aborted) return;
    ticking = true;
    try {
      const now = Date.now();
      await Promise.all([...tracked].map(async ([file, t]) => {
        try {
          const s = await fs.stat(file);
          if (s.size !== t.size || s.mtimeMs !== t.mtimeMs) Object.assign(t, { size: s.size, mtimeMs: s.mtimeMs, changedAt: now });
        } catch {
          forget(file);
        }
      }));
      const groups = new Map<string, { quiet: boolean; files: string[] }>();
      for (const [file, t] of tracked) {
        const group = groupOf(relativeOf(file));
        const members = groups.get(group) ?? { quiet: true, files: [] };
        members.quiet &&= now - t.changedAt >= settleMs;
        members.files.push(file);
        groups.set(group, members);
      }
      for (const [group, { quiet, files: members }] of groups) {
        // The whole group waits for its last file, and for settleMs after the last file appeared or went.
        if (!quiet || now - (groupActivity.get(group) ?? 0) < settleMs) continue;
        for (const m of members.sort()) {
          const t = tracked.get(m)!;
          tracked.delete(m);
          taken.set(m, { size: t.size, mtimeMs: t.mtimeMs });
          // An empty file is a placeholder a copier has not filled yet: it is taken when it grows.
          if (!isVideoCandidate(path.basename(m)) || t.size === 0) continue;
          queue.push({ file: m, relative: relativeOf(m), group });
          emit({ type: 'taken', file: m, group });
        }
        groupActivity.delete(group);
      }
      // Folders that came and went (or hold nothing watched) are forgotten once quiet.
      for (const [group, at] of groupActivity) if (!groups.has(group) && now - at >= settleMs) groupActivity.delete(group);
      if (queue.length > 0) wake?.();
    } finally {
      ticking = false;
    }
  };

  const handle = async (item: Queued): Promise<void> => {
    const { file, relative } = item;
    let hash: string | undefined;
    let seen: { size: number; mtimeMs: number } | undefined;
    try {
      await validateInput(file, { settleMs: 0 });
      const stats = await fs.stat(file);
      seen = { size: stats.size, mtimeMs: stats.mtimeMs };
      const known = state.findUnchanged(relative, seen.size, seen.mtimeMs);
      hash = known?.hash ?? await hashFile(file, stopper.signal);
      const earlier = options.resubmitKnown ? undefined : known?.record ?? state.get(hash);
      if (earlier) {
        const movedTo = options.moveSources ? await moveSource(dir, file, relative, earlier.ok ? DONE_FOLDER : FAILED_FOLDER, earlier.ok ? undefined : earlier.error) : undefined;
        emit({ type: 'skipped', file, hash, reason: `already ${earlier.ok ? 'done' : 'failed'} (as ${earlier.file} at ${earlier.at})`, ...(movedTo ? { movedTo } : {}) });
        return;
      }
      const outDir = resultsDirFor(dir, file, outTree);
      const result = await submit({
        file, relative, hash, outDir, signal: stopper.signal,
        onProgress: (e) => emit({ type: 'progress', ...e }),
      });
      const record: WatchRecord = { file: relative, ok: true, outDir: result.outDir ?? outDir, ...(result.jobId ? { jobId: result.jobId } : {}), at: new Date().toISOString(), ...seen };
      await state.set(hash, record);
      const movedTo = options.moveSources ? await moveSource(dir, file, relative, DONE_FOLDER) : undefined;
      retries.delete(file);
      emit({
        type: 'result', file, ok: true, hash, outDir: record.outDir!, ...(result.jobId ? { jobId: result.jobId } : {}),
        ...(movedTo ? { movedTo } : {}), ...(result.summary ? { summary: result.summary } : {}),
      });
    } catch (thrown) {
      const error = asRoughcutError(thrown, file);
      // Whatever a stop interrupted (an abort, a closed connection) is not the file's fault.
      if (stopper.signal.aborted) {
        emit({ type: 'aborted', file });
        return;
      }
      logger.warn('watched file failed', { file, code: error.code });
      let movedTo: string | undefined;
      try {
        // A retryable failure (still growing, ffmpeg killed, queue unreachable) is neither recorded nor moved: it is tried again.
        if (error.retryable) retryLater(file);
        if (hash !== undefined && !error.retryable) await state.set(hash, { file: relative, ok: false, code: error.code, error: error.message, at: new Date().toISOString(), ...seen });
        if (options.moveSources && !error.retryable && error.code !== 'FILE_NOT_FOUND') movedTo = await moveSource(dir, file, relative, FAILED_FOLDER, error.message);
      } catch (moveError) {
        logger.error('could not record or move a failed file', { file, error: (moveError as Error).message });
      }
      emit({ type: 'failed', file, ok: false, code: error.code, error: error.message, ...(hash ? { hash } : {}), ...(movedTo ? { movedTo } : {}), ...(error.retryable ? { retrying: true } : {}) });
    }
  };

  const work = async (): Promise<void> => {
    while (!stopper.signal.aborted) {
      const item = queue.shift();
      if (!item) {
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
        continue;
      }
      await handle(item);
    }
  };

  const watcher: FSWatcher = chokidarWatch(dir, {
    ignoreInitial: false,
    persistent: true,
    usePolling: polling,
    interval: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    binaryInterval: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    alwaysStat: true,
    ignored: (p: string) => isOwnFolderPath(relativeOf(p), outTreeRelative),
  });
  watcher.on('add', (p, stats) => note(p, stats));
  watcher.on('change', (p, stats) => note(p, stats));
  watcher.on('unlink', (p) => forget(p));
  watcher.on('addDir', (p) => { const rel = relativeOf(p); if (rel !== '') groupActivity.set(groupOf(rel), Date.now()); });
  watcher.on('error', (error) => logger.warn('watch error', { dir, error: (error as Error).message }));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  const timer = setInterval(() => { void tick(); }, Math.min(1000, Math.max(50, Math.floor(settleMs / 4))));
  const worker = work();
  emit({ type: 'ready', dir, polling, settleMs });
  logger.info('watching', { dir, polling, settleMs });

  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => { markClosed = resolve; });
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopper.abort();
      clearInterval(timer);
      for (const t of retryTimers) clearTimeout(t);
      wake?.();
      await watcher.close();
      await worker;
      emit({ type: 'stopped', pending: queue.length + tracked.size });
      markClosed();
    })();
    return closing;
  };
  if (options.signal) {
    if (options.signal.aborted) void close();
    else options.signal.addEventListener('abort', () => { void close(); }, { once: true });
  }
  return { stateFile, closed, close };
}

/** The default submit: the whole pipeline in this process, results staged and renamed into `job.outDir`. */
function inProcessSubmit(options: WatchOptions, logger: Logger): WatchSubmit {
  return async (job) => {
    const out = await analyzeFile(job.file, {
      outDir: job.outDir, settings: options.settings, exports: options.exports, exportOptions: options.exportOptions,
      ...options.analyzeOptions, signal: job.signal, onProgress: job.onProgress, logger,
    });
    const a = out.analysis;
    return { outDir: out.outDir, summary: { shots: a.shots.length, transitions: a.transitions.length, frames: a.source.frameCount, framesPerSecond: a.timing.framesPerSecond } };
  };
}

/**
 * Moves a handled source into `<dir>/<folder>/<relative>` (a free name when one is taken) and,
 * for a failure, writes `<name>.error.txt` beside it. Returns the new path.
 */
async function moveSource(dir: string, file: string, relative: string, folder: string, errorText?: string): Promise<string> {
  let target = path.join(dir, folder, relative);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const { name, ext } = path.parse(target);
  for (let n = 2; await exists(target); n += 1) target = path.join(path.dirname(target), `${name}-${n}${ext}`);
  await fs.rename(file, target);
  if (errorText !== undefined) await fs.writeFile(`${target}.error.txt`, `${errorText}\n`);
  return target;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function checkFolder(given: string, dir: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await fs.stat(dir);
  } catch (cause) {
    throw new RoughcutError('FILE_NOT_FOUND', `${given}: no such folder to watch; create it or check that the drive or share holding it is mounted.`, { file: given, cause });
  }
  if (!stats.isDirectory()) throw new RoughcutError('NOT_A_FILE', `${given}: is a file, not a folder; give the folder to watch instead.`, { file: given });
}
