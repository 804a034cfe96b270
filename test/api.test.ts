// The HTTP API against a real Redis and BullMQ: queue, cancel, a worker running the job, status, SSE, artifacts, dashboard auth.
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../src/analyze.js';
import { createBullmqBackend } from '../workers/api/bullmq-backend.js';
import { realRoots } from '../workers/api/media-paths.js';
import { buildApiServer } from '../workers/api/server.js';
import { openQueueBackend } from '../workers/api/queue-backend.js';
import { runServe } from '../workers/serve-command.js';
import { Writable } from 'node:stream';
import { renderGraph, tempDir } from './helpers/media.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

const TOKEN = 'api-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
let media: string;
let app: FastifyInstance;
let queue: Queue;
const queueName = `roughcut-analyze-test-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempDir('roughcut-api-'));
  const [realDir] = await realRoots([dir]);
  media = path.join(realDir!, 'media');
  await mkdir(media, { recursive: true });
  const n = 'fps=25,scale=160:90,setsar=1,format=yuv420p,settb=1/25';
  await renderGraph(path.join(media, 'clip.mp4'), [
    `testsrc2=s=160x90:r=25,trim=duration=1,${n}[a]`,
    `smptebars=s=160x90:r=25,trim=duration=1,${n}[b]`,
    '[a][b]concat=n=2:v=1:a=0[v]',
  ].join(';'));
  const connection = { url: redis.url };
  queue = new Queue(queueName, { connection });
  const queueEvents = new QueueEvents(queueName, { connection });
  const backend = await createBullmqBackend({
    queue, queueEvents,
    enqueue: async (request) => {
      const job = await queue.add('analyze', { ...request, outDir: path.join(dir, 'out', path.parse(request.path).name) });
      return { jobId: String(job.id), deduplicated: false };
    },
    requestCancel: async () => {},
    closeAll: () => queue.close(),
  });
  app = await buildApiServer({ backend, mediaRoots: [media], uploadRoot: path.join(media, 'uploads'), token: TOKEN, uploadLimitBytes: 1 << 20, statePollMs: 1000 });
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await cleanup?.();
});

/** Reads an SSE stream from a listening server until it ends; returns the events by name. */
async function readEvents(port: number, url: string): Promise<{ status: number; type: string; events: { event: string; data: unknown }[] }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url, headers: auth }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => {
        const events = text.split('\n\n').filter((b) => b.startsWith('event:')).map((block) => {
          const [eventLine, dataLine] = block.split('\n');
          return { event: eventLine!.slice('event: '.length), data: JSON.parse(dataLine!.slice('data: '.length)) as unknown };
        });
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events });
      });
    }).on('error', reject);
  });
}

describe('API on BullMQ', () => {
  it('queues a job for a file under the media root (waiting), and cancels it', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: { path: 'clip.mp4', settings: { minShotSeconds: 0.2 } } });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    const status = await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth });
    expect(status.json()).toMatchObject({ id, state: 'waiting', path: path.join(media, 'clip.mp4') });
    const job = await queue.getJob(id);
    expect(job?.data.settings).toEqual({ minShotSeconds: 0.2 });
    const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth });
    expect(del.json()).toEqual({ id, outcome: 'removed' });
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).statusCode).toBe(404);
  });

  it('streams progress and completion over SSE while a worker runs the job; artifacts download', async () => {
    const worker = new Worker(queueName, async (job: Job) => {
      const out = await analyzeFile(job.data.path as string, {
        outDir: job.data.outDir as string, settings: job.data.settings as object,
        onProgress: (p) => { void job.updateProgress({ stage: p.stage, done: p.done, total: p.total }); },
      });
      return { outDir: out.outDir, files: out.files };
    }, { connection: { url: redis.url }, concurrency: 1, autorun: false });
    const created = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: { path: path.join(media, 'clip.mp4') } });
    const id = created.json().id as string;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const stream = readEvents(port, `/v1/jobs/${id}/events`);
    void worker.run();
    const { status, type, events } = await stream;
    await worker.close();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(events[0]).toMatchObject({ event: 'state', data: { id } });
    expect(events.some((e) => e.event === 'progress')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { id } });

    const job = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json();
    expect(job.state).toBe('completed');
    expect(job.artifacts).toEqual(expect.arrayContaining(['analysis.json', 'report.html', 'clip.edl']));
    expect(job.artifacts.some((a: string) => a.startsWith('keyframes/'))).toBe(true);
    const analysis = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/artifacts/analysis.json`, headers: auth });
    expect(analysis.statusCode).toBe(200);
    expect(analysis.json().shots.length).toBeGreaterThanOrEqual(2);
    const keyframe = job.artifacts.find((a: string) => a.startsWith('keyframes/')) as string;
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${id}/artifacts/${keyframe}`, headers: auth })).headers['content-type']).toBe('image/jpeg');
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${id}/artifacts/..%2F..%2Fmedia%2Fclip.mp4`, headers: auth })).statusCode).toBe(403);
    // A finished job streams its end at once.
    const again = await readEvents(port, `/v1/jobs/${id}/events`);
    expect(again.events.map((e) => e.event)).toEqual(['state', 'completed']);
    expect((await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth })).statusCode).toBe(409);
  });

  it('puts the queue dashboard behind the same token', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    const page = await app.inject({ method: 'GET', url: '/admin/queues', headers: auth });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const basic = { authorization: `Basic ${Buffer.from(`editor:${TOKEN}`).toString('base64')}` };
    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: basic });
    expect(api.statusCode).toBe(200);
    expect(JSON.stringify(api.json())).toContain(queueName);
  });
});

describe('roughcut serve', () => {
  it('starts on the analysis queue, answers with auth, and stops cleanly', async () => {
    let log = '';
    const stderr = new Writable({ write(chunk: Buffer, _enc, done) { log += chunk.toString(); done(); } }) as unknown as NodeJS.WriteStream;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => { stop = resolve; });
    const running = runServe({ port: 0, host: '127.0.0.1', redisUrl: redis.url, mediaRoots: [media], uploadRoot: undefined, token: TOKEN, localOnly: false, uploadLimitMb: 1 },
      { stdout: stderr, stderr }, openQueueBackend, stopped);
    const deadline = Date.now() + 10_000;
    while (!log.includes('"listening"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const address = (JSON.parse(log.split('\n').find((l) => l.includes('"listening"'))!) as { address: string }).address;
    expect((await fetch(`${address}/v1/health`)).status).toBe(200);
    expect((await fetch(`${address}/v1/jobs/x`)).status).toBe(401);
    const created = await fetch(`${address}/v1/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ path: 'clip.mp4' }) });
    expect(created.status).toBe(202);
    const { id } = await created.json() as { id: string };
    const status = await (await fetch(`${address}/v1/jobs/${encodeURIComponent(id)}`, { headers: auth })).json() as { state: string };
    expect(status.state).toBe('waiting');
    expect((await fetch(`${address}/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    stop();
    expect(await running).toBe(0);
    expect(log).toMatch(/"shutting down"/);
  });
});
