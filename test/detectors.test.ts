// Shot-boundary detectors on synthetic clips made with ffmpeg, whose boundaries are known exactly.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transition } from '../src/core/types.js';
import { decodeFrames } from '../src/frames/decode.js';
import { createBoundaryDetector } from '../src/keyframes/boundaries.js';
import { DEFAULT_DETECTORS, DETECTORS, detectorFactory } from '../src/keyframes/registry.js';
import { renderGraph, tempDir } from './helpers/media.js';

const W = 320;
const H = 180;
const FPS = 25;
const size = `${W}x${H}`;
let dir: string;
let cleanup: () => Promise<void>;

/** Runs the default boundary detector over a file at the analysis size. */
async function detect(file: string): Promise<Transition[]> {
  const detector = createBoundaryDetector({ fps: { num: FPS, den: 1 }, width: 160, height: 90, minShotFrames: 10 });
  const out: Transition[] = [];
  for await (const d of decodeFrames(file, { outputs: [{ name: 'a', width: 160, height: 90 }] })) out.push(...detector.push(d.frames.a!));
  out.push(...detector.flush());
  return out;
}

const src = (name: string, seconds: number): string =>
  ({
    bars: `smptebars=s=${size}:r=${FPS}:d=${seconds}`,
    test: `testsrc2=s=${size}:r=${FPS}:d=${seconds}`,
    mandel: `mandelbrot=s=${size}:r=${FPS},trim=duration=${seconds}`,
    rgb: `rgbtestsrc=s=${size}:r=${FPS}:d=${seconds}`,
    // Moving sources: a red box crossing the bars, a cellular automaton (every cell changes).
    barsbox: `smptebars=s=${size}:r=${FPS}:d=${seconds},drawbox=x='mod(t*160,260)':y=60:w=60:h=60:c=red:t=fill`,
    life: `life=s=${size}:r=${FPS}:mold=10:ratio=0.3:death_color=#1030a0:life_color=#f0c040,trim=duration=${seconds}`,
  })[name]!;

const render = (name: string, graph: string): Promise<string> => renderGraph(path.join(dir, `${name}.mp4`), graph);

function expectGradual(t: Transition | undefined, type: string, start: number, end: number): void {
  expect(t?.type).toBe(type);
  if (!t || t.type === 'cut') return;
  expect(Math.abs(t.startFrame - start)).toBeLessThanOrEqual(3);
  expect(Math.abs(t.endFrame - end)).toBeLessThanOrEqual(3);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-detectors-'));
});
afterAll(async () => cleanup());

describe('registry', () => {
  it('knows the default detectors and refuses unknown names', () => {
    for (const name of DEFAULT_DETECTORS) expect(DETECTORS[name]).toBeTypeOf('function');
    expect(() => detectorFactory('nope')).toThrow(/Unknown shot detector/);
  });
});

describe('boundary detector', () => {
  it('finds hard cuts between different sources at the exact frame', async () => {
    const file = await render('cuts', `${src('test', 2)}[a];${src('mandel', 2)}[b];${src('bars', 2)}[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]`);
    const t = await detect(file);
    expect(t.map((x) => x.type)).toEqual(['cut', 'cut']);
    expect(t.map((x) => (x.type === 'cut' ? x.frame : -1))).toEqual([50, 100]);
  });

  it('reports nothing on a single moving shot', async () => {
    const file = await render('single', `${src('test', 4)},format=yuv420p[v]`);
    expect(await detect(file)).toEqual([]);
  });

  it('does not take a two-frame white flash for a cut', async () => {
    const file = await render('flash', `${src('mandel', 4)},drawbox=x=0:y=0:w=iw:h=ih:color=white@0.85:t=fill:enable='between(n,50,51)',format=yuv420p[v]`);
    expect((await detect(file)).filter((x) => x.type === 'cut')).toEqual([]);
  });

  it('does not take a fast pan for a cut', async () => {
    const file = await render('pan', `mandelbrot=s=960x180:r=${FPS},trim=duration=4,crop=${W}:${H}:x='min(n*16,640)':y=0,format=yuv420p[v]`);
    expect((await detect(file)).filter((x) => x.type === 'cut')).toEqual([]);
  });

  it('finds a dissolve with its first and last frame', async () => {
    // xfade at offset 2 s for 1 s: frames 50..74 blend, 75 is the second source. Still sources:
    // motion inside the shots (a zooming mandelbrot) weakens the blend test below its confirmation level.
    const file = await render('dissolve', `${src('bars', 3)}[a];${src('rgb', 3)}[b];[a][b]xfade=transition=dissolve:duration=1:offset=2,format=yuv420p[v]`);
    const t = await detect(file);
    expect(t).toHaveLength(1);
    expectGradual(t[0], 'dissolve', 50, 74);
  });

  it('finds a fade through black as one event, and edge fades at the start and end', async () => {
    const graph = `${src('bars', 3)},fade=t=in:st=0:d=1,fade=t=out:st=2:d=1[a];${src('mandel', 3)},fade=t=in:st=0:d=1,fade=t=out:st=2:d=1[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]`;
    const t = await detect(await render('fades', graph));
    expect(t.map((x) => x.type)).toEqual(['fade-in', 'fade-through', 'fade-out']);
    expectGradual(t[0], 'fade-in', 0, 24);
    expectGradual(t[1], 'fade-through', 50, 99);
    expectGradual(t[2], 'fade-out', 125, 149);
    expect(t.every((x) => x.type === 'cut' || x.color === 'black')).toBe(true);
  });

  describe('dissolves between moving shots', () => {
    // xfade=dissolve at offset o for d seconds: frames o*25 .. (o+d)*25-1 blend. The pixel blend
    // test fails on these (the ends are not the pictures that were mixed); block means carry them.
    const cases: [string, string, string, number, number, number, number][] = [
      ['bars with a moving box into life, 10 frames', 'barsbox', 'life', 3, 0.4, 75, 84],
      ['moving testsrc2 into life, 25 frames', 'test', 'life', 2, 1, 50, 74],
      ['moving testsrc2 into a zooming mandelbrot, 25 frames', 'test', 'mandel', 2, 1, 50, 74],
    ];
    it.each(cases)('finds a dissolve: %s', async (name, a, b, offset, duration, start, end) => {
      const graph = `${src(a, offset + 2)}[a];${src(b, 4)}[b];[a][b]xfade=transition=dissolve:duration=${duration}:offset=${offset},format=yuv420p[v]`;
      const t = await detect(await render(`moving-${a}-${b}`, graph));
      expect(t).toHaveLength(1);
      expectGradual(t[0], 'dissolve', start, end);
    });

    it('reports nothing on a zooming mandelbrot or on life alone', async () => {
      expect(await detect(await render('zoom', `${src('mandel', 4)},format=yuv420p[v]`))).toEqual([]);
      expect(await detect(await render('life', `${src('life', 4)},format=yuv420p[v]`))).toEqual([]);
    });
  });
});
