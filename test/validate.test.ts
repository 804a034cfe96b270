// validateInput: missing, directory, unreadable, empty and still-growing files, and awkward names.
import { appendFile, chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { RoughcutError } from '../src/core/errors.js';
import { validateInput, validateWhileProbing } from '../src/ingest/validate.js';
import { tempDir } from './helpers/media.js';
import { roughcutErrorOf } from './helpers/errors.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
const file = (name: string): string => path.join(dir, name);

/** Writes `name` with an mtime a minute ago, so it is not taken for a file mid-copy. */
async function settled(name: string, content: string | Buffer): Promise<string> {
  const p = file(name);
  await writeFile(p, content);
  const past = new Date(Date.now() - 60_000);
  await utimes(p, past, past);
  return p;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-validate-'));
});

afterAll(async () => {
  await cleanup();
});

describe('validateInput', () => {
  it('accepts a complete, readable file', async () => {
    await expect(validateInput(await settled('ok.mp4', 'x'.repeat(100)), { settleMs: 20 })).resolves.toBeUndefined();
  });

  it('accepts a file written a moment ago once it stops changing', async () => {
    const p = file('fresh.mp4');
    await writeFile(p, 'x'.repeat(100));
    await expect(validateInput(p, { settleMs: 30 })).resolves.toBeUndefined();
  });

  it('FILE_NOT_FOUND for a missing path', async () => {
    const e = await roughcutErrorOf(validateInput(file('missing.mp4')));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain('missing.mp4');
    expect(e.file).toBe(file('missing.mp4'));
    expect(e.retryable).toBe(false);
  });

  it('NOT_A_FILE for a directory', async () => {
    await mkdir(file('a folder.mp4'));
    const e = await roughcutErrorOf(validateInput(file('a folder.mp4')));
    expect(e.code).toBe('NOT_A_FILE');
    expect(e.message).toContain('a folder.mp4');
  });

  it('UNREADABLE for a file without read permission', async () => {
    const p = await settled('locked.mp4', 'x'.repeat(100));
    await chmod(p, 0o000);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // root reads mode-000 files, so the check rightly passes; the code path is exercised as a normal user.
      await expect(validateInput(p, { settleMs: 10 })).resolves.toBeUndefined();
    } else {
      const e = await roughcutErrorOf(validateInput(p, { settleMs: 10 }));
      expect(e.code).toBe('UNREADABLE');
      expect(e.message).toContain('locked.mp4');
    }
    await chmod(p, 0o644);
  });

  it('EMPTY_FILE for zero bytes', async () => {
    const e = await roughcutErrorOf(validateInput(await settled('empty.mp4', ''), { settleMs: 10 }));
    expect(e.code).toBe('EMPTY_FILE');
    expect(e.message).toContain('empty.mp4');
  });

  it('EMPTY_FILE for zero bytes with the settle window off', async () => {
    const e = await roughcutErrorOf(validateInput(await settled('empty2.mp4', ''), { settleMs: 0 }));
    expect(e.code).toBe('EMPTY_FILE');
  });

  it('FILE_GROWING, retryable, while the file is still being written', async () => {
    const p = file('copying.mp4');
    await writeFile(p, 'x');
    const writer = setInterval(() => { void appendFile(p, 'more data '); }, 20);
    try {
      const e = await roughcutErrorOf(validateInput(p, { settleMs: 150 }));
      expect(e.code).toBe('FILE_GROWING');
      expect(e.retryable).toBe(true);
      expect(e.message).toContain('copying.mp4');
    } finally {
      clearInterval(writer);
    }
  });

  it('FILE_GROWING when a fresh zero-byte file starts receiving data', async () => {
    const p = file('starting.mp4');
    await writeFile(p, '');
    const writer = setTimeout(() => { void appendFile(p, 'first bytes'); }, 60);
    try {
      const e = await roughcutErrorOf(validateInput(p, { settleMs: 150 }));
      expect(e.code).toBe('FILE_GROWING');
    } finally {
      clearTimeout(writer);
    }
  });

  it('uses a default settle window of about 300 ms', async () => {
    const p = await settled('default.mp4', 'x');
    const started = performance.now();
    await validateInput(p);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('handles names with spaces, quotes, unicode and a leading dash', async () => {
    const name = `it's a "clip" ünïcødé.mp4`;
    await expect(validateInput(await settled(name, 'x'), { settleMs: 10 })).resolves.toBeUndefined();
    await settled('-clip.mp4', 'x');
    const before = process.cwd();
    process.chdir(dir);
    try {
      await expect(validateInput('-clip.mp4', { settleMs: 10 })).resolves.toBeUndefined();
      const e = await roughcutErrorOf(validateInput('-missing.mp4', { settleMs: 10 }));
      expect(e.code).toBe('FILE_NOT_FOUND');
      expect(e.message).toContain('-missing.mp4');
    } finally {
      process.chdir(before);
    }
  });
});

describe('validateWhileProbing', () => {
  it('probes during the settle window instead of after it', async () => {
    const p = await settled('overlap.mp4', 'x'.repeat(100));
    let probeStartedAt = 0;
    const started = performance.now();
    const media = await validateWhileProbing(p, async () => {
      probeStartedAt = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return 'probed';
    }, { settleMs: 200 });
    expect(media).toBe('probed');
    expect(probeStartedAt).toBeLessThan(100);
    // Sequential would be 400 ms or more.
    expect(performance.now() - started).toBeLessThan(380);
  });

  it('a file still being written is FILE_GROWING even when the probe fails on it first', async () => {
    const p = file('growing-probe.mp4');
    await writeFile(p, 'x');
    const writer = setInterval(() => { void appendFile(p, 'more data '); }, 20);
    try {
      const e = await roughcutErrorOf(validateWhileProbing(p, () => Promise.reject(new RoughcutError('NOT_MEDIA', 'not media')), { settleMs: 150 }));
      expect(e.code).toBe('FILE_GROWING');
    } finally {
      clearInterval(writer);
    }
  });

  it('an empty file is EMPTY_FILE, not the probe error; a settled file gets the probe error', async () => {
    const failing = (): Promise<never> => Promise.reject(new RoughcutError('NOT_MEDIA', 'not media'));
    expect((await roughcutErrorOf(validateWhileProbing(await settled('empty-probe.mp4', ''), failing, { settleMs: 20 }))).code).toBe('EMPTY_FILE');
    expect((await roughcutErrorOf(validateWhileProbing(await settled('text-probe.mp4', 'hello'), failing, { settleMs: 20 }))).code).toBe('NOT_MEDIA');
  });

  it('does not probe a path that is missing or a directory', async () => {
    let probed = false;
    const probe = async (): Promise<string> => { probed = true; return 'x'; };
    expect((await roughcutErrorOf(validateWhileProbing(file('nope.mp4'), probe, { settleMs: 10 }))).code).toBe('FILE_NOT_FOUND');
    await mkdir(file('a-folder.mp4'), { recursive: true });
    expect((await roughcutErrorOf(validateWhileProbing(file('a-folder.mp4'), probe, { settleMs: 10 }))).code).toBe('NOT_A_FILE');
    expect(probed).toBe(false);
  });
});
