// analyze --model end to end: a classifier trained here labels a generated programme; label
// segments, per-shot scores, label-change keyframes, the backend record and rules on labels.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../src/classify/tf-runtime.js';
import type { AnalysisResult } from '../src/core/types.js';
import { runCli } from './helpers/cli.js';
import { renderGraph, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let model: string;
let program: string;

const n = 'fps=25,scale=320:180,setsar=1,format=yuv420p,settb=1/25';
/** Three "scene classes" with distinct looks; each trains from its own clip, unlike the programme's. */
const CLASSES: Record<string, (seconds: number, seed: number) => string> = {
  map: (d, s) => `mandelbrot=s=320x180:r=25:start_scale=${3 - s * 0.5},trim=duration=${d},${n}`,
  graphics: (d, s) => `testsrc2=s=320x180:r=25,hue=h=${s * 20},trim=duration=${d},${n}`,
  cells: (d, s) => `life=s=320x180:r=25:mold=10:ratio=0.3:seed=${s + 1}:life_color=#f0c040:death_color=#103080,trim=duration=${d},${n}`,
};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const examples = path.join(dir, 'examples');
  for (const [label, source] of Object.entries(CLASSES)) {
    await fs.mkdir(path.join(examples, label), { recursive: true });
    for (const seed of [0, 1]) await renderGraph(path.join(examples, label, `take${seed}.mp4`), `${source(4, seed)}[v]`);
  }
  // The programme: map 0-74, cut to graphics 75-149, cut to cells 150-249 (other seeds than the examples).
  program = await renderGraph(path.join(dir, 'programme.mp4'), [
    `${CLASSES.map!(3, 2)}[a]`, `${CLASSES.graphics!(3, 3)}[b]`, `${CLASSES.cells!(4, 3)}[c]`, '[a][b][c]concat=n=3:v=1:a=0[v]',
  ].join(';'));
  model = path.join(dir, 'model');
  const trained = await runCli(['train', examples, '--out', model, '--architecture', 'backbone', '--epochs', '40']);
  expect(trained.code, trained.stderr).toBe(0);
}, 240_000);

afterAll(async () => cleanup());

describe('analyze --model', () => {
  it('labels shots and segments, snaps label changes to the cuts and keyframes them', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(['analyze', program, '--out', out, '--model', model]);
    expect(run.code, run.stderr).toBe(0);
    const folder = path.join(out, 'programme');
    const analysis = JSON.parse(await fs.readFile(path.join(folder, 'analysis.json'), 'utf8')) as AnalysisResult;

    // The backend ladder: the one that ran, and every better one skipped with a reason.
    const { classifier } = analysis;
    expect(classifier.model).toBe(path.resolve(model));
    expect(classifier.classes).toEqual(['cells', 'graphics', 'map']);
    const ran = BACKENDS.indexOf(classifier.backend as (typeof BACKENDS)[number]);
    expect(ran).toBeGreaterThanOrEqual(0);
    expect(classifier.skipped?.map((s) => s.backend)).toEqual(BACKENDS.slice(0, ran));
    for (const s of classifier.skipped ?? []) expect(s.reason).not.toBe('');
    // 10 s at the default 0.5 samples per second, plus the 3 shot keyframes unless one was sampled.
    expect(classifier.samples).toBeGreaterThanOrEqual(7);
    expect(classifier.samples).toBeLessThanOrEqual(8);

    const scenes = analysis.segments.filter((s) => (s.kind ?? 'scene') === 'scene');
    expect(scenes.map((s) => s.label)).toEqual(['map', 'graphics', 'cells']);
    expect(scenes.map((s) => [s.startFrame, s.endFrame])).toEqual([[0, 75], [75, 150], [150, 250]]);
    for (const s of scenes) expect(s.confidence).toBeGreaterThan(0.5);

    expect(analysis.shots).toHaveLength(3);
    expect(analysis.shots.map((s) => Object.keys(s.labels)[0])).toEqual(['map', 'graphics', 'cells']);

    const changes = analysis.keyframes.filter((k) => k.reason === 'label-change');
    // Both labels change at cuts, so each change is shown by the new shot's own keyframe.
    expect(changes.map((k) => [k.frame, k.shot])).toEqual([1, 2].map((i) => [analysis.shots[i]!.keyframe.frame, i]));
    for (const k of analysis.keyframes) {
      expect(existsSync(path.join(folder, 'keyframes', `${String(k.frame).padStart(6, '0')}.jpg`)), `keyframe ${k.frame}`).toBe(true);
    }
  }, 120_000);

  it('cuts the rough cut on labels: --include graphics gives one named event', async () => {
    const out = path.join(dir, 'out-rules');
    const run = await runCli(['analyze', program, '--out', out, '--model', model, '--include', 'graphics']);
    expect(run.code, run.stderr).toBe(0);
    const edl = await fs.readFile(path.join(out, 'programme', 'programme.edl'), 'utf8');
    const events = edl.split('\n').filter((l) => /^\d{3} /.test(l));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/ 00:00:03:00 00:00:06:00 01:00:00:00 01:00:03:00$/);
    expect(edl).toContain('* FROM CLIP NAME: graphics');
    expect(edl).toMatch(/\* LABEL graphics (0\.\d\d|1\.00)/);
  }, 120_000);

  it('refuses a folder that is not a model before decoding anything', async () => {
    const out = path.join(dir, 'out-bad');
    const notModel = path.join(dir, 'examples');
    const run = await runCli(['analyze', program, '--out', out, '--model', notModel]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(notModel);
    expect(run.stderr).toContain('roughcut train');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('a forced backend that cannot run here is a usage error naming the reason', async () => {
    const run = await runCli(['analyze', program, '--out', path.join(dir, 'out-backend'), '--model', model, '--backend', 'tensorflow-gpu']);
    if (run.code === 0) return; // a machine with a working tfjs-node-gpu
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--backend tensorflow-gpu cannot run here: .+/);
  }, 60_000);
});
