// Training data loading: class folders of generated images, a generated video labelled by CSV and by EDL, the grouped split, bad data.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, splitDataset } from '../src/classify/dataset.js';
import type { LabelledImage } from '../src/classify/train.js';
import type { Logger } from '../src/core/logger.js';
import sharp from '../src/frames/image-codec.js';
import { roughcutErrorOf } from './helpers/errors.js';
import { ffmpeg, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let video: string;

/** A 320x180 PNG of one colour with a little deterministic texture. */
async function writePng(file: string, rgb: [number, number, number], seed: number): Promise<void> {
  const width = 320;
  const height = 180;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const t = ((i * 2654435761 + seed * 97) >>> 0) % 23;
    data[i * 3] = Math.min(255, rgb[0] + t);
    data[i * 3 + 1] = Math.min(255, rgb[1] + t);
    data[i * 3 + 2] = Math.min(255, rgb[2] + t);
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

/** A logger that keeps warnings, so a test can see which files were skipped. */
function warningLogger(): { logger: Logger; warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  const none = (): void => {};
  return { logger: { debug: none, info: none, error: none, warn: (msg, fields) => warnings.push({ msg, ...fields }) }, warnings };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-dataset-'));
  await mkdir(path.join(dir, 'images', 'anchor'), { recursive: true });
  await mkdir(path.join(dir, 'images', 'weather'), { recursive: true });
  for (let i = 1; i <= 10; i++) await writePng(path.join(dir, 'images', 'anchor', `desk_${String(i).padStart(4, '0')}.png`), [40, 60, 160], i);
  for (let i = 1; i <= 6; i++) await writePng(path.join(dir, 'images', 'weather', `map${i}.png`), [30, 170, 50], i);
  await writeFile(path.join(dir, 'images', 'weather', 'broken.png'), '');
  await writeFile(path.join(dir, 'images', 'weather', 'notes.txt'), 'not an image');
  // 3 s each of three sources at 25 fps with hard cuts at frames 75 and 150; start timecode 10:00:00:00.
  video = path.join(dir, 'labelled.mp4');
  await ffmpeg(['-filter_complex',
    'testsrc2=size=320x180:rate=25:duration=3[a];mandelbrot=size=320x180:rate=25,trim=duration=3,setpts=PTS-STARTPTS[b];smptebars=size=320x180:rate=25:duration=3[c];[a][b][c]concat=n=3:v=1:a=0[v]',
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-timecode', '10:00:00:00', video]);
}, 60_000);

afterAll(async () => { await cleanup(); });

describe('loadDataset: a folder of class subfolders of images', () => {
  it('reads every image at 160 wide RGB, groups numbered grabs in blocks, and skips an empty image with a warning naming it', async () => {
    const { logger, warnings } = warningLogger();
    const data = await loadDataset(path.join(dir, 'images'), { logger });
    expect(data.classes).toEqual(['anchor', 'weather']);
    expect(data.items.filter((i) => i.label === 'anchor')).toHaveLength(10);
    expect(data.items.filter((i) => i.label === 'weather')).toHaveLength(6);
    for (const item of data.items) {
      expect(item.image.width).toBe(160);
      expect(item.image.height).toBe(90);
      expect(item.image.data.length).toBe(160 * 90 * 3);
    }
    const anchorBlue = data.items.find((i) => i.label === 'anchor')!.image.data;
    expect(anchorBlue[2]!).toBeGreaterThan(anchorBlue[0]! + 80);
    // desk_0001..0008 in one block, desk_0009..0010 in the next; map1..6 in one.
    expect([...new Set(data.items.map((i) => i.group))].sort()).toEqual(['anchor/desk#0', 'anchor/desk#1', 'weather/map#0']);
    expect(warnings.map((w) => w.file)).toEqual([path.join(dir, 'images', 'weather', 'broken.png')]);
    expect(data.description).toMatchObject({ kind: 'class-folders', images: 16, perClass: { anchor: 10, weather: 6 } });
  });

  it('caps examples per class, spread over the class', async () => {
    const data = await loadDataset(path.join(dir, 'images'), { maxPerClass: 4 });
    expect(data.items.filter((i) => i.label === 'anchor')).toHaveLength(4);
    expect(data.items.filter((i) => i.label === 'weather')).toHaveLength(4);
    // Every 2.5th of the ten: desk_0001, 0003, 0006, 0008.
    expect(data.items.filter((i) => i.label === 'anchor').map((i) => i.image.index)).toEqual([0, 2, 5, 7]);
  });
});

describe('loadDataset: a video with labels', () => {
  it('reads a CSV of timecodes (source or elapsed), frame numbers and seconds, samples 2 fps inside each range, groups by shot', async () => {
    const csv = path.join(dir, 'labels.csv');
    // Source timecode (10:00:00:00 is the file's first frame), frame numbers, elapsed timecode, seconds.
    await writeFile(csv, 'start,end,label\n10:00:00:00,10:00:03:00,news\n\n75,150,"map"\n00:00:06:00,8.96s,bars\n');
    const data = await loadDataset(video, { labels: csv });
    expect(data.classes).toEqual(['bars', 'map', 'news']);
    const frames = (label: string): number[] => data.items.filter((i) => i.label === label).map((i) => i.image.index);
    expect(frames('news')).toEqual([0, 13, 25, 38, 50, 63]);
    expect(frames('map')).toEqual([75, 88, 100, 113, 125, 138]);
    expect(frames('bars')).toEqual([150, 163, 175, 188, 200, 213]);
    // The shot detector found the cuts at 75 and 150: one group per range, numbered by shot.
    expect(new Set(data.items.map((i) => i.group))).toEqual(new Set(['news#0', 'map#1', 'bars#2']));
    expect(data.items[0]!.image.width).toBe(160);
    expect(data.description).toMatchObject({ kind: 'labelled-video', ranges: 3, startTimecode: '10:00:00:00' });
  });

  it('reads an EDL whose events carry the label as a clip name, a LABEL line or a LABELS comment as roughcut writes it', async () => {
    const edl = path.join(dir, 'labels.edl');
    await writeFile(edl, [
      'TITLE: labels', 'FCM: NON-DROP FRAME', '',
      '001  AX       V     C        10:00:00:10 10:00:02:10 01:00:00:00 01:00:02:00',
      '* FROM CLIP NAME: news.mov', '',
      '002  AX       V     C        10:00:03:00 10:00:05:00 01:00:02:00 01:00:04:00',
      '* FROM CLIP NAME: labelled.mp4', '* LABEL: map', '',
      '003  AX       V     C        10:00:06:00 10:00:08:00 01:00:04:00 01:00:06:00',
      '* FROM CLIP NAME: labelled.mp4', '* COMMENT: KEYFRAME keyframes/000160.jpg; LABELS bars 0.91, studio 0.40', '',
    ].join('\n'));
    const data = await loadDataset(video, { labels: edl, sampleFps: 1 });
    expect(data.classes).toEqual(['bars', 'map', 'news']);
    const frames = (label: string): number[] => data.items.filter((i) => i.label === label).map((i) => i.image.index);
    expect(frames('news')).toEqual([10, 35]);
    expect(frames('map')).toEqual([75, 100]);
    expect(frames('bars')).toEqual([150, 175]);
  });
});

/** Examples without pixels: only labels, groups and order matter to the split. */
function fakeItems(spec: Record<string, number[]>): LabelledImage[] {
  const items: LabelledImage[] = [];
  let index = 0;
  for (const [label, groups] of Object.entries(spec)) {
    groups.forEach((size, g) => {
      for (let k = 0; k < size; k++) {
        items.push({ label, group: `${label}#${g}`, image: { index: index++, ptsSeconds: 0, width: 1, height: 1, data: new Uint8Array(3) } });
      }
    });
  }
  return items;
}

describe('splitDataset', () => {
  const items = fakeItems({ a: [5, 5, 5, 5, 5, 5, 5, 5, 5, 5], b: [3, 3, 3, 3, 3, 3], c: [10], d: [4, 1] });

  it('keeps whole groups on one side, holds out about the fraction of every class, and gives each class a validation group', () => {
    const { train, validation, notes } = splitDataset(items, { validationFraction: 0.2, seed: 7 });
    expect(train.length + validation.length).toBe(items.length);
    const trainGroups = new Set(train.map((i) => i.group));
    // Class c has one group, split by time on purpose; every other group sits on one side.
    for (const v of validation.filter((i) => i.label !== 'c')) expect(trainGroups.has(v.group)).toBe(false);
    for (const label of ['a', 'b', 'c', 'd']) {
      expect(validation.some((i) => i.label === label)).toBe(true);
      expect(train.some((i) => i.label === label)).toBe(true);
    }
    expect(validation.filter((i) => i.label === 'a')).toHaveLength(10);
    expect(validation.filter((i) => i.label === 'b')).toHaveLength(3);
    // One group only: split by time, the last 2 of 10 validate.
    expect(validation.filter((i) => i.label === 'c').map((i) => i.image.index)).toEqual([76, 77]);
    expect(notes.some((n) => n.includes('"c"') && n.includes('split by time'))).toBe(true);
  });

  it('is deterministic by seed', () => {
    const one = splitDataset(items, { seed: 3 }).validation.map((i) => i.image.index);
    expect(splitDataset(items, { seed: 3 }).validation.map((i) => i.image.index)).toEqual(one);
    const others = [4, 5, 6, 8].map((seed) => splitDataset(items, { seed }).validation.map((i) => i.image.index).join());
    expect(others.some((o) => o !== one.join())).toBe(true);
  });
});

describe('bad data', () => {
  it('a missing path', async () => {
    const error = await roughcutErrorOf(loadDataset(path.join(dir, 'nope')));
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toContain(path.join(dir, 'nope'));
  });

  it('an empty folder, and a folder with one class only', async () => {
    await mkdir(path.join(dir, 'empty'));
    expect((await roughcutErrorOf(loadDataset(path.join(dir, 'empty')))).message).toMatch(/no class subfolders/);
    await mkdir(path.join(dir, 'one', 'anchor'), { recursive: true });
    await writePng(path.join(dir, 'one', 'anchor', 'a.png'), [1, 2, 3], 1);
    const error = await roughcutErrorOf(loadDataset(path.join(dir, 'one')));
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toMatch(/one class only \("anchor"\)/);
  });

  it('a class whose only image is unreadable', async () => {
    await mkdir(path.join(dir, 'broken', 'anchor'), { recursive: true });
    await mkdir(path.join(dir, 'broken', 'weather'), { recursive: true });
    await writePng(path.join(dir, 'broken', 'anchor', 'a.png'), [1, 2, 3], 1);
    await writeFile(path.join(dir, 'broken', 'weather', 'w.jpg'), 'not a jpeg');
    const error = await roughcutErrorOf(loadDataset(path.join(dir, 'broken')));
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toMatch(/"weather" has no readable examples/);
  });

  it('a video without labels, a CSV line that does not parse (with its line number), labels past the end, overlapping labels', async () => {
    expect((await roughcutErrorOf(loadDataset(video))).message).toMatch(/--labels/);
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, '0,75,news\n75,150,map\n150,banana,bars\n');
    let error = await roughcutErrorOf(loadDataset(video, { labels: bad }));
    expect(error.code).toBe('BAD_DATA');
    expect(error.message).toContain(`${bad} line 3`);
    await writeFile(bad, '0,75,news\n75,300,map\n');
    error = await roughcutErrorOf(loadDataset(video, { labels: bad }));
    expect(error.message).toMatch(/line 2: .*runs past the end .*225 frames/);
    await writeFile(bad, '0,75\n');
    expect((await roughcutErrorOf(loadDataset(video, { labels: bad }))).message).toMatch(/line 1: expected "start,end,label"/);
    await writeFile(bad, '0,100,news\n75,150,map\n');
    expect((await roughcutErrorOf(loadDataset(video, { labels: bad }))).message).toMatch(/overlaps "news"/);
    await writeFile(bad, '0,100,news\n');
    expect((await roughcutErrorOf(loadDataset(video, { labels: bad }))).message).toMatch(/one class only/);
  });
});
