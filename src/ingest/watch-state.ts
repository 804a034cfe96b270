// The watched folder's memory across restarts: content hash → outcome, kept in a small JSON file written atomically.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { Logger } from '../core/logger.js';

/** What happened to one file content, as remembered in the state file. */
export interface WatchRecord {
  /** Path of the source relative to the watched folder when it was handled. */
  readonly file: string;
  readonly ok: boolean;
  /** Where its results went (or will go, when a queue worker writes them). */
  readonly outDir?: string;
  /** The queue job it became, in queue mode. */
  readonly jobId?: string;
  /** The error code and sentence of a failure. */
  readonly code?: string;
  readonly error?: string;
  /** ISO time it was handled. */
  readonly at: string;
  /** Size and mtime of the source when it was hashed: a file unchanged since is known without hashing it again. */
  readonly size?: number;
  readonly mtimeMs?: number;
}

interface StateFile {
  readonly version: 1;
  readonly files: Record<string, WatchRecord>;
}

/** The state of one watched folder: sha256 of content → {@link WatchRecord}, saved on every change. */
export class WatchState {
  private constructor(private readonly file: string, private readonly records: Map<string, WatchRecord>) {}

  /** Loads the state at `file`; a missing file is an empty state, an unreadable one is set aside with a warning. */
  static async load(file: string, logger: Logger): Promise<WatchState> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return new WatchState(file, new Map());
    }
    try {
      const parsed = JSON.parse(text) as StateFile;
      if (parsed.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null) throw new Error(`unknown state version ${String(parsed.version)}`);
      return new WatchState(file, new Map(Object.entries(parsed.files)));
    } catch (error) {
      const aside = `${file}.bad-${Date.now()}`;
      await fs.rename(file, aside);
      logger.warn('watch state file unreadable; starting afresh, every file will be analysed again', { file, movedTo: aside, error: (error as Error).message });
      return new WatchState(file, new Map());
    }
  }

  /** The record of a content hash, if this folder handled that content before. */
  get(hash: string): WatchRecord | undefined {
    return this.records.get(hash);
  }

  /**
   * The hash and record of the file at `relative` when it was handled with exactly this size and
   * mtime; saves hashing a large file that is still in place after a restart.
   */
  findUnchanged(relative: string, size: number, mtimeMs: number): { hash: string; record: WatchRecord } | undefined {
    for (const [hash, record] of this.records) {
      if (record.file === relative && record.size === size && record.mtimeMs === mtimeMs) return { hash, record };
    }
    return undefined;
  }

  /** Remembers `record` for `hash` and writes the state file (atomically: a crash leaves the old or the new one). */
  async set(hash: string, record: WatchRecord): Promise<void> {
    this.records.set(hash, record);
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const out: StateFile = { version: 1, files: Object.fromEntries(this.records) };
    await writeFileAtomic(this.file, `${JSON.stringify(out, null, 1)}\n`);
  }
}

/** The sha256 of a file's content, hex; stops early with an AbortError when `signal` fires. */
export async function hashFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
