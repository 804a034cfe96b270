// The watched folder in-process on real files: settling, ignore rules, dropped folders, polling, restarts, moves, output places.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoughcutError } from '../src/core/errors.js';
import { createWatcher, type WatchEvent, type WatchOptions, type Watcher } from '../src/ingest/watch.js';
import { renderGraph, tempDir } from './helpers/media.js';

const SETTLE_MS = 400;
let root: string;
let cleanup: () => Promise<void>;
let clipA: Buffer;
let clipB: Buffer;
let count = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('roughcut-watch-'));
  const n = 'fps=25,scale=160:90,setsar=1,format=yuv420p';
  await renderGraph(path.join(root, 'a.mp4'), `testsrc2=s=160x90:r=25,trim=duration=1,${n}[v]`);
  await renderGraph(path.join(root, 'b.mp4'), `smptebars=s=160x90:r=25,trim=duration=1,${n}[v]`);
  clipA = await fs.readFile(path.join(root, 'a.mp4'));
  clipB = await fs.readFile(path.join(root, 'b.mp4'));
});

afterAll(async () => cleanup());

/** A fresh watched folder. */
async function folder(): Promise<string> {
  count += 1;
  const dir = path.join(root, `w${count}`);
  await fs.mkdir(dir);
  return dir;
}

interface Running {
  readonly watcher: Watcher;
  readonly events: (WatchEvent & { at: number })[];
  waitFor(pred: (e: WatchEvent) => boolean, timeoutMs?: number): Promise<WatchEvent & { at: number }>;
  of(type: WatchEvent['type'], file?: string): (WatchEvent & { at: number })[];
}

async function start(dir: string, options: Partial<WatchOptions> = {}): Promise<Running> {
  const events: (WatchEvent & { at: number })[] = [];
  const watcher = await createWatcher({ dir, settleMs: SETTLE_MS, settings: { keyframeWidth: 160 }, ...options, onEvent: (e) => { if (e.type !== 'progress') events.push({ ...e, at: Date.now() }); } });
  return {
    watcher,
    events,
    async waitFor(pred, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit as WatchEvent & { at: number };
        if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events)}`);
        await sleep(25);
      }
    },
    of: (type, file) => events.filter((e) => e.type === type && (file === undefined || ('file' in e && e.file === file))),
  };
}

/** Writes `data` to `file` in `chunks` appends, `everyMs` apart; resolves with the time of the last append. */
async function writeSlowly(file: string, data: Buffer, chunks: number, everyMs: number): Promise<number> {
  const size = Math.ceil(data.length / chunks);
  for (let i = 0; i < chunks; i += 1) {
    await fs.appendFile(file, data.subarray(i * size, (i + 1) * size));
    if (i < chunks - 1) await sleep(everyMs);
  }
  return Date.now();
}

describe('createWatcher (in-process)', () => {
  it('waits for a slowly growing file to settle, then analyses it once, beside the source', async () => {
    const dir = await folder();
    const run = await start(dir);
    const file = path.join(dir, 'grow.mp4');
    const lastWrite = await writeSlowly(file, clipA, 15, 100);
    const result = await run.waitFor((e) => e.type === 'result');
    const taken = run.of('taken', file);
    expect(taken).toHaveLength(1);
    expect(taken[0]!.at).toBeGreaterThanOrEqual(lastWrite + SETTLE_MS - 20);
    expect(result).toMatchObject({ file, ok: true, outDir: path.join(dir, 'grow.roughcut') });
    expect(existsSync(path.join(dir, 'grow.roughcut', 'analysis.json'))).toBe(true);
    // Readable by whoever can read the watched folder, not only by the watcher's user.
    expect((await fs.stat(path.join(dir, 'grow.roughcut'))).mode & 0o777).toBe((await fs.stat(dir)).mode & 0o777);
    await sleep(SETTLE_MS * 2);
    expect(run.of('result', file)).toHaveLength(1);
    expect(run.of('failed')).toEqual([]);
    await run.watcher.close();
    expect(run.events.at(-1)).toMatchObject({ type: 'stopped', pending: 0 });
  });

  it('ignores temporary, hidden, AppleDouble, empty, non-video and own files, and takes a .part once renamed to .mp4', async () => {
    const dir = await folder();
    await fs.writeFile(path.join(dir, 'placeholder.mp4'), '');
    for (const name of ['.hidden.mp4', '._clip.mp4', 'clip.mp4.part', 'x.crdownload', 'y.tmp', 'z.mp4~', 'notes.txt', 'clip.mov.filepart']) {
      await fs.writeFile(path.join(dir, name), clipA);
    }
    await fs.mkdir(path.join(dir, 'prev.roughcut'));
    await fs.writeFile(path.join(dir, 'prev.roughcut', 'inner.mp4'), clipA);
    await fs.mkdir(path.join(dir, 'done'));
    await fs.writeFile(path.join(dir, 'done', 'old.mp4'), clipA);
    const run = await start(dir);
    await sleep(SETTLE_MS * 2.5);
    expect(run.of('taken')).toEqual([]);
    const renamed = path.join(dir, 'clip.mp4');
    await fs.rename(path.join(dir, 'clip.mp4.part'), renamed);
    await run.waitFor((e) => e.type === 'result');
    await sleep(SETTLE_MS * 1.5);
    expect(run.of('taken').map((e) => 'file' in e && e.file)).toEqual([renamed]);
    expect(run.of('result', renamed)).toHaveLength(1);
    // The empty placeholder is taken once the copier fills it.
    const placeholder = path.join(dir, 'placeholder.mp4');
    await fs.writeFile(placeholder, clipB);
    await run.waitFor((e) => e.type === 'result' && e.file === placeholder);
    await run.watcher.close();
  });

  it('takes a dropped folder as a whole once every file in it is quiet, then analyses each video in it', async () => {
    const dir = await folder();
    const run = await start(dir);
    const card = path.join(dir, 'CARD01');
    await fs.mkdir(path.join(card, 'PRIVATE', 'CLIP'), { recursive: true });
    const quick = path.join(card, 'PRIVATE', 'CLIP', 'C0002.MP4');
    const slow = path.join(card, 'PRIVATE', 'CLIP', 'C0001.MP4');
    await fs.writeFile(quick, clipB);
    await fs.writeFile(path.join(card, 'PRIVATE', 'CLIP', 'C0002M01.XML'), '<xml/>');
    const lastWrite = await writeSlowly(slow, clipA, 12, 100);
    await run.waitFor((e) => e.type === 'result' && e.file === quick);
    await run.waitFor((e) => e.type === 'result' && e.file === slow);
    const taken = run.of('taken');
    expect(taken.map((e) => 'file' in e && e.file)).toEqual([slow, quick]);
    // The clip that was complete at once waited for its sibling: the folder is one unit.
    for (const t of taken) {
      expect(t.at).toBeGreaterThanOrEqual(lastWrite + SETTLE_MS - 20);
      expect(t).toMatchObject({ group: 'CARD01' });
    }
    expect(existsSync(path.join(card, 'PRIVATE', 'CLIP', 'C0001.roughcut', 'analysis.json'))).toBe(true);
    await run.watcher.close();
  });

  it('works by polling when file events do not arrive, into an output tree that mirrors the watched folder', async () => {
    const dir = await folder();
    const out = path.join(root, `out${count}`);
    const run = await start(dir, { pollIntervalMs: 100, outDir: out });
    expect(run.of('ready')).toMatchObject([{ polling: true }]);
    await fs.mkdir(path.join(dir, 'show', 'ep1'), { recursive: true });
    const file = path.join(dir, 'show', 'ep1', 'take.mov');
    await fs.writeFile(file, clipA);
    const result = await run.waitFor((e) => e.type === 'result');
    expect(result).toMatchObject({ file, outDir: path.join(out, 'show', 'ep1', 'take') });
    expect(existsSync(path.join(out, 'show', 'ep1', 'take', 'analysis.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'show', 'ep1', 'take.roughcut'))).toBe(false);
    await run.watcher.close();
  });

  it('after a restart skips content already done and picks up files that arrived while it was down', async () => {
    const dir = await folder();
    const first = await start(dir);
    const a = path.join(dir, 'a.mp4');
    await fs.writeFile(a, clipA);
    await first.waitFor((e) => e.type === 'result');
    await first.watcher.close();
    const state = JSON.parse(await fs.readFile(first.watcher.stateFile, 'utf8')) as { files: Record<string, { file: string; ok: boolean }> };
    expect(Object.values(state.files)).toMatchObject([{ file: 'a.mp4', ok: true }]);

    const b = path.join(dir, 'b.mp4');
    await fs.writeFile(b, clipB);
    // The same content under another name is known by its hash.
    const copy = path.join(dir, 'a-copy.mp4');
    await fs.writeFile(copy, clipA);
    const second = await start(dir);
    await second.waitFor((e) => e.type === 'result' && e.file === b);
    await second.waitFor((e) => e.type === 'skipped' && e.file === a);
    await second.waitFor((e) => e.type === 'skipped' && e.file === copy);
    expect(second.of('result').map((e) => 'file' in e && e.file)).toEqual([b]);
    await second.watcher.close();
  });

  it('moves sources to done/ and failed/, with an error.txt naming the problem beside a corrupt one', async () => {
    const dir = await folder();
    const run = await start(dir, { moveSources: true });
    const good = path.join(dir, 'good.mp4');
    const bad = path.join(dir, 'bad.mp4');
    await fs.writeFile(bad, Buffer.from('this is not a video file at all, just some text pretending to be one\n'.repeat(40)));
    await fs.writeFile(good, clipA);
    const result = await run.waitFor((e) => e.type === 'result');
    const failed = await run.waitFor((e) => e.type === 'failed');
    expect(result).toMatchObject({ file: good, movedTo: path.join(dir, 'done', 'good.mp4') });
    expect(failed).toMatchObject({ file: bad, movedTo: path.join(dir, 'failed', 'bad.mp4') });
    expect(existsSync(good) || existsSync(bad)).toBe(false);
    expect(existsSync(path.join(dir, 'done', 'good.mp4'))).toBe(true);
    const why = await fs.readFile(path.join(dir, 'failed', 'bad.mp4.error.txt'), 'utf8');
    expect(why).toContain('bad.mp4');
    expect(why.trim()).toBe('error' in failed ? failed.error : '');
    // Results stay where the source was dropped; the watcher keeps going after the failure.
    expect(existsSync(path.join(dir, 'good.roughcut', 'analysis.json'))).toBe(true);
    const later = path.join(dir, 'later.mp4');
    await fs.writeFile(later, clipB);
    await run.waitFor((e) => e.type === 'result' && e.file === later);
    await run.watcher.close();
  });
  it('stops mid-analysis without leaving outputs or a record, and takes the file again on the next start', async () => {
    const dir = await folder();
    const controller = new AbortController();
    const run = await start(dir, { signal: controller.signal });
    const file = path.join(dir, 'cut-short.mp4');
    await fs.writeFile(file, clipA);
    await run.waitFor((e) => e.type === 'taken');
    await sleep(150);
    const stopAt = Date.now();
    controller.abort();
    await run.watcher.closed;
    expect(Date.now() - stopAt).toBeLessThan(2000);
    expect(run.of('result')).toEqual([]);
    expect(run.of('aborted', file)).toHaveLength(1);
    // No results folder and no staging folder left behind; nothing remembered, so the next start takes it.
    expect((await fs.readdir(dir)).filter((n) => n !== '.roughcut')).toEqual(['cut-short.mp4']);
    expect(existsSync(run.watcher.stateFile)).toBe(false);
    const again = await start(dir);
    await again.waitFor((e) => e.type === 'result' && e.file === file);
    await again.watcher.close();
  });
  it('tries a file again later when it failed for a reason that may pass, without recording or moving it', async () => {
    const dir = await folder();
    let calls = 0;
    const run = await start(dir, {
      moveSources: true,
      submit: async (job) => {
        calls += 1;
        if (calls === 1) throw new RoughcutError('OUTPUT_FAILED', `${job.file}: could not be queued; try again.`, { file: job.file, retryable: true });
        return { jobId: 'job-1' };
      },
    });
    const file = path.join(dir, 'retry.mp4');
    await fs.writeFile(file, clipA);
    const failed = await run.waitFor((e) => e.type === 'failed');
    expect(failed).toMatchObject({ file, retrying: true });
    expect(existsSync(file)).toBe(true);
    const result = await run.waitFor((e) => e.type === 'result');
    expect(result).toMatchObject({ file, jobId: 'job-1', movedTo: path.join(dir, 'done', 'retry.mp4') });
    expect(result.at - failed.at).toBeGreaterThanOrEqual(1000);
    expect(calls).toBe(2);
    await run.watcher.close();
  });
});
