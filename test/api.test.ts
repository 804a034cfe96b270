// The HTTP API against a real Redis and BullMQ: queue, cancel, a worker running the job, status, SSE, artifacts, dashboard auth.
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { UnrecoverableError, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { createAnalyzeWorker } from '../workers/analyze-worker.js';
import { openQueueBackend } from '../workers/api/queue-backend.js';
import { realRoots } from '../workers/api/media-paths.js';
import { buildApiServer } from '../workers/api/server.js';
import { redisOptions, type QueueConnection } from '../workers/connection.js';
import { createExportWorker } from '../workers/export-worker.js';
import { ANALYZE_QUEUE, openQueues } from '../workers/queue.js';
import { runServe } from '../workers/serve-command.js';
import { renderGraph, tempDir } from './helpers/media.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

const TOKEN = 'api-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
let media: string;
let app: FastifyInstance;
let connection: QueueConnection;

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
  // A prefix of its own, as each queue test gets a fresh queue.
  connection = { url: redis.url, prefix: `{api-test-${process.pid}}` };
  const backend = await openQueueBackend(connection, path.join(realDir!, 'out'), silentLogger);
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
    const again = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: { path: path.join(media, 'clip.mp4'), settings: { minShotSeconds: '0.2' } } });
    expect(again.json()).toMatchObject({ id, deduplicated: true });
    const queues = openQueues(connection);
    const job = await queues.analyze.getJob(id);
    expect(job?.data.settings.minShotSeconds).toBe(0.2);
    expect(path.dirname(job!.data.outDir)).toBe(path.join(path.dirname(media), 'out'));
    await queues.close();
    const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth });
    expect(del.json()).toEqual({ id, outcome: 'removed' });
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).statusCode).toBe(404);
  });

  it('streams progress and completion over SSE while a worker runs the job; artifacts download', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: { path: path.join(media, 'clip.mp4'), formats: ['fcpxml'] } });
    const id = created.json().id as string;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const stream = readEvents(port, `/v1/jobs/${id}/events`);
    // The queue module's own workers, the analyze processor in this process rather than a child.
    const workers: Worker[] = [await createAnalyzeWorker({ connection, inProcess: true }), createExportWorker({ connection })];
    const { status, type, events } = await stream;
    await Promise.all(workers.map((w) => w.close()));
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(events[0]).toMatchObject({ event: 'state', data: { id } });
    expect(events.some((e) => e.event === 'progress')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { id } });

    const job = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json();
    expect(job.state).toBe('completed');
    expect(job.artifacts).toEqual(expect.arrayContaining(['analysis.json', 'report.html', 'clip.edl', 'clip.fcpxml']));
    expect(job.result.exports).toHaveLength(1);
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

  it('marks a running job for cancel (202) and a worker that reads the mark fails it', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: { path: 'clip.mp4', settings: { reel: 'CANCEL' } } });
    const id = created.json().id as string;
    const queues = openQueues(connection);
    // A stand-in for the analyze worker that only waits for the API's cancel mark in the job data.
    const worker = new Worker(ANALYZE_QUEUE, async (job) => {
      for (;;) {
        if ((await queues.analyze.getJob(String(job.id)))?.data.cancelRequested) throw new UnrecoverableError('cancelled by the API');
        await new Promise((r) => setTimeout(r, 50));
      }
    }, { connection: redisOptions(connection), prefix: connection.prefix });
    const status = async () => (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json() as { state: string; cancelRequested?: boolean; failedReason?: string };
    for (let i = 0; i < 100 && (await status()).state !== 'active'; i += 1) await new Promise((r) => setTimeout(r, 50));
    const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth });
    expect(del.statusCode).toBe(202);
    expect(del.json()).toEqual({ id, outcome: 'cancelling' });
    for (let i = 0; i < 100 && (await status()).state !== 'failed'; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await status()).toMatchObject({ state: 'failed', cancelRequested: true, failedReason: 'cancelled by the API' });
    await worker.close();
    await queues.close();
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
    expect(JSON.stringify(api.json())).toContain('roughcut-analyze');
    expect(JSON.stringify(api.json())).toContain('roughcut-export');
  });
});

describe('roughcut serve', () => {
  it('starts on the analysis queue, answers with auth, and stops cleanly', async () => {
    let log = '';
    const stderr = new Writable({ write(chunk: Buffer, _enc, done) { log += chunk.toString(); done(); } }) as unknown as NodeJS.WriteStream;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => { stop = resolve; });
    const running = runServe({ port: 0, host: '127.0.0.1', redisUrl: redis.url, mediaRoots: [media], uploadRoot: undefined, outRoot: undefined, token: TOKEN, localOnly: false, uploadLimitMb: 1 },
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
