// The API's refusals, on an in-memory job backend: auth, path containment (.., absolute, symlinks), settings, artifacts, start-up rule.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, requiredToken, tokenMatches } from '../workers/api/auth.js';
import type { AnalysisRequest, JobBackend, JobEvent, JobView } from '../workers/api/job-backend.js';
import { isInside, realRoots } from '../workers/api/media-paths.js';
import { buildApiServer, safeUploadName } from '../workers/api/server.js';
import { main } from '../src/cli/main.js';
import { serveCommand } from '../workers/serve-command.js';
import { Writable } from 'node:stream';
import { tempDir } from './helpers/media.js';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A backend that keeps jobs in a map; created jobs wait, job "done" has an output folder. */
function memoryBackend(outDir: string): JobBackend & { created: AnalysisRequest[] } {
  const created: AnalysisRequest[] = [];
  const jobs = new Map<string, JobView>([['done', { id: 'done', state: 'completed', progress: 100, outDir, result: { outDir } }]]);
  return {
    created,
    async create(request) {
      created.push(request);
      const id = String(created.length);
      jobs.set(id, { id, state: 'waiting', progress: 0, path: request.path });
      return { jobId: id, deduplicated: false };
    },
    async get(id) { return jobs.get(id); },
    async cancel(id) {
      const job = jobs.get(id);
      if (!job) return 'missing';
      if (job.state === 'completed') return 'finished';
      jobs.delete(id);
      return 'removed';
    },
    async subscribe(_id: string, _listener: (e: JobEvent) => void) { return () => {}; },
    async close() {},
  };
}

let dir: string;
let cleanup: () => Promise<void>;
let media: string;
let app: FastifyInstance;
let backend: ReturnType<typeof memoryBackend>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-api-refusals-'));
  media = path.join(dir, 'media');
  const outside = path.join(dir, 'outside');
  const out = path.join(dir, 'out', 'done');
  await mkdir(path.join(media, 'show'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await mkdir(path.join(out, 'keyframes'), { recursive: true });
  await mkdir(`${media}-sibling`, { recursive: true });
  await writeFile(path.join(media, 'show', 'clip.mp4'), 'not really a video');
  await writeFile(path.join(outside, 'secret.mp4'), 'secret');
  await writeFile(`${media}-sibling/clip.mp4`, 'sibling');
  await symlink(path.join(outside, 'secret.mp4'), path.join(media, 'show', 'escape.mp4'));
  await symlink(outside, path.join(media, 'linked-dir'));
  await writeFile(path.join(out, 'analysis.json'), '{"ok":true}');
  await writeFile(path.join(out, 'keyframes', 'shot-0001.jpg'), 'jpeg');
  await symlink(path.join(outside, 'secret.mp4'), path.join(out, 'leak.mp4'));
  backend = memoryBackend(out);
  const [root] = await realRoots([media]);
  app = await buildApiServer({ backend, mediaRoots: [root!], uploadRoot: path.join(root!, 'uploads'), token: TOKEN, uploadLimitBytes: 1024 });
});
afterAll(async () => { await app?.close(); await cleanup?.(); });

describe('auth', () => {
  it('refuses a request without a token, and with a wrong one, as problem+json', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }]) {
      const res = await app.inject({ method: 'GET', url: '/v1/jobs/done', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      const body = res.json();
      expect(body).toMatchObject({ type: 'urn:roughcut:problem:unauthorized', status: 401 });
      expect(typeof body.title).toBe('string');
      expect(typeof body.detail).toBe('string');
    }
    expect((await app.inject({ method: 'GET', url: '/v1/jobs/done', headers: auth })).statusCode).toBe(200);
  });

  it('serves the OpenAPI description and health without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/uploads', '/v1/jobs/{id}', '/v1/jobs/{id}/events', '/v1/jobs/{id}/artifacts/{name}']));
    expect(doc.components.schemas.JobRequest.properties.settings.properties.minShotSeconds.default).toBe(0.4);
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });

  it('compares tokens by value', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });

  it('will not start without a token unless --local-only on a loopback host', () => {
    expect(() => requiredToken({ host: '0.0.0.0' })).toThrow(/token/);
    expect(() => requiredToken({ host: '127.0.0.1' })).toThrow(/token/);
    expect(() => requiredToken({ host: '0.0.0.0', localOnly: true })).toThrow(/loopback/);
    expect(() => requiredToken({ host: '192.168.1.4', token: 't', localOnly: true })).toThrow(/loopback/);
    expect(requiredToken({ host: '127.0.0.1', localOnly: true })).toBeUndefined();
    expect(requiredToken({ host: '::1', localOnly: true })).toBeUndefined();
    expect(requiredToken({ host: '0.0.0.0', token: 't' })).toBe('t');
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('127.8.0.1')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.evil.example')).toBe(false);
  });
});

describe('media paths', () => {
  const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: body as object });

  it('queues a file under the media root, by absolute or relative path', async () => {
    const before = backend.created.length;
    const res = await post({ path: path.join(media, 'show', 'clip.mp4'), settings: { minShotSeconds: 1, edlProfile: 'resolve' }, formats: ['fcp7', 'markers'] });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ deduplicated: false });
    expect(res.headers.location).toBe(`/v1/jobs/${res.json().id}`);
    expect(backend.created[before]).toMatchObject({ settings: { minShotSeconds: 1, edlProfile: 'resolve' }, formats: ['fcp7', 'markers-edl', 'markers-csv'] });
    expect((await post({ path: 'show/clip.mp4' })).statusCode).toBe(202);
  });

  it('refuses .., absolute escapes, sibling prefixes and symlink escapes with 403', async () => {
    for (const p of ['../outside/secret.mp4', 'show/../../outside/secret.mp4', path.join(dir, 'outside', 'secret.mp4'),
      '/etc/passwd', `${media}-sibling/clip.mp4`, 'show/escape.mp4', 'linked-dir/secret.mp4']) {
      const res = await post({ path: p });
      expect(res.statusCode, p).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ type: 'urn:roughcut:problem:forbidden-path', status: 403, field: 'path' });
    }
  });

  it('refuses a missing file (404), a folder, no path and a NUL byte (400)', async () => {
    expect((await post({ path: 'show/none.mp4' })).statusCode).toBe(404);
    expect((await post({ path: 'show' })).statusCode).toBe(400);
    expect((await post({})).json()).toMatchObject({ status: 400, field: 'path' });
    expect((await post({ path: 'show/clip.mp4\0.txt' })).statusCode).toBe(400);
  });

  it('checks containment at a separator boundary', () => {
    expect(isInside('/media', '/media/a')).toBe(true);
    expect(isInside('/media', '/media')).toBe(true);
    expect(isInside('/media', '/media2/a')).toBe(false);
    expect(isInside('/media', '/media/../etc')).toBe(false);
    expect(isInside('/media', '/media/..hidden')).toBe(true);
  });
});

describe('request validation', () => {
  const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: body as object });

  it('names the field of a bad or unknown setting, an unknown format, an unknown field', async () => {
    const bad = await post({ path: 'show/clip.mp4', settings: { minShotSeconds: 99 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'settings.minShotSeconds', status: 400 });
    expect(bad.json().detail).toMatch(/settings\.minShotSeconds must be a number from 0\.1 to 10/);
    expect((await post({ path: 'show/clip.mp4', settings: { edlProfile: 'vegas' } })).json()).toMatchObject({ field: 'settings.edlProfile' });
    expect((await post({ path: 'show/clip.mp4', settings: { colour: 1 } })).json()).toMatchObject({ field: 'settings.colour' });
    expect((await post({ path: 'show/clip.mp4', formats: ['edl', 'mp3'] })).json()).toMatchObject({ field: 'formats', status: 400 });
    expect((await post({ path: 'show/clip.mp4', outDir: '/tmp/x' })).json()).toMatchObject({ field: 'outDir', status: 400 });
  });

  it('answers bad JSON and unknown routes with problem bodies', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"path":' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const missing = await app.inject({ method: 'GET', url: '/v1/nothing', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404, type: 'urn:roughcut:problem:not-found' });
  });
});

describe('artifacts and cancel', () => {
  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });

  it('downloads files of the job output folder and lists them in the status', async () => {
    const res = await get('/v1/jobs/done/artifacts/analysis.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ ok: true });
    expect((await get('/v1/jobs/done/artifacts/keyframes/shot-0001.jpg')).headers['content-type']).toBe('image/jpeg');
    expect((await get('/v1/jobs/done')).json().artifacts).toEqual(['analysis.json', 'keyframes/shot-0001.jpg']);
  });

  it('refuses .. (plain and encoded), symlinks out, and unknown names', async () => {
    for (const name of ['..%2F..%2F..%2Fetc%2Fpasswd', 'keyframes%2F..%2F..%2Fdone%2Fanalysis.json', '%2Fetc%2Fpasswd', 'leak.mp4']) {
      const res = await get(`/v1/jobs/done/artifacts/${name}`);
      expect(res.statusCode, name).toBe(403);
      expect(res.json()).toMatchObject({ type: 'urn:roughcut:problem:forbidden-path' });
    }
    // Unencoded ../ is normalised away by the URL parser or refused; it never reaches outside.
    expect([403, 404]).toContain((await get('/v1/jobs/done/artifacts/../../../etc/passwd')).statusCode);
    expect((await get('/v1/jobs/done/artifacts/nope.json')).statusCode).toBe(404);
    expect((await get('/v1/jobs/nojob/artifacts/analysis.json')).statusCode).toBe(404);
  });

  it('cancels a waiting job, 409 for a finished one, 404 for none', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: { path: 'show/clip.mp4' } });
    const id = created.json().id as string;
    const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: auth });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ id, outcome: 'removed' });
    expect((await app.inject({ method: 'DELETE', url: '/v1/jobs/done', headers: auth })).statusCode).toBe(409);
    expect((await app.inject({ method: 'DELETE', url: '/v1/jobs/none', headers: auth })).statusCode).toBe(404);
  });
});

describe('uploads', () => {
  function form(parts: { name: string; value: string; filename?: string }[]): { payload: Buffer; headers: Record<string, string> } {
    const boundary = '----roughcut-test';
    const chunks = parts.map((p) => `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.filename ? 'Content-Type: video/mp4\r\n' : ''}\r\n${p.value}\r\n`);
    return { payload: Buffer.from(`${chunks.join('')}--${boundary}--\r\n`), headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` } };
  }

  it('stores an upload under the uploads root with a safe name and queues it', async () => {
    const { payload, headers } = form([{ name: 'settings', value: '{"reel":"UP1"}' }, { name: 'file', value: 'video bytes', filename: '../../evil name.mp4' }]);
    const res = await app.inject({ method: 'POST', url: '/v1/uploads', headers, payload });
    expect(res.statusCode).toBe(202);
    const stored = res.json().path as string;
    expect(stored.startsWith(path.join(media, 'uploads') + path.sep) || stored.includes(`${path.sep}uploads${path.sep}`)).toBe(true);
    expect(path.basename(stored)).toBe('evil name.mp4');
    expect(backend.created.at(-1)).toMatchObject({ path: stored, settings: { reel: 'UP1' } });
  });

  it('refuses an upload over the limit (413), a bad setting (400) and a non-multipart body (415)', async () => {
    const big = form([{ name: 'file', value: 'x'.repeat(4096), filename: 'big.mp4' }]);
    const res = await app.inject({ method: 'POST', url: '/v1/uploads', ...big });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const bad = form([{ name: 'file', value: 'v', filename: 'a.mp4' }, { name: 'settings', value: '{"analysisWidth":"wide"}' }]);
    expect((await app.inject({ method: 'POST', url: '/v1/uploads', ...bad })).json()).toMatchObject({ status: 400, field: 'settings.analysisWidth' });
    expect((await app.inject({ method: 'POST', url: '/v1/uploads', headers: auth, payload: { path: 'x' } })).statusCode).toBe(415);
  });

  it('makes upload names safe', () => {
    expect(safeUploadName('../../etc/passwd')).toBe('passwd');
    expect(safeUploadName('..\\..\\x.mp4')).toBe('x.mp4');
    expect(safeUploadName('.hidden')).toBe('hidden');
    expect(safeUploadName('')).toBe('upload');
  });
});

describe('roughcut serve', () => {
  async function serve(argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stderr: string }> {
    const chunks: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk.toString()); done(); } }) as unknown as NodeJS.WriteStream;
    const saved = process.env.ROUGHCUT_API_TOKEN;
    delete process.env.ROUGHCUT_API_TOKEN;
    Object.assign(process.env, env);
    try {
      const code = await main(['serve', ...argv], { stdout: stream, stderr: stream }, [serveCommand]);
      return { code, stderr: chunks.join('') };
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      if (saved === undefined) delete process.env.ROUGHCUT_API_TOKEN;
      else process.env.ROUGHCUT_API_TOKEN = saved;
    }
  }

  it('refuses to start without a token on a non-loopback host, and --local-only off loopback (exit 2, before Redis)', async () => {
    const noToken = await serve(['--host', '0.0.0.0', '--media-root', media, '--redis', 'redis://127.0.0.1:1']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/needs a token: pass --token or set ROUGHCUT_API_TOKEN/);
    expect((await serve(['--media-root', media, '--redis', 'redis://127.0.0.1:1'])).code).toBe(2);
    const localOnly = await serve(['--host', '0.0.0.0', '--local-only', '--media-root', media, '--redis', 'redis://127.0.0.1:1']);
    expect(localOnly.code).toBe(2);
    expect(localOnly.stderr).toMatch(/--local-only needs a loopback --host/);
  });

  it('refuses a missing media root and a bad upload limit', async () => {
    expect((await serve(['--token', 't', '--media-root', path.join(dir, 'nope'), '--redis', 'redis://127.0.0.1:1'])).stderr).toMatch(/--media-root must name existing folders/);
    expect((await serve(['--token', 't', '--redis', 'redis://127.0.0.1:1'], { ROUGHCUT_MEDIA_ROOT: '' })).stderr).toMatch(/at least one --media-root/);
    expect((await serve(['--token', 't', '--media-root', media, '--upload-limit', '0'])).stderr).toMatch(/--upload-limit must be an integer/);
  });
});
