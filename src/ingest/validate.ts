// Checks an input path before probing: it exists, is a readable, non-empty file, and is not still being written.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RoughcutError } from '../core/errors.js';

/** Options for {@link validateInput}. */
export interface ValidateOptions {
  /**
   * How long to watch the file for changes in size or modification time before deciding it is
   * complete; 0 skips the check. Default {@link DEFAULT_SETTLE_MS}.
   */
  settleMs?: number;
}

/** Default settle window of {@link validateInput}. */
export const DEFAULT_SETTLE_MS = 300;

/** A file modified this recently may be mid-copy even when one settle window saw no change. */
const RECENT_WRITE_MS = 1000;

/**
 * Checks `filePath` before it is probed, so a bad input fails with a clear, coded error instead
 * of an ffprobe message. In order: it exists (`FILE_NOT_FOUND`), is a regular file
 * (`NOT_A_FILE`), can be opened and read (`UNREADABLE`), is not still being written
 * (`FILE_GROWING`, retryable: size or mtime changes within `settleMs`, watched once more when it
 * was modified within the last second), and is not empty (`EMPTY_FILE`). Each message names the
 * file, says what is wrong and what to do.
 */
export async function validateInput(filePath: string, options: ValidateOptions = {}): Promise<void> {
  const first = await checkInput(filePath);
  await waitUntilSettled(filePath, first, options.settleMs);
}

/**
 * {@link validateInput} and then `probe`, with the settle window spent probing instead of
 * waiting: the file is checked (exists, regular, readable), then watched for changes while
 * `probe` runs. The watch's verdict wins: a file still being written is `FILE_GROWING` (and an
 * empty one `EMPTY_FILE`) even when the probe failed on it first.
 */
export async function validateWhileProbing<T>(filePath: string, probe: () => Promise<T>, options: ValidateOptions = {}): Promise<T> {
  const first = await checkInput(filePath);
  const [settled, probed] = await Promise.allSettled([waitUntilSettled(filePath, first, options.settleMs), probe()]);
  if (settled.status === 'rejected') throw settled.reason;
  if (probed.status === 'rejected') throw probed.reason;
  return probed.value;
}

/** The checks that need no waiting: exists, is a regular file, can be read. */
async function checkInput(filePath: string): Promise<Stats> {
  // Absolute, so a relative name starting with a dash stays a name everywhere it is passed on.
  const absPath = path.resolve(filePath);
  const first = await statInput(filePath, absPath);
  if (first.isDirectory()) {
    throw new RoughcutError('NOT_A_FILE', `${filePath}: is a directory, not a video file; pass the video files inside it instead.`, { file: filePath });
  }
  if (!first.isFile()) {
    throw new RoughcutError('NOT_A_FILE', `${filePath}: is not a regular file (a device, socket or pipe); pass a video file instead.`, { file: filePath });
  }
  await checkReadable(filePath, absPath);
  return first;
}

/** Watches the file for `settleMs` (twice when it was written within the last second); then it must not be empty. */
async function waitUntilSettled(filePath: string, first: Stats, settleMsOption: number | undefined): Promise<void> {
  const settleMs = Math.max(0, settleMsOption ?? DEFAULT_SETTLE_MS);
  const absPath = path.resolve(filePath);
  if (settleMs > 0) {
    let before = first;
    // A second window when the file was written just before we looked: a copy may have paused.
    const windows = Date.now() - first.mtimeMs < RECENT_WRITE_MS ? 2 : 1;
    for (let i = 0; i < windows; i += 1) {
      await sleep(settleMs);
      const after = await statInput(filePath, absPath);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw new RoughcutError('FILE_GROWING',
          `${filePath}: is still being written (its size or modification time changed while it was checked); wait for the copy or recording to finish and try again.`,
          { file: filePath, retryable: true });
      }
      before = after;
      if (Date.now() - after.mtimeMs >= RECENT_WRITE_MS) break;
    }
    if (before.size === 0) throw emptyError(filePath);
  } else if (first.size === 0) {
    throw emptyError(filePath);
  }
}

function emptyError(filePath: string): RoughcutError {
  return new RoughcutError('EMPTY_FILE', `${filePath}: is empty (0 bytes); copy it again from the source.`, { file: filePath });
}

async function statInput(filePath: string, absPath: string): Promise<Stats> {
  try {
    return await fs.stat(absPath);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RoughcutError('FILE_NOT_FOUND', `${filePath}: no such file; check the path and that the drive or share holding it is mounted.`, { file: filePath, cause });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new RoughcutError('UNREADABLE', `${filePath}: cannot be reached (permission denied on a folder in its path); fix the folder permissions or run as a user who can read it.`, { file: filePath, cause });
    }
    if (code === 'ELOOP') {
      throw new RoughcutError('NOT_A_FILE', `${filePath}: is a symbolic link that loops; point roughcut at the real file.`, { file: filePath, cause });
    }
    throw new RoughcutError('UNREADABLE', `${filePath}: cannot be examined (${code ?? 'unknown error'}); check the file and the drive it is on.`, { file: filePath, cause });
  }
}

/** Opens the file and reads a byte: `access()` says yes to root even for mode 000, a read tells the truth elsewhere. */
async function checkReadable(filePath: string, absPath: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(absPath, 'r');
    await handle.read(Buffer.alloc(1), 0, 1, 0);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `${code ?? 'read error'}`;
    throw new RoughcutError('UNREADABLE', `${filePath}: cannot be read (${why}); fix its permissions or run as a user who can read it.`, { file: filePath, cause });
  } finally {
    await handle?.close();
  }
}
