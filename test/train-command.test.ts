// roughcut train and evaluate end to end on a tiny generated image folder: real sharp, real TF.js (the backend the ladder picks).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from '../src/frames/image-codec.js';
import { runCli } from './helpers/cli.js';
import { ffmpeg, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;

/** A 240x135 image: a flat colour with a stripe whose position moves with `n`, so images of a class differ a little. */
async function writeImage(file: string, rgb: [number, number, number], n: number): Promise<void> {
  const width = 240;
  const height = 135;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(x - 20 * n) < 6;
      const o = (y * width + x) * 3;
      data[o] = stripe ? 255 - rgb[0] : rgb[0];
      data[o + 1] = stripe ? 255 - rgb[1] : rgb[1];
      data[o + 2] = stripe ? 255 - rgb[2] : rgb[2];
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-train-cli-'));
  const classes: Record<string, [number, number, number]> = { desk: [30, 40, 150], map: [40, 160, 60], bars: [200, 190, 30] };
  for (const [label, rgb] of Object.entries(classes)) {
    await mkdir(path.join(dir, 'data', label), { recursive: true });
    // Two "shots" of four grabs each: two groups per class, so the split holds out a whole one.
    for (let shot = 1; shot <= 2; shot++) {
      for (let k = 1; k <= 4; k++) await writeImage(path.join(dir, 'data', label, `shot${shot}_${k}.png`), rgb, shot * 4 + k);
    }
  }
}, 60_000);

afterAll(async () => { await cleanup(); });

describe('roughcut train / evaluate', () => {
  it('trains the backbone head for 3 epochs and writes the model, labels and report; evaluate prints a table and writes confusion.html', async () => {
    const model = path.join(dir, 'model');
    const train = await runCli(['train', path.join(dir, 'data'), '--out', model, '--epochs', '3', '--architecture', 'backbone']);
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/chosen: backbone, validation accuracy \d\.\d{3}/);
    expect(train.stdout).toMatch(/backend: (tensorflow-gpu|tensorflow|wasm|cpu)/);
    expect(train.stdout).toContain(model);
    for (const f of ['model.json', 'labels.json', 'training-report.html']) expect(existsSync(path.join(model, f))).toBe(true);
    const labels = JSON.parse(await readFile(path.join(model, 'labels.json'), 'utf8')) as { classes: string[] };
    expect(labels.classes).toEqual(['bars', 'desk', 'map']);

    const evaluation = await runCli(['evaluate', path.join(dir, 'data'), '--model', model]);
    expect(evaluation.stderr).toBe('');
    expect(evaluation.code).toBe(0);
    expect(evaluation.stdout).toMatch(/^accuracy \d\.\d+ \(\d+ of 24\)/);
    expect(evaluation.stdout).toContain('confusion (rows: truth, columns: predicted)');
    const html = await readFile(path.join(model, 'confusion.html'), 'utf8');
    expect(html).toContain('<table class="heat">');
    const json = JSON.parse(await readFile(path.join(model, 'confusion.json'), 'utf8')) as { total: number; classes: string[] };
    expect(json.total).toBe(24);
    expect(json.classes).toEqual(['bars', 'desk', 'map']);

    // --json: the metrics on stdout; --unknown-below 1 turns (all but certain) predictions into "unknown".
    const refused = await runCli(['evaluate', path.join(dir, 'data'), '--model', model, '--json', '--unknown-below', '1', '--out', path.join(dir, 'eval')]);
    expect(refused.code).toBe(0);
    const result = JSON.parse(refused.stdout) as { ok: boolean; total: number; classes: string[] };
    expect(result.ok).toBe(true);
    expect(result.total).toBe(24);
    expect(result.classes).toEqual(['bars', 'desk', 'map', 'unknown']);
    expect(existsSync(path.join(dir, 'eval', 'confusion.html'))).toBe(true);

    // Evaluation data may hold one class only.
    await mkdir(path.join(dir, 'one', 'map'), { recursive: true });
    for (let k = 1; k <= 3; k++) await copyFile(path.join(dir, 'data', 'map', `shot1_${k}.png`), path.join(dir, 'one', 'map', `shot1_${k}.png`));
    const one = await runCli(['evaluate', path.join(dir, 'one'), '--model', model, '--out', path.join(dir, 'eval-one')]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/\(\d of 3\)/);
  }, 120_000);

  it('trains from a video with a CSV of labelled ranges, saying how one-shot classes were split', async () => {
    const video = path.join(dir, 'three.mp4');
    await ffmpeg(['-filter_complex',
      'testsrc2=size=320x180:rate=25:duration=3[a];mandelbrot=size=320x180:rate=25:maxiter=64,trim=duration=3,setpts=PTS-STARTPTS[b];smptebars=size=320x180:rate=25:duration=3[c];[a][b][c]concat=n=3:v=1:a=0[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', video]);
    const csv = path.join(dir, 'three.csv');
    await writeFile(csv, 'start,end,label\n0,75,studio\n3s,6s,map\n00:00:06:00,00:00:09:00,bars\n');
    const run = await runCli(['train', video, '--labels', csv, '--out', path.join(dir, 'video-model'), '--epochs', '2', '--architecture', 'backbone', '--sample-fps', '3', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { classes: string[]; train: number; validation: number };
    expect(result.classes).toEqual(['bars', 'map', 'studio']);
    // 9 frames a class at 3 fps; one shot each, so the last 2 of each validate.
    expect([result.train, result.validation]).toEqual([21, 6]);
    const notes = run.stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: string });
    expect(notes.filter((n) => n.type === 'note' && /split by time/.test(n.message))).toHaveLength(3);
  }, 60_000);

  it('a data path that does not exist: exit 2 and one sentence naming it', async () => {
    const missing = path.join(dir, 'nowhere');
    const run = await runCli(['train', missing, '--out', path.join(dir, 'm2')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^roughcut: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file or folder; .*\\.$`));
    expect(existsSync(path.join(dir, 'm2'))).toBe(false);
  });

  it('a bad flag value and a model folder that is not one: exit 2', async () => {
    const flag = await runCli(['train', path.join(dir, 'data'), '--out', path.join(dir, 'm3'), '--validation', '2']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--validation "2" must be a number from 0.01 to 0.9\./);
    const model = await runCli(['evaluate', path.join(dir, 'data'), '--model', path.join(dir, 'data')]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/^roughcut: /);
  });
});
