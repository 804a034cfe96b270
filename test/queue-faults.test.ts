// Queue faults against a real Redis: a worker SIGKILLed mid-job (another one finishes it, outputs whole) and Redis restarted mid-run.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTagPrefix, type QueueConnection } from '../workers/connection.js';
import { enqueueAnalysis, openQueueEvents, openQueues, waitForAnalysis, type EnqueueResult } from '../workers/queue.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { renderGraph, tempDir } from './helpers/media.js';
import { startWorkerProcess, type WorkerProcess } from './fixtures/queue-worker-process.js';

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
const workers: WorkerProcess[] = [];
let n = 0;
const connectionFor = (): QueueConnection => ({ url: redis.url, prefix: hashTagPrefix(`rc-faults-${process.pid}-${++n}`) });
/** Short locks so a dead worker's job is taken over within seconds. */
const FAST_RECOVERY = ['--lock-duration', '2000', '--stalled-interval', '1000'];

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempDir('roughcut-queue-faults-'));
});

afterAll(async () => {
  for (const w of workers) w.killHard();
  await redis?.close();
  await cleanup?.();
});

/** A 160x90 clip of `seconds` with a cut every second (hue jumps), so keyframes keep the job busy. */
function cutsClip(name: string, seconds: number, hue = 0): Promise<string> {
  return renderGraph(path.join(dir, name), `testsrc2=size=160x90:rate=25:duration=${seconds},hue=h='${hue}+137*floor(t)':s=1+mod(floor(t)\\,3)[v]`);
}

describe('queue faults', () => {
  it('finishes the job of a worker killed with SIGKILL mid-job on another worker, with whole outputs', async () => {
    const connection = connectionFor();
    const clip = await cutsClip('long.mp4', 10);
    const a = await startWorkerProcess(redis.url, connection.prefix, FAST_RECOVERY);
    workers.push(a);
    const queues = openQueues(connection);
    const events = openQueueEvents(connection, 'analyze');
    await events.waitUntilReady();
    const outDir = path.join(dir, 'out', 'long');
    const job = await enqueueAnalysis(queues, { path: clip, outDir });
    // Kill A once the job is well under way (decoding or fetching keyframes), worker and sandbox together.
    await new Promise<void>((resolve) => events.on('progress', ({ jobId, data }) => {
      const stage = (data as { stage?: string }).stage;
      if (jobId === job.jobId && (stage === 'decode' || stage === 'keyframes')) resolve();
    }));
    const killedAt = Date.now();
    a.killHard();
    await a.exited;
    const b = await startWorkerProcess(redis.url, connection.prefix, FAST_RECOVERY);
    workers.push(b);
    const outcome = await waitForAnalysis(queues, job.jobId);
    const recoveredMs = Date.now() - killedAt;
    expect(outcome.ok).toBe(true);
    expect(b.events.some((e) => e.event === 'completed' && e.jobId === job.jobId)).toBe(true);
    expect(a.events.some((e) => e.event === 'completed' && e.jobId === job.jobId)).toBe(false);
    // Whole outputs: the full analysis, one keyframe per shot, no staging folders left behind.
    const analysis = JSON.parse(await fs.readFile(path.join(outDir, 'analysis.json'), 'utf8')) as { source: { frameCount: number }; shots: unknown[] };
    expect(analysis.source.frameCount).toBe(250);
    expect(analysis.shots.length).toBeGreaterThanOrEqual(8);
    expect((await fs.readdir(path.join(outDir, 'keyframes'))).length).toBe(analysis.shots.length);
    expect((await fs.readdir(path.dirname(outDir))).filter((f) => f.includes('.partial-'))).toEqual([]);
    expect(recoveredMs).toBeLessThan(30_000);
    await events.close();
    await queues.close();
    b.killHard();
  });

  it('reconnects workers and producers when Redis is stopped and started mid-run; every job finishes', async () => {
    const connection = connectionFor();
    const clips = await Promise.all([0, 1, 2].map((i) => cutsClip(`r${i}.mp4`, 3, 40 * i + 10)));
    const w = await startWorkerProcess(redis.url, connection.prefix);
    workers.push(w);
    const queues = openQueues(connection);
    const jobs: EnqueueResult[] = [];
    for (const [i, clip] of clips.entries()) jobs.push(await enqueueAnalysis(queues, { path: clip, outDir: path.join(dir, 'out', `r${i}`) }));
    await w.waitFor((e) => e.event === 'active' && e.jobId === jobs[0]!.jobId);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    const outcomes = await Promise.all(jobs.map((j) => waitForAnalysis(queues, j.jobId, { timeoutMs: 60_000 })));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    for (const [i] of clips.entries()) await fs.access(path.join(dir, 'out', `r${i}`, 'analysis.json'));
    // Each analysed exactly once, by the one worker.
    for (const j of jobs) expect(w.events.filter((e) => e.event === 'completed' && e.jobId === j.jobId)).toHaveLength(1);
    await queues.close();
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });
});
