// The OpenAPI 3 description of the HTTP API, written by hand beside the routes it describes (served at /openapi.json).
import { NO_FACE, SHOT_SCALES } from '../../src/classify/faces/characters.js';
import { BACKENDS } from '../../src/classify/backend-names.js';
import { SETTINGS } from '../../src/core/settings.js';
import { exporterGroups, exporters } from '../../src/export/registry.js';

const problem = { $ref: '#/components/responses/Problem' };
const jobId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** The settings object a job request may carry, derived from the settings table. */
function settingsSchema(): object {
  const properties: Record<string, object> = {};
  for (const spec of Object.values(SETTINGS)) {
    properties[spec.key] = {
      type: typeof spec.defaultValue === 'number' ? 'number' : 'string',
      description: spec.description,
      default: spec.defaultValue,
    };
  }
  return { type: 'object', additionalProperties: false, properties };
}

/** The model fields of a job request: the same models `roughcut analyze --model --characters --backend` runs. */
function modelSchemas(): Record<string, object> {
  return {
    model: { type: 'string', description: 'a scene classifier folder written by "roughcut train" (with labels.json), under a media root; labels frames, shots and segments. A retrained model (new labels.json) is analysed again rather than deduplicated.' },
    characters: {
      description: 'recognise characters by face: a gallery folder (DIR/<Name>/*.jpg) under a media root, or an object; {} clusters unknown faces only. A changed gallery (photos added, replaced or removed) is analysed again.',
      oneOf: [
        { type: 'string' },
        {
          type: 'object', additionalProperties: false,
          properties: {
            gallery: { type: 'string', description: 'gallery folder under a media root' },
            detector: { type: 'string', enum: ['fast', 'accurate'], default: 'fast' },
            threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 2, description: 'face descriptor match distance (lower is stricter); default 0.5' },
          },
        },
      ],
    },
    backend: { type: 'string', enum: ['auto', ...BACKENDS], default: 'auto', description: 'TensorFlow.js backend for the models; auto leaves it to the worker (its ROUGHCUT_TF_BACKEND, else the best that works there)' },
  };
}

/** Rough-cut rules, as `roughcut analyze --include ... --handles ...` takes them; applied to the EDL and every export. */
function rulesSchema(): object {
  const list = (description: string): object => ({ description, oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string', description: 'comma-separated' }] });
  return {
    type: 'object', additionalProperties: false,
    description: 'rough-cut rules for the EDL and the exports (as the CLI flags); absent: one event per shot in source order',
    properties: {
      include: list('keep only these: labels (anchor), character:NAME, technical:NAME, scene:NAME'),
      exclude: list('leave these out wherever they fall (exclusion wins)'),
      scale: { ...list('keep only shots of these scales'), examples: [[...SHOT_SCALES.map((s) => s.abbreviation), 'NF'], [NO_FACE]] },
      minDurationSeconds: { type: 'number', minimum: 0, description: 'drop events shorter than this, after merging' },
      mergeGapSeconds: { type: 'number', minimum: 0, description: 'join consecutive events of the same label at most this far apart' },
      handlesFrames: { type: 'integer', minimum: 0, description: 'extend every event by this many frames at each side' },
      handlesSeconds: { type: 'number', minimum: 0, description: 'handles in seconds (instead of handlesFrames)' },
      order: { type: 'string', enum: ['source', 'label'], default: 'source' },
    },
  };
}

/** The OpenAPI 3.1 document for `version` of the API. */
export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'roughcut API',
      version,
      description: 'Queue roughcut analyses of broadcast video, follow their progress and download EDLs, analysis.json, report.html and keyframes. Every route except this description needs a bearer token.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/jobs': {
        post: {
          summary: 'Queue an analysis of a file under a media root',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JobRequest' } } } },
          responses: {
            202: { description: 'Queued (or an equal job already was: deduplicated)', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobCreated' } } } },
            400: problem, 401: problem, 403: problem, 404: problem, 503: problem,
          },
        },
      },
      '/v1/uploads': {
        post: {
          summary: 'Upload a video and queue its analysis',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object', required: ['file'],
                  properties: {
                    file: { type: 'string', format: 'binary' },
                    settings: { type: 'string', description: 'JSON object, as in JobRequest.settings' },
                    formats: { type: 'string', description: 'comma-separated format names' },
                    model: { type: 'string', description: 'as in JobRequest.model' },
                    characters: { type: 'string', description: 'a gallery folder, or a JSON object as in JobRequest.characters' },
                    backend: { type: 'string', description: 'as in JobRequest.backend' },
                    rules: { type: 'string', description: 'JSON object, as in JobRequest.rules' },
                  },
                },
              },
            },
          },
          responses: {
            202: { description: 'Stored and queued', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobCreated' } } } },
            400: problem, 401: problem, 413: problem, 415: problem,
          },
        },
      },
      '/v1/jobs/{id}': {
        parameters: [jobId],
        get: {
          summary: 'Job state, progress, result paths and failure reason',
          responses: { 200: { description: 'The job', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } }, 401: problem, 404: problem },
        },
        delete: {
          summary: 'Cancel: a queued job is removed, a running one is asked to stop',
          responses: {
            200: { description: 'Removed from the queue', content: { 'application/json': { schema: { $ref: '#/components/schemas/Cancelled' } } } },
            202: { description: 'Running: the worker was asked to abort', content: { 'application/json': { schema: { $ref: '#/components/schemas/Cancelled' } } } },
            401: problem, 404: problem, 409: problem,
          },
        },
      },
      '/v1/jobs/{id}/events': {
        parameters: [jobId],
        get: {
          summary: 'Server-sent events: state, progress, then completed or failed (the stream ends there)',
          responses: { 200: { description: 'Event stream (events: state, progress, completed, failed, removed)', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: problem, 404: problem },
        },
      },
      '/v1/jobs/{id}/artifacts/{name}': {
        parameters: [jobId, { name: 'name', in: 'path', required: true, description: 'a file inside the job output folder, e.g. analysis.json or keyframes/<file>.jpg', schema: { type: 'string' } }],
        get: {
          summary: 'Download one output of a job',
          responses: { 200: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, 401: problem, 403: problem, 404: problem },
        },
      },
      '/v1/health': { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'Up' } } } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/admin/queues': { get: { summary: 'Queue dashboard (bull-board); Basic auth with the token as password also accepted', responses: { 200: { description: 'HTML' }, 401: problem } } },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: {
        Problem: { description: 'An error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
      schemas: {
        Problem: {
          type: 'object', required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', format: 'uri' }, title: { type: 'string' }, status: { type: 'integer' },
            detail: { type: 'string' }, field: { type: 'string' }, code: { type: 'string' },
          },
        },
        JobRequest: {
          type: 'object', required: ['path'], additionalProperties: false,
          properties: {
            path: { type: 'string', description: 'a file under a media root; relative paths start at the first root' },
            settings: settingsSchema(),
            formats: { oneOf: [{ type: 'array', items: { type: 'string', enum: [...exporters.map((e) => e.name), ...Object.keys(exporterGroups)] } }, { type: 'string' }] },
            ...modelSchemas(),
            rules: rulesSchema(),
          },
        },
        JobCreated: {
          type: 'object', required: ['id', 'deduplicated'],
          properties: { id: { type: 'string' }, deduplicated: { type: 'boolean' }, path: { type: 'string' }, links: { type: 'object' } },
        },
        Job: {
          type: 'object', required: ['id', 'state'],
          properties: {
            id: { type: 'string' },
            state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children', 'unknown'] },
            progress: {}, path: { type: 'string' }, outDir: { type: 'string' }, result: {},
            failedReason: { type: 'string' }, cancelRequested: { type: 'boolean' },
            artifacts: { type: 'array', items: { type: 'string' } }, links: { type: 'object' },
          },
        },
        Cancelled: { type: 'object', properties: { id: { type: 'string' }, outcome: { type: 'string', enum: ['removed', 'cancelling'] } } },
      },
    },
  };
}
