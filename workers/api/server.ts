// The roughcut HTTP API: jobs, uploads, status, progress events, artifacts, cancel, OpenAPI and the queue dashboard, over a JobBackend.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { presentedToken, tokenMatches } from './auth.js';
import type { JobBackend, JobEvent, JobView } from './job-backend.js';
import { parseRequestFormats, parseRequestModels, parseRequestRules, parseRequestSettings, type ModelFields } from './job-request.js';
import { isInside, listArtifacts, resolveArtifact, resolveMediaPath } from './media-paths.js';
import { openApiDocument } from './openapi.js';
import { ApiProblem, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** How the API server is set up. */
export interface ApiServerOptions {
  readonly backend: JobBackend;
  /** Real paths of the folders jobs may read from (see realRoots). */
  readonly mediaRoots: readonly string[];
  /** Real path of the folder uploads are stored in; it should sit on storage the workers share. */
  readonly uploadRoot: string;
  /** The bearer token; `undefined` only for a loopback server started with --local-only. */
  readonly token: string | undefined;
  /** Largest accepted upload, in bytes. */
  readonly uploadLimitBytes: number;
  /** Version shown in the OpenAPI description. */
  readonly version?: string;
  /** Sends bull-board's routes; off when the backend has no queues to show. */
  readonly dashboard?: boolean;
  readonly logger?: Logger;
  /** Interval of SSE keep-alive comments, in milliseconds. */
  readonly heartbeatMs?: number;
  /**
   * How often an event stream re-reads the job state, in milliseconds: a safety net for a
   * finish the event subscription missed (a Redis reconnect, a job that ended as it started).
   */
  readonly statePollMs?: number;
}

/** Routes anyone may read: liveness and the API description. */
const PUBLIC_ROUTES = new Set(['/v1/health', '/openapi.json']);
/** Where bull-board is mounted. */
export const DASHBOARD_PATH = '/admin/queues';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json', '.html': 'text/html; charset=utf-8', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.png': 'image/png', '.edl': 'text/plain; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.xml': 'application/xml',
  '.fcpxml': 'application/xml', '.otio': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

function sendProblem(reply: FastifyReply, problem: ApiProblem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toBody());
}

/** A file name safe to create: the base name only, odd characters replaced, never hidden. */
export function safeUploadName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._ -]/g, '_').replace(/^[.\s]+/, '').slice(-200);
  return base === '' ? 'upload' : base;
}

function jobLinks(id: string): Record<string, string> {
  const base = `/v1/jobs/${encodeURIComponent(id)}`;
  return { self: base, events: `${base}/events`, artifacts: `${base}/artifacts/` };
}

/** The fields a job request takes (JSON body, or form fields beside an upload). */
const JOB_FIELDS = ['path', 'settings', 'formats', 'model', 'characters', 'backend', 'rules'];

/** A JSON form field (`settings`, `rules`, `characters` as an object), or undefined when absent. */
function jsonField(text: string | undefined, field: string, what: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiProblem(field === 'settings' ? 'invalid-setting' : 'bad-request', `${field} must be ${what}.`, { field });
  }
}

function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Builds the API server (not yet listening): auth on every route but /v1/health and
 * /openapi.json, problem+json errors, the /v1 routes and bull-board at /admin/queues.
 */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { backend, mediaRoots, uploadRoot, token } = options;
  const logger = options.logger ?? silentLogger;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const statePollMs = options.statePollMs ?? 5_000;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, return503OnClosing: true });

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) logger.error('request failed', { method: request.method, url: request.url, error: error instanceof Error ? error.stack ?? error.message : String(error) });
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, new ApiProblem('not-found', `No route ${request.method} ${request.url.split('?')[0]}.`)));

  app.addHook('onRequest', async (request, reply) => {
    const route = request.url.split('?')[0] ?? '';
    if (token === undefined || PUBLIC_ROUTES.has(route)) return;
    const dashboard = route === DASHBOARD_PATH || route.startsWith(`${DASHBOARD_PATH}/`);
    const presented = presentedToken(request.headers.authorization, dashboard);
    if (presented !== undefined && tokenMatches(presented, token)) return;
    // A browser opening the dashboard gets a password prompt; API clients see the Bearer scheme.
    reply.header('www-authenticate', dashboard ? 'Basic realm="roughcut", charset="UTF-8"' : 'Bearer realm="roughcut"');
    const detail = presented === undefined
      ? 'This route needs "Authorization: Bearer <token>" with the token the server was started with.'
      : 'The bearer token is wrong.';
    return sendProblem(reply, new ApiProblem('unauthorized', detail));
  });

  await app.register(multipart, {
    limits: { fileSize: options.uploadLimitBytes, files: 1, fields: 8, fieldSize: 64 * 1024, parts: 10 },
  });

  app.get('/v1/health', async () => ({ ok: true }));
  const document = openApiDocument(options.version ?? '0.0.0');
  app.get('/openapi.json', async () => document);

  app.post('/v1/jobs', async (request: FastifyRequest, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiProblem('bad-request', 'The body must be a JSON object: {"path": "...", "settings"?: {...}, "formats"?: [...], "model"?: "...", "characters"?: ..., "backend"?: "...", "rules"?: {...}}.');
    }
    const fields = body as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !JOB_FIELDS.includes(k));
    if (unknown.length > 0) throw new ApiProblem('bad-request', `Unknown field ${unknown.map((k) => `"${k}"`).join(', ')}; a job takes ${JOB_FIELDS.join(', ')}.`, { field: unknown[0]! });
    const settings = parseRequestSettings(fields.settings);
    const formats = parseRequestFormats(fields.formats);
    const rules = parseRequestRules(fields.rules);
    const models = await parseRequestModels(fields as ModelFields, mediaRoots);
    const real = await resolveMediaPath(fields.path, mediaRoots);
    const created = await backend.create({ path: real, ...(settings ? { settings } : {}), ...(formats ? { formats } : {}), ...(models ? { models } : {}), ...(rules ? { rules } : {}) });
    logger.info('job queued', { jobId: created.jobId, path: real, deduplicated: created.deduplicated });
    return reply.code(202).header('location', jobLinks(created.jobId).self)
      .send({ id: created.jobId, deduplicated: created.deduplicated, path: real, links: jobLinks(created.jobId) });
  });

  app.post('/v1/uploads', async (request, reply) => {
    if (!request.isMultipart()) throw new ApiProblem('unsupported-media-type', 'Send the video as multipart/form-data with a "file" part.');
    const text: Record<string, string> = {};
    let stored: string | undefined;
    let folder: string | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (typeof part.value === 'string') text[part.fieldname] = part.value;
          continue;
        }
        if (part.fieldname !== 'file' || stored !== undefined) {
          part.file.resume();
          throw new ApiProblem('bad-request', 'Send exactly one file, in a part named "file".', { field: part.fieldname });
        }
        folder = path.join(uploadRoot, `${new Date().toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`);
        await fs.mkdir(folder, { recursive: true });
        const target = path.join(folder, safeUploadName(part.filename));
        const tmp = path.join(folder, `.${path.basename(target)}.partial`);
        await pipeline(part.file, createWriteStream(tmp));
        if (part.file.truncated) {
          throw new ApiProblem('too-large', `The upload is larger than the limit of ${Math.floor(options.uploadLimitBytes / 1024 / 1024)} MB.`, { field: 'file' });
        }
        await fs.rename(tmp, target);
        stored = target;
      }
      if (stored === undefined) throw new ApiProblem('bad-request', 'The form has no "file" part.', { field: 'file' });
      const settings = parseRequestSettings(jsonField(text.settings, 'settings', 'a JSON object'));
      const formats = parseRequestFormats(text.formats);
      const rules = parseRequestRules(jsonField(text.rules, 'rules', 'a JSON object of rough-cut rules'));
      // characters is a gallery path, or a JSON object with gallery, detector and threshold.
      const characters = text.characters?.trimStart().startsWith('{') ? jsonField(text.characters, 'characters', 'a gallery folder or a JSON object') : text.characters;
      const models = await parseRequestModels({ model: text.model, characters, backend: text.backend }, mediaRoots);
      const real = await resolveMediaPath(stored, [uploadRoot, ...mediaRoots], 'file');
      const created = await backend.create({ path: real, ...(settings ? { settings } : {}), ...(formats ? { formats } : {}), ...(models ? { models } : {}), ...(rules ? { rules } : {}) });
      logger.info('upload queued', { jobId: created.jobId, path: real });
      return await reply.code(202).header('location', jobLinks(created.jobId).self)
        .send({ id: created.jobId, deduplicated: created.deduplicated, path: real, links: jobLinks(created.jobId) });
    } catch (error) {
      if (folder !== undefined && isInside(uploadRoot, folder)) await fs.rm(folder, { recursive: true, force: true });
      throw error;
    }
  });

  const loadJob = async (id: string): Promise<JobView> => {
    const job = await backend.get(id);
    if (!job) throw new ApiProblem('not-found', `There is no job "${id}" (it may have been removed after finishing).`);
    return job;
  };

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request) => {
    const job = await loadJob(request.params.id);
    const artifacts = job.state === 'completed' && job.outDir ? await listArtifacts(job.outDir) : undefined;
    return { ...job, ...(artifacts ? { artifacts } : {}), links: jobLinks(job.id) };
  });

  app.delete<{ Params: { id: string } }>('/v1/jobs/:id', async (request, reply) => {
    const { id } = request.params;
    const outcome = await backend.cancel(id);
    if (outcome === 'missing') throw new ApiProblem('not-found', `There is no job "${id}".`);
    if (outcome === 'finished') throw new ApiProblem('conflict', `Job "${id}" has already finished; nothing to cancel.`);
    logger.info('job cancel', { jobId: id, outcome });
    return reply.code(outcome === 'removed' ? 200 : 202).send({ id, outcome });
  });

  app.get<{ Params: { id: string; '*': string } }>('/v1/jobs/:id/artifacts/*', async (request, reply) => {
    const job = await loadJob(request.params.id);
    if (!job.outDir) throw new ApiProblem('not-found', `Job "${job.id}" has no output folder yet (state ${job.state}).`);
    const file = await resolveArtifact(job.outDir, request.params['*']);
    const stat = await fs.stat(file);
    return reply.type(CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream')
      .header('content-length', stat.size)
      .header('content-disposition', `inline; filename="${path.basename(file).replace(/["\\\r\n]/g, '_')}"`)
      .send(createReadStream(file));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/events', async (request, reply) => {
    const { id } = request.params;
    // Subscribe before reading the state, so an event between the two is queued, not lost.
    const early: JobEvent[] = [];
    let deliver: (event: JobEvent) => void = (event) => { early.push(event); };
    const unsubscribe = await backend.subscribe(id, (event) => deliver(event));
    let job: JobView | undefined;
    try {
      job = await loadJob(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let open = true;
    const heartbeat = setInterval(() => { if (open) raw.write(': keep-alive\n\n'); }, heartbeatMs);
    const poll = setInterval(() => {
      backend.get(id).then((now) => {
        if (!now) write({ type: 'removed' });
        else if (now.state === 'completed') write({ type: 'completed', result: now.result });
        else if (now.state === 'failed') write({ type: 'failed', reason: now.failedReason ?? 'failed' });
      }, () => { /* Redis away for a moment: the next poll or event will tell */ });
    }, statePollMs);
    const finish = (): void => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      clearInterval(poll);
      unsubscribe();
      raw.end();
    };
    raw.on('close', finish);
    const write = (event: JobEvent): void => {
      if (!open) return;
      const { type, ...data } = event;
      raw.write(sseFrame(type, { id, ...data }));
      if (type !== 'progress') finish();
    };
    raw.write(sseFrame('state', { id, state: job.state, progress: job.progress }));
    if (job.state === 'completed') return write({ type: 'completed', result: job.result });
    if (job.state === 'failed') return write({ type: 'failed', reason: job.failedReason ?? 'failed' });
    for (const event of early) write(event);
    deliver = write;
  });

  if (options.dashboard !== false && backend.dashboardQueues) {
    const queues = backend.dashboardQueues();
    if (queues.length > 0) {
      const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
        import('@bull-board/api'), import('@bull-board/api/bullMQAdapter'), import('@bull-board/fastify'),
      ]);
      const serverAdapter = new FastifyAdapter();
      // The backend hands BullMQ Queue objects; bull-board's types want its own Queue interface.
      // @bull-board/fastify ships its own nested copy of @bull-board/api, whose (structurally
      // equal) types TypeScript will not unify with the top-level one: hence the cast.
      createBullBoard({
        queues: queues.map((q) => new BullMQAdapter(q as ConstructorParameters<typeof BullMQAdapter>[0])),
        serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      });
      serverAdapter.setBasePath(DASHBOARD_PATH);
      await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
    }
  }

  app.addHook('onClose', async () => { await backend.close(); });
  return app;
}
