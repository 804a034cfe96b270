// The contact sheet: a JPEG grid sized by its layout, one tile per shot, a grey tile for a missing keyframe.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactSheetLayout, contactSheetPages, renderContactSheet, renderContactSheets } from '../src/export/contact-sheet.js';
import { makeAnalysis } from './edl-fixtures.js';

const COLOURS = [[220, 40, 40], [40, 180, 60], [40, 80, 220], [230, 200, 40], [200, 60, 200], [40, 200, 200], [240, 140, 20], [120, 120, 240]] as const;

describe('renderContactSheet', () => {
  // 8 shots of a 16:9 source at 29.97 DF; keyframe images in solid colours, the fifth one missing.
  const analysis = makeAnalysis({
    name: 'Sheet <&>.mov', fps: [30000, 1001], dropFrame: true, frameCount: 800, startTimecode: '01:00:00;00',
    boundaries: [100, 200, 300, 400, 500, 600, 700],
  });
  const missing = 4;
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'roughcut-sheet-'));
    await mkdir(path.join(dir, 'keyframes'));
    await Promise.all(analysis.shots.map(async (shot, i) => {
      if (i === missing) return;
      const [r, g, b] = COLOURS[i % COLOURS.length]!;
      await sharp({ create: { width: 320, height: 180, channels: 3, background: { r, g, b } } })
        .jpeg().toFile(path.join(dir, shot.keyframe.image));
    }));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lays tiles out in rows of the given columns, with the source aspect', () => {
    const layout = contactSheetLayout(8, 1920, 1080, { columns: 3, tileWidth: 160 });
    expect(layout).toMatchObject({ columns: 3, rows: 3, tileWidth: 160, tileHeight: 90 });
    expect(layout.width).toBe(layout.gap + 3 * (160 + layout.gap));
    expect(layout.height).toBe(layout.headerHeight + 3 * (90 + layout.captionHeight + layout.gap) + layout.gap);
    expect(contactSheetLayout(2, 1920, 1080).columns).toBe(2);
    expect(contactSheetLayout(0, 1920, 1080).rows).toBe(0);
    // Too tall for JPEG with 6 columns: the sheet widens instead.
    const tall = contactSheetLayout(5000, 1920, 1080);
    expect(tall.height).toBeLessThanOrEqual(65_535);
    expect(tall.columns).toBeGreaterThan(6);
  });

  it('renders a JPEG with one tile per shot, in order, and a grey tile for a missing keyframe', async () => {
    const jpeg = await renderContactSheet(analysis, dir, { columns: 3, tileWidth: 160 });
    const layout = contactSheetLayout(analysis.shots.length, 1920, 1080, { columns: 3, tileWidth: 160 });
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([layout.width, layout.height]);

    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number): number[] => {
      const o = (y * info.width + x) * info.channels;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    };
    const tileCentre = (i: number): number[] => pixel(
      layout.gap + (i % layout.columns) * (layout.tileWidth + layout.gap) + Math.floor(layout.tileWidth / 4),
      layout.headerHeight + Math.floor(i / layout.columns) * (layout.tileHeight + layout.captionHeight + layout.gap) + Math.floor(layout.tileHeight / 4),
    );
    let tiles = 0;
    analysis.shots.forEach((_, i) => {
      const got = tileCentre(i);
      const want = i === missing ? [96, 96, 96] : COLOURS[i % COLOURS.length]!;
      got.forEach((v, c) => expect(Math.abs(v - want[c]!)).toBeLessThan(16));
      tiles++;
    });
    expect(tiles).toBe(8);
    // The ninth slot of the 3×3 grid stays background.
    tileCentre(8).forEach((v) => expect(v).toBeLessThan(40));
    // Captions are drawn: the strip under the first tile is not plain background.
    const captionTop = layout.headerHeight + layout.tileHeight;
    let bright = 0;
    for (let y = captionTop; y < captionTop + layout.captionHeight; y++) {
      for (let x = layout.gap; x < layout.gap + layout.tileWidth; x++) if (Math.max(...pixel(x, y)) > 120) bright++;
    }
    expect(bright).toBeGreaterThan(50);
    // The shot number in amber at the left, the timecode in light grey at the right.
    let amber = 0;
    let grey = 0;
    for (let y = captionTop; y < captionTop + layout.captionHeight; y++) {
      for (let x = layout.gap; x < layout.gap + 30; x++) {
        const [r, g, b] = pixel(x, y) as [number, number, number];
        if (r > 150 && r - b > 90 && r - g > 25) amber++;
      }
      for (let x = layout.gap + layout.tileWidth - 60; x < layout.gap + layout.tileWidth; x++) {
        const [r, g, b] = pixel(x, y) as [number, number, number];
        if (Math.min(r, g, b) > 170 && Math.max(r, g, b) - Math.min(r, g, b) < 30) grey++;
      }
    }
    expect(amber).toBeGreaterThan(10);
    expect(grey).toBeGreaterThan(20);
  });

  it('renders an analysis without shots as a header only', async () => {
    const jpeg = await renderContactSheet({ ...analysis, shots: [] }, dir);
    const meta = await sharp(jpeg).metadata();
    expect(meta.height).toBe(contactSheetLayout(0, 1920, 1080).height);
  });

  it('splits a long programme into sheets of bounded size, numbered on', async () => {
    expect(contactSheetPages(0)).toEqual([{ firstShot: 0, maxShots: 48 }]);
    expect(contactSheetPages(250, 120)).toEqual([{ firstShot: 0, maxShots: 120 }, { firstShot: 120, maxShots: 120 }, { firstShot: 240, maxShots: 120 }]);
    expect(contactSheetPages(100)).toHaveLength(3);
    const second = await renderContactSheet(analysis, dir, { firstShot: 6, maxShots: 6 });
    const meta = await sharp(second).metadata();
    expect([meta.width, meta.height]).toEqual([contactSheetLayout(2, 1920, 1080).width, contactSheetLayout(2, 1920, 1080).height]);
    // Its first tile is shot 7's keyframe colour.
    const layout = contactSheetLayout(2, 1920, 1080);
    const { data } = await sharp(second).extract({ left: layout.gap + 20, top: layout.headerHeight + 20, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
    const [r, g, b] = COLOURS[6 % COLOURS.length]!;
    expect(Math.abs(data[0]! - r) + Math.abs(data[1]! - g) + Math.abs(data[2]! - b)).toBeLessThan(30);
  });

  it('renders every page on one canvas exactly as each page alone', async () => {
    // 8 shots at 3 per page: two full pages and a last one of two shots, which draws into the front
    // of the first page's canvas and must show none of it.
    const pages: Buffer[] = [];
    for await (const jpeg of renderContactSheets(analysis, dir, { perSheet: 3 })) pages.push(jpeg);
    expect(pages).toHaveLength(3);
    for (const [i, page] of contactSheetPages(8, 3).entries()) {
      expect(pages[i]!.equals(await renderContactSheet(analysis, dir, page))).toBe(true);
    }
  });
});
