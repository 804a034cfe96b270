// `roughcut watch` as a command: flag checks, JSON lines of an in-process run, graceful stop.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.js';
import { resolveConnection } from '../workers/connection.js';
import { openQueues } from '../workers/queue.js';
import { runWatch, watchCommand, watchCommandOptions } from '../workers/watch-command.js';
import { renderGraph, tempDir } from './helpers/media.js';
import { startRedis } from './helpers/redis.js';

let root: string;
let cleanup: () => Promise<void>;
let clip: string;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('roughcut-watch-cmd-'));
  clip = await renderGraph(path.join(root, 'clip.mp4'), 'testsrc2=s=160x90:r=25,trim=duration=1,format=yuv420p[v]');
});

afterAll(async () => cleanup());

function captureIo(): { io: Io; stdout: () => string; stderr: () => string } {
  const make = (): { stream: NodeJS.WriteStream; text: () => string } => {
    const chunks: string[] = [];
    const stream = new Writable({ write(chunk: Buffer | string, _enc, done) { chunks.push(chunk.toString()); done(); } });
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
  };
  const out = make();
  const err = make();
  return { io: { stdout: out.stream, stderr: err.stream }, stdout: out.text, stderr: err.text };
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(25);
  }
}

describe('roughcut watch', () => {
  it('refuses --out with --beside, a missing folder, and --done-dir with --redis, with exit code 2', async () => {
    const both = captureIo();
    expect(await main(['watch', root, '--out', 'x', '--beside'], both.io, [watchCommand])).toBe(2);
    expect(both.stderr()).toContain('choose one of --out DIR');
    const missing = captureIo();
    expect(await main(['watch', path.join(root, 'nope')], missing.io, [watchCommand])).toBe(2);
    expect(missing.stderr()).toMatch(/nope: no such folder to watch/);
    const redisMove = captureIo();
    expect(await main(['watch', root, '--redis', 'redis://127.0.0.1:1', '--done-dir'], redisMove.io, [watchCommand])).toBe(2);
    expect(redisMove.stderr()).toContain('--done-dir cannot be used with --redis');
    expect(watchCommandOptions(root, { settle: '0.3', poll: true }, {})).toMatchObject({ settleMs: 300, pollIntervalMs: 2000, moveSources: false });
  });

  it('prints JSON lines for each result and stops cleanly when told to', async () => {
    const dir = path.join(root, 'watched');
    await fs.mkdir(dir);
    const { io, stdout } = captureIo();
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => { stop = resolve; });
    const options = watchCommandOptions(dir, { settle: '0.3', json: true, doneDir: true, keyframeWidth: '160' }, {});
    const running = runWatch(options, io, undefined, stopped);
    await until(() => stdout().includes('"type":"ready"'));
    await fs.copyFile(clip, path.join(dir, 'in.mp4'));
    await until(() => stdout().includes('"type":"result"'));
    stop();
    expect(await running).toBe(0);
    const lines = stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string; file?: string; movedTo?: string; summary?: { shots: number } });
    expect(lines.map((l) => l.type)).toEqual(['ready', 'taken', 'result', 'stopped']);
    expect(lines[2]).toMatchObject({ file: path.join(dir, 'in.mp4'), movedTo: path.join(dir, 'done', 'in.mp4'), summary: { shots: 1 } });
    expect(existsSync(path.join(dir, 'in.roughcut', 'analysis.json'))).toBe(true);
  });
  it('with --redis queues each complete file for the workers (path and results folder in the job), and again only as a duplicate after a restart', async () => {
    const redis = await startRedis();
    const queues = openQueues(await resolveConnection({ redis: redis.url }));
    try {
      const dir = path.join(root, 'queued');
      await fs.mkdir(dir);
      const file = path.join(dir, 'q.mp4');
      const watchOnce = async (): Promise<{ type: string; jobId?: string; outDir?: string; summary?: { deduplicated: boolean } }> => {
        const { io, stdout } = captureIo();
        let stop: () => void = () => {};
        const running = runWatch(watchCommandOptions(dir, { settle: '0.3', json: true, redis: redis.url }, {}), io, undefined, new Promise<void>((resolve) => { stop = resolve; }));
        await until(() => stdout().includes('"type":"ready"'));
        if (!existsSync(file)) await fs.copyFile(clip, file);
        await until(() => stdout().includes('"type":"result"'));
        stop();
        expect(await running).toBe(0);
        return stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string }).find((e) => e.type === 'result')!;
      };
      const first = await watchOnce();
      expect(first).toMatchObject({ outDir: path.join(dir, 'q.roughcut'), summary: { deduplicated: false } });
      const job = await queues.analyze.getJob(first.jobId!);
      expect(job?.data).toMatchObject({ path: file, outDir: path.join(dir, 'q.roughcut') });
      expect(await job?.getState()).toBe('waiting');
      // No worker ran: nothing was written here, the results folder is the worker's to make.
      expect(existsSync(path.join(dir, 'q.roughcut'))).toBe(false);
      const second = await watchOnce();
      expect(second).toMatchObject({ jobId: first.jobId, summary: { deduplicated: true } });
      expect(await queues.analyze.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await queues.close();
      await redis.close();
    }
  });
});
