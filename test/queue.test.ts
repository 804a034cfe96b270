// The queue end to end against a real Redis: a flow runs and writes its outputs, duplicates are analysed once, bad input fails at once.
import { promises as fs } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTagPrefix, resolveConnection, type QueueConnection } from '../workers/connection.js';
import { canonicalJson } from '../workers/job-id.js';
import { enqueueAnalysis, jobFailure, openQueues, waitForAnalysis, type RoughcutQueues } from '../workers/queue.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { main } from '../src/cli/main.js';
import { queueCommands } from '../workers/queue-commands.js';
import { renderGraph, tempDir } from './helpers/media.js';
import { startWorkerProcess, type WorkerProcess } from './fixtures/queue-worker-process.js';

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
let clipA: string;
let clipB: string;
let corrupt: string;
let n = 0;
const prefixFor = (): string => `rc-test-${process.pid}-${++n}`;

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempDir('roughcut-queue-'));
  clipA = await renderGraph(path.join(dir, 'a.mp4'), 'testsrc2=size=160x90:rate=25:duration=1[v]');
  clipB = await renderGraph(path.join(dir, 'b.mp4'), 'testsrc2=size=160x90:rate=25:duration=1,hue=h=120[v]');
  corrupt = path.join(dir, 'broken.mp4');
  await fs.writeFile(corrupt, Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7919) % 251)));
});

afterAll(async () => {
  await redis?.close();
  await cleanup?.();
});

describe('connection and job ids', () => {
  it('resolves flag > env > config file > default and wraps the prefix in a hash tag', async () => {
    await fs.writeFile(path.join(dir, 'roughcut.config.json'), JSON.stringify({ redis: { url: 'redis://cfg:1' } }));
    expect(await resolveConnection({ cwd: dir, env: {} })).toEqual({ url: 'redis://cfg:1', prefix: '{roughcut}' });
    expect(await resolveConnection({ cwd: dir, env: { REDIS_URL: 'redis://env:2', ROUGHCUT_QUEUE_PREFIX: 'x' } })).toEqual({ url: 'redis://env:2', prefix: '{x}' });
    expect(await resolveConnection({ cwd: dir, redis: 'redis://flag:3', prefix: 'a{b}', env: { REDIS_URL: 'redis://env:2' } })).toEqual({ url: 'redis://flag:3', prefix: 'a{b}' });
    expect((await resolveConnection({ cwd: path.join(dir, 'none'), env: {} })).url).toBe('redis://127.0.0.1:6379');
    expect(hashTagPrefix('roughcut')).toBe('{roughcut}');
    expect(canonicalJson({ b: 1, a: { d: [1, undefined], c: 'x' } })).toBe(canonicalJson({ a: { c: 'x', d: [1, null] }, b: 1 }));
  });
});

describe('queue against a real Redis', () => {
  let connection: QueueConnection;
  let queues: RoughcutQueues;
  let worker: WorkerProcess;

  beforeAll(async () => {
    connection = { url: redis.url, prefix: hashTagPrefix(prefixFor()) };
    queues = openQueues(connection);
    worker = await startWorkerProcess(redis.url, connection.prefix);
  });

  afterAll(async () => {
    await queues?.close();
    worker?.killHard();
  });

  it('runs a flow end to end, writes analysis.json and the exports, and analyses the same content once', async () => {
    const first = await enqueueAnalysis(queues, { path: clipA, outDir: path.join(dir, 'out', 'a'), formats: ['fcp7'] });
    // The same content under another name, with the same parameters: the same job.
    const copy = path.join(dir, 'a-copy.mp4');
    await fs.copyFile(clipA, copy);
    const again = await enqueueAnalysis(queues, { path: copy, outDir: path.join(dir, 'out', 'a-copy'), formats: ['fcp7'] });
    expect(first.deduplicated).toBe(false);
    expect(again).toMatchObject({ jobId: first.jobId, deduplicated: true, outDir: first.outDir });

    const stages = new Set<string>();
    const outcome = await waitForAnalysis(queues, first.jobId, { onProgress: (p) => stages.add(p.stage) });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.outDir).toBe(path.join(dir, 'out', 'a'));
    const analysis = JSON.parse(await fs.readFile(outcome.result.files.analysis, 'utf8')) as { source: { frameCount: number } };
    expect(analysis.source.frameCount).toBe(25);
    expect(outcome.result.exports.map((f) => path.basename(f))).toEqual(['a.xml']);
    await fs.access(outcome.result.exports[0]!);
    expect(stages.size).toBeGreaterThan(0);

    // Submitted again once done: still the same job, nothing run again.
    const done = await enqueueAnalysis(queues, { path: copy, formats: ['fcp7'] });
    expect(done).toMatchObject({ jobId: first.jobId, deduplicated: true, state: 'completed' });
    expect(worker.events.filter((e) => e.event === 'active' && e.jobId === first.jobId)).toHaveLength(1);
    await expect(fs.access(path.join(dir, 'out', 'a-copy'))).rejects.toThrow();
    // Other settings are another job.
    const other = await enqueueAnalysis(queues, { path: clipA, outDir: path.join(dir, 'out', 'a2'), settings: { minShotSeconds: 1 } });
    expect(other.jobId).not.toBe(first.jobId);
    expect((await waitForAnalysis(queues, other.jobId)).ok).toBe(true);
  });

  it('fails a corrupt file at once with a reason naming it, and the worker serves the next job', async () => {
    const bad = await enqueueAnalysis(queues, { path: corrupt, outDir: path.join(dir, 'out', 'broken') });
    const good = await enqueueAnalysis(queues, { path: clipB, outDir: path.join(dir, 'out', 'b') });
    const outcome = await waitForAnalysis(queues, bad.jobId);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toContain(corrupt);
    expect(outcome.inputError).toBe(true);
    const job = await queues.analyze.getJob(bad.jobId);
    expect(job?.failedReason).toBe(outcome.reason);
    expect(job?.attemptsMade).toBe(1);
    expect(await jobFailure(queues, bad.jobId)).toMatchObject({ code: 'NOT_MEDIA', inputError: true });
    await expect(fs.access(path.join(dir, 'out', 'broken'))).rejects.toThrow();

    const next = await waitForAnalysis(queues, good.jobId);
    expect(next.ok).toBe(true);
    expect(worker.events.some((e) => e.event === 'completed' && e.jobId === good.jobId)).toBe(true);
    // Submitting the bad file again does not run it again.
    expect(await enqueueAnalysis(queues, { path: corrupt })).toMatchObject({ jobId: bad.jobId, deduplicated: true, state: 'failed' });
  });

  it('aborts a running job whose data is marked cancelRequested (as the HTTP API does), writing nothing', async () => {
    // Long enough that the worker's cancel check (every 2 s) comes while it runs, on any machine.
    const clip = await renderGraph(path.join(dir, 'cancel.mp4'), "testsrc2=size=640x360:rate=25:duration=40,hue=h='77*floor(t)'[v]");
    const job = await enqueueAnalysis(queues, { path: clip, outDir: path.join(dir, 'out', 'cancel') });
    await worker.waitFor((e) => e.event === 'active' && e.jobId === job.jobId);
    const running = await queues.analyze.getJob(job.jobId);
    await running!.updateData({ ...running!.data, cancelRequested: true });
    const outcome = await waitForAnalysis(queues, job.jobId);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toMatch(/cancel/i);
    expect(outcome.code).toBe('ABORTED');
    await expect(fs.access(path.join(dir, 'out', 'cancel'))).rejects.toThrow();
  });

  it('roughcut enqueue: prints the job, --wait follows it; a missing file exits 2 like analyze, a corrupt one exits 2 with its reason', async () => {
    const cli = async (argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const chunks = { stdout: [] as string[], stderr: [] as string[] };
      const sink = (into: string[]): NodeJS.WriteStream => new Writable({ write(c: Buffer, _e, done) { into.push(c.toString()); done(); } }) as unknown as NodeJS.WriteStream;
      const code = await main(argv, { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr) }, queueCommands);
      return { code, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
    };
    const flags = ['--redis', redis.url, '--prefix', connection.prefix, '--out', path.join(dir, 'cli')];
    const ok = await cli(['enqueue', clipB, '--wait', '--min-shot', '0.5', ...flags]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/queued as job analyze-[0-9a-f]{64}/);
    expect(ok.stdout).toContain(path.join(dir, 'cli', 'b', 'analysis.json'));
    const dup = await cli(['enqueue', clipB, '--json', '--min-shot', '0.5', ...flags]);
    expect(JSON.parse(dup.stdout.trim())).toMatchObject({ type: 'queued', deduplicated: true, state: 'completed' });
    const missing = path.join(dir, 'nope.mp4');
    const analyzeRun = await main(['analyze', missing, '--out', path.join(dir, 'x')], { stdout: new Writable({ write(_c, _e, d) { d(); } }) as unknown as NodeJS.WriteStream, stderr: new Writable({ write(_c, _e, d) { d(); } }) as unknown as NodeJS.WriteStream });
    const gone = await cli(['enqueue', missing, ...flags]);
    expect([analyzeRun, gone.code]).toEqual([2, 2]);
    expect(gone.stderr).toMatch(/nope\.mp4: .*no such file/i);
    const broken = await cli(['enqueue', corrupt, '--wait', ...flags]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(corrupt);
  });

  it('stops gracefully on SIGTERM: the job in progress finishes, exit code 0', async () => {
    const job = await enqueueAnalysis(queues, { path: clipB, outDir: path.join(dir, 'out', 'b-slow'), settings: { keyframeWidth: 320 } });
    await worker.waitFor((e) => e.event === 'active' && e.jobId === job.jobId);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.events.some((e) => e.event === 'completed' && e.jobId === job.jobId)).toBe(true);
    expect(await (await queues.analyze.getJob(job.jobId))?.getState()).toBe('completed');
  });
});
