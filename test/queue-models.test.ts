// The queue, the watched folder's options and the HTTP API with a scene classifier trained here, a gallery and rough-cut rules, against a real Redis and a real worker process.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { silentLogger } from '../src/core/logger.js';
import { defaultSettings } from '../src/core/settings.js';
import type { AnalysisResult } from '../src/core/types.js';
import { realRoots } from '../workers/api/media-paths.js';
import { openQueueBackend } from '../workers/api/queue-backend.js';
import { buildApiServer } from '../workers/api/server.js';
import { hashTagPrefix, type QueueConnection } from '../workers/connection.js';
import { analysisKey, hashFileContent } from '../workers/job-id.js';
import { enqueueAnalysis, galleryFingerprint, jobBackend, openQueues, type RoughcutQueues } from '../workers/queue.js';
import { queueCommands } from '../workers/queue-commands.js';
import { watchCommandOptions, watchModelOptions } from '../workers/watch-command.js';
import { startWorkerProcess, type WorkerProcess } from './fixtures/queue-worker-process.js';
import { runCli } from './helpers/cli.js';
import { renderGraph, tempDir } from './helpers/media.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

const TOKEN = 'queue-models-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let redis: TestRedis;
let dir: string;
let cleanup: () => Promise<void>;
/** The real path of `dir`: the API's media root. */
let root: string;
let model: string;
let programme: string;
let gallery: string;
let n = 0;
const prefixFor = (): string => hashTagPrefix(`rc-models-${process.pid}-${++n}`);

const norm = 'fps=25,scale=320:180,setsar=1,format=yuv420p,settb=1/25';
/** Two "scene classes" with distinct looks; each trains from its own clips, unlike the programme's. */
const CLASSES: Record<string, (seconds: number, seed: number) => string> = {
  map: (d, s) => `mandelbrot=s=320x180:r=25:start_scale=${3 - s * 0.5},trim=duration=${d},${norm}`,
  graphics: (d, s) => `testsrc2=s=320x180:r=25,hue=h=${s * 20},trim=duration=${d},${norm}`,
};

/** `roughcut <argv>` with the queue commands, output captured. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]): NodeJS.WriteStream => new Writable({ write(c: Buffer, _e, done) { into.push(c.toString()); done(); } }) as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr) }, queueCommands);
  return { code, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
}

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempDir('roughcut-queue-models-'));
  [root] = await realRoots([dir]) as [string];
  const examples = path.join(root, 'examples');
  for (const [label, source] of Object.entries(CLASSES)) {
    await fs.mkdir(path.join(examples, label), { recursive: true });
    for (const seed of [0, 1]) await renderGraph(path.join(examples, label, `take${seed}.mp4`), `${source(3, seed)}[v]`);
  }
  // The programme: map frames 0-74, cut to graphics 75-149 (other seeds than the examples).
  programme = await renderGraph(path.join(root, 'programme.mp4'), [`${CLASSES.map!(3, 2)}[a]`, `${CLASSES.graphics!(3, 3)}[b]`, '[a][b]concat=n=2:v=1:a=0[v]'].join(';'));
  model = path.join(root, 'model');
  const trained = await runCli(['train', examples, '--out', model, '--architecture', 'backbone', '--epochs', '10']);
  expect(trained.code, trained.stderr).toBe(0);
  // A gallery is only listed (never loaded) by the tests that use it: its photos need no faces.
  gallery = path.join(root, 'gallery');
  await fs.mkdir(path.join(gallery, 'Alice'), { recursive: true });
  await fs.writeFile(path.join(gallery, 'Alice', 'a1.jpg'), 'not really a photo');
}, 120_000);

afterAll(async () => {
  await redis?.close();
  await cleanup?.();
});

describe('a model job through the queue', () => {
  let connection: QueueConnection;
  let queues: RoughcutQueues;
  let worker: WorkerProcess;

  beforeAll(async () => {
    connection = { url: redis.url, prefix: prefixFor() };
    queues = openQueues(connection);
    worker = await startWorkerProcess(redis.url, connection.prefix);
  });

  afterAll(async () => {
    await queues?.close();
    worker?.killHard();
  });

  it('roughcut enqueue --model --include: classifier and scene segments in analysis.json, the rules on the EDL and on the export job\'s formats', async () => {
    const out = path.join(root, 'cli');
    // A relative model path: the job must carry it absolute, since the worker runs elsewhere.
    const relativeModel = path.relative(process.cwd(), model);
    const run = await cli(['enqueue', programme, '--wait', '--json', '--model', relativeModel, '--include', 'graphics', '--format', 'fcp7',
      '--redis', redis.url, '--prefix', connection.prefix, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const queued = JSON.parse(run.stdout.split('\n')[0]!) as { jobId: string };
    const job = await queues.analyze.getJob(queued.jobId);
    expect(job?.data).toMatchObject({ model, rules: { include: ['graphics'] }, fingerprints: { labels: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    const folder = path.join(out, 'programme');
    const analysis = JSON.parse(await fs.readFile(path.join(folder, 'analysis.json'), 'utf8')) as AnalysisResult;
    expect(analysis.classifier.model).toBe(model);
    expect(analysis.classifier.classes).toEqual(['graphics', 'map']);
    const scenes = analysis.segments.filter((s) => (s.kind ?? 'scene') === 'scene');
    expect(scenes.map((s) => [s.label, s.startFrame, s.endFrame])).toEqual([['map', 0, 75], ['graphics', 75, 150]]);

    // The analysis wrote the EDL with the rules: one event, graphics, frames 75-150.
    const edl = await fs.readFile(path.join(folder, 'programme.edl'), 'utf8');
    const events = edl.split('\n').filter((l) => /^\d{3} /.test(l));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/ 00:00:03:00 00:00:06:00 01:00:00:00 01:00:03:00$/);
    expect(edl).toContain('* FROM CLIP NAME: graphics');
    // The export job rendered FCP7 XML with the same selection: one clip item, named graphics, 75 frames.
    const xml = await fs.readFile(path.join(folder, 'programme.xml'), 'utf8');
    const clips = xml.match(/<clipitem\b[\s\S]*?<\/clipitem>/g) ?? [];
    expect(clips).toHaveLength(1);
    expect(clips[0]).toContain('<name>graphics</name>');
    expect(clips[0]).toMatch(/<in>75<\/in>\s*<out>150<\/out>/);
  }, 120_000);
});

describe('the analysis key and the checks before queueing (no worker)', () => {
  let connection: QueueConnection;
  let queues: RoughcutQueues;

  beforeAll(() => {
    connection = { url: redis.url, prefix: prefixFor() };
    queues = openQueues(connection);
  });

  afterAll(async () => queues?.close());

  it('keeps the key of a job without models, and changes it when labels.json or the gallery changes', async () => {
    const plain = await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'plain') });
    const contentHash = await hashFileContent(programme);
    expect(plain.jobId).toBe(`analyze-${analysisKey(contentHash, { settings: defaultSettings(), formats: [], exportOptions: {} })}`);
    // 'auto' and no backend, no rules and empty rules are the same job.
    expect((await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'plain2'), backend: 'auto', rules: {} })).jobId).toBe(plain.jobId);

    const copy = path.join(root, 'model-copy');
    await fs.cp(model, copy, { recursive: true });
    const first = await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'm1'), model: copy });
    expect(first.jobId).not.toBe(plain.jobId);
    expect((await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'm2'), model: copy })).deduplicated).toBe(true);
    // Retraining writes a new labels.json (trainedAt): the same request is a new job.
    const labelsFile = path.join(copy, 'labels.json');
    const labels = JSON.parse(await fs.readFile(labelsFile, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(labelsFile, JSON.stringify({ ...labels, trainedAt: '2030-01-01T00:00:00.000Z' }));
    const retrained = await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'm3'), model: copy });
    expect(retrained.deduplicated).toBe(false);
    expect(retrained.jobId).not.toBe(first.jobId);

    const withGallery = await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'g1'), characters: { gallery } });
    const before = await galleryFingerprint(gallery);
    // The descriptor cache the gallery loader writes is not part of the fingerprint; a new photo is.
    await fs.writeFile(path.join(gallery, '.roughcut-gallery.json'), '{}');
    expect(await galleryFingerprint(gallery)).toBe(before);
    await fs.writeFile(path.join(gallery, 'Alice', 'a2.jpg'), 'another photo');
    expect(await galleryFingerprint(gallery)).not.toBe(before);
    const grown = await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'g2'), characters: { gallery } });
    expect(grown.jobId).not.toBe(withGallery.jobId);
    const job = await queues.analyze.getJob(grown.jobId);
    expect(job?.data.characters).toEqual({ gallery, detector: 'fast' });

    // Rules change the cut, so they are part of the key too.
    const ruled = await enqueueAnalysis(queues, { path: programme, outDir: path.join(root, 'k', 'r'), rules: { include: ['graphics'] } });
    expect(ruled.jobId).not.toBe(plain.jobId);
  });

  it('roughcut enqueue refuses a folder that is not a model (exit 2, one sentence) and bad rule flags, queueing nothing', async () => {
    const flags = ['--redis', redis.url, '--prefix', connection.prefix, '--out', path.join(root, 'bad')];
    const before = await queues.analyze.getJobCounts('waiting', 'prioritized', 'waiting-children');
    const notModel = path.join(root, 'examples');
    const bad = await cli(['enqueue', programme, '--model', notModel, ...flags]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`roughcut: ${notModel}: not a roughcut model folder (no labels.json); train one with "roughcut train <examples> --out ${notModel}".\n`);
    const scale = await cli(['enqueue', programme, '--scale', 'XL', ...flags]);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toMatch(/--scale "XL" is not a shot scale/);
    const detector = await cli(['enqueue', programme, '--characters', gallery, '--face-detector', 'best', ...flags]);
    expect(detector.code).toBe(2);
    expect(detector.stderr).toMatch(/--face-detector "best" is not one of fast, accurate/);
    expect(await queues.analyze.getJobCounts('waiting', 'prioritized', 'waiting-children')).toEqual(before);
  });

  it('roughcut watch reads the model and rule flags as analyze does; the worker backend comes from the job, then ROUGHCUT_TF_BACKEND', async () => {
    const options = watchCommandOptions(root, { include: 'graphics', handles: '0.5s' }, {});
    expect(options.rules).toEqual({ include: ['graphics'], handlesSeconds: 0.5 });
    expect(watchCommandOptions(root, {}, {}).rules).toBeUndefined();
    expect(await watchModelOptions({ backend: 'auto' })).toBeUndefined();
    expect(await watchModelOptions({ model, backend: 'wasm' })).toEqual({ model, backend: 'wasm' });
    await expect(watchModelOptions({ model: gallery })).rejects.toMatchObject({ code: 'BAD_MODEL' });

    expect(jobBackend({ backend: 'cpu' }, { ROUGHCUT_TF_BACKEND: 'tensorflow-gpu' })).toBe('cpu');
    expect(jobBackend({}, { ROUGHCUT_TF_BACKEND: 'tensorflow-gpu' })).toBe('tensorflow-gpu');
    expect(jobBackend({}, {})).toBe('auto');
    expect(() => jobBackend({}, { ROUGHCUT_TF_BACKEND: 'tfjs-node-gpu' })).toThrow(/ROUGHCUT_TF_BACKEND="tfjs-node-gpu" is not one of auto, tensorflow-gpu/);
  });
});

describe('the HTTP API with models and rules', () => {
  let app: FastifyInstance;
  let queues: RoughcutQueues;

  beforeAll(async () => {
    const connection = { url: redis.url, prefix: prefixFor() };
    queues = openQueues(connection);
    const backend = await openQueueBackend(connection, path.join(root, 'api-out'), silentLogger);
    app = await buildApiServer({ backend, mediaRoots: [root], uploadRoot: path.join(root, 'uploads'), token: TOKEN, uploadLimitBytes: 1 << 20, dashboard: false });
  });

  afterAll(async () => {
    await app?.close();
    await queues?.close();
  });

  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload });

  it('queues a job with a model, a gallery, a backend and rules, carried to the job as checked paths and parsed rules', async () => {
    const res = await post({
      path: 'programme.mp4', model: 'model', characters: { gallery: 'gallery', threshold: 0.45 }, backend: 'wasm',
      rules: { include: 'graphics,character:Alice', scale: ['CU'], handlesFrames: 12, order: 'label' },
    });
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    const job = await queues.analyze.getJob(id);
    expect(job?.data).toMatchObject({
      model, characters: { gallery, detector: 'fast', threshold: 0.45 }, backend: 'wasm',
      rules: { include: ['graphics', 'character:Alice'], scale: ['close-up'], handlesFrames: 12, order: 'label' },
    });
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { components: { schemas: { JobRequest: { properties: Record<string, unknown> } } } };
    expect(Object.keys(doc.components.schemas.JobRequest.properties)).toEqual(expect.arrayContaining(['model', 'characters', 'backend', 'rules']));
  });

  it('refuses a bad model, gallery, backend or rule with a 400 naming the field, and a folder outside the media roots with a 403', async () => {
    const cases: [object, number, string, RegExp][] = [
      [{ model: 'examples' }, 400, 'model', /not a roughcut model folder \(no labels\.json\)/],
      [{ model: 'no-such-model' }, 400, 'model', /does not exist under the media roots/],
      [{ model: 'programme.mp4' }, 400, 'model', /is not a folder/],
      [{ model: '/etc' }, 403, 'model', /outside the media roots/],
      [{ model: 42 }, 400, 'model', /non-empty string/],
      [{ characters: { gallery: 'nowhere' } }, 400, 'characters.gallery', /does not exist/],
      [{ characters: { detector: 'best' } }, 400, 'characters', /"best" is not one of fast, accurate/],
      [{ characters: { threshold: 3 } }, 400, 'characters', /between 0 and 2/],
      [{ characters: { size: 3 } }, 400, 'characters.size', /not an option/],
      [{ backend: 'cuda' }, 400, 'backend', /is not one of auto, tensorflow-gpu, tensorflow, wasm, cpu/],
      [{ rules: { scale: 'XL' } }, 400, 'rules.scale', /"XL" is not a shot scale/],
      [{ rules: { include: [''] } }, 400, 'rules.include', /is empty/],
      [{ rules: { handlesFrames: 1.5 } }, 400, 'rules.handlesFrames', /whole number of frames/],
      [{ rules: { minDuration: 2 } }, 400, 'rules.minDuration', /is not a rule; known rules: include/],
      [{ rules: 'graphics' }, 400, 'rules', /must be an object/],
    ];
    for (const [fields, status, field, detail] of cases) {
      const res = await post({ path: 'programme.mp4', ...fields });
      expect(res.statusCode, `${JSON.stringify(fields)}: ${res.body}`).toBe(status);
      const body = res.json() as { field?: string; detail: string };
      expect(body.field, JSON.stringify(fields)).toBe(field);
      expect(body.detail, JSON.stringify(fields)).toMatch(detail);
    }
    expect((await post({ path: 'programme.mp4', model: 'examples' })).json()).toMatchObject({ code: 'BAD_MODEL' });
  });

  it('takes the same fields beside an upload (rules and characters as JSON), and keeps nothing of a refused one', async () => {
    const video = await fs.readFile(programme, 'latin1');
    const form = (fields: Record<string, string>) => {
      const boundary = '----roughcut-models';
      const parts = [...Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="up.mp4"\r\nContent-Type: video/mp4\r\n\r\n${video}\r\n`];
      return { payload: Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'latin1'), headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` } };
    };
    const bad = await app.inject({ method: 'POST', url: '/v1/uploads', ...form({ model: 'examples' }) });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'model', code: 'BAD_MODEL' });
    expect(await fs.readdir(path.join(root, 'uploads')).catch(() => [])).toEqual([]);
    const ok = await app.inject({ method: 'POST', url: '/v1/uploads', ...form({ model: 'model', characters: '{"detector":"accurate"}', rules: '{"exclude":["map"]}' }) });
    expect(ok.statusCode, ok.body).toBe(202);
    const job = await queues.analyze.getJob((ok.json() as { id: string }).id);
    expect(job?.data).toMatchObject({ model, characters: { detector: 'accurate' }, rules: { exclude: ['map'] } });
    expect(job?.data.characters?.gallery).toBeUndefined();
  });
});
