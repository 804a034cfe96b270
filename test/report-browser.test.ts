// The report page in headless Chromium: loads offline with real keyframes, no console errors, shot detail, zoom, screenshot.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framesToTimecode, timecodeToFrames } from '../src/core/timecode.js';
import type { AnalysisResult } from '../src/core/types.js';
import { renderReportHtml } from '../src/export/report-html.js';
import { makeAnalysis } from './edl-fixtures.js';

const CHROMIUM = process.env.ROUGHCUT_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium, or set ROUGHCUT_CHROMIUM)`;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** A news-like analysis at 29.97 DF crossing a minute boundary, with gradual and doubtful transitions and classifier output. */
function fixture(): AnalysisResult {
  const base = makeAnalysis({
    name: `Evening <News> & "Weather" 'late'.mxf`, fps: [30000, 1001], dropFrame: true, frameCount: 2400,
    startTimecode: '09:59:34;22',
    boundaries: [150, 320, { type: 'dissolve', startFrame: 500, endFrame: 529 }, 700, 760, 980, 1200,
      { type: 'fade-through', startFrame: 1390, endFrame: 1429 }, 1600, 1850, 2100],
  });
  const faces = ['Alice', 'Chen', 'Bob <the "builder">'];
  return {
    ...base,
    transitions: base.transitions.map((t) => (t.type === 'cut' && (t.frame === 760 || t.frame === 1850) ? { ...t, confidence: 0.42 } : t)),
    segments: [
      { startFrame: 0, endFrame: 700, label: 'anchor', confidence: 0.92 },
      { startFrame: 700, endFrame: 1410, label: 'field report', confidence: 0.81 },
      { startFrame: 1410, endFrame: 1850, label: 'weather', confidence: 0.77 },
      { startFrame: 1850, endFrame: 2400, label: 'anchor', confidence: 0.9 },
    ],
    shots: base.shots.map((s, i) => ({
      ...s,
      characters: i % 4 === 3 ? [] : [{ name: faces[i % 3]!, confidence: 0.6 + (i % 4) * 0.1, seconds: 2 + i }],
    })),
  };
}

/** A keyframe JPEG: a gradient in the shot's hue with its number on it. */
async function keyframeJpeg(i: number, width: number, height: number): Promise<Buffer> {
  const hue = (i * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},60%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},55%,22%)"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width * 0.3}" cy="${height * 0.45}" r="${height * 0.22}" fill="rgba(255,255,255,.35)"/>
<text x="${width - 20}" y="${height - 24}" font-family="DejaVu Sans" font-size="${Math.round(height / 4)}" fill="#fff" text-anchor="end">${i + 1}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

describe(`report.html in headless Chromium${SKIP_REASON}`, () => {
  const analysis = fixture();
  let dir = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    dir = await mkdtemp(path.join(os.tmpdir(), 'roughcut-report-browser-'));
    await mkdir(path.join(dir, 'keyframes'));
    await Promise.all(analysis.shots.map(async (shot, i) =>
      writeFile(path.join(dir, shot.keyframe.image), await keyframeJpeg(i, 480, 270))));
    await writeFile(path.join(dir, 'report.html'), renderReportHtml(analysis));
    const profile = path.join(dir, 'profile');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 }, offline: true,
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.goto(pathToFileURL(path.join(dir, 'report.html')).href, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await context?.close();
    // The folder (with report.png) is kept for a person to look at; only the browser profile goes.
    if (dir) await rm(path.join(dir, 'profile'), { recursive: true, force: true });
  });

  it.skipIf(!HAVE_CHROMIUM)('loads offline with every thumbnail and no console errors or failed requests', async () => {
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.shot img'))
      .every((img) => img.complete && img.naturalWidth > 0), undefined, { timeout: 10_000 });
    expect(await page.locator('.shot').count()).toBe(analysis.shots.length);
    expect(await page.locator('h1').textContent()).toBe(analysis.source.name);
    expect(await page.locator('.lane-characters').count()).toBe(3);
    expect(problems).toEqual([]);
  });

  it.skipIf(!HAVE_CHROMIUM)('shows a clicked shot in the detail panel with its source timecode and copies it', async () => {
    const format = { fps: analysis.source.fps, dropFrame: true };
    const start = timecodeToFrames(analysis.source.startTimecode, format);
    const shot = analysis.shots[5]!; // begins with the doubtful cut at 760, after the minute boundary
    await page.locator('.shot[data-i="5"]').click();
    await expect.poll(() => page.locator('#detail-body').isVisible()).toBe(true);
    const tcIn = framesToTimecode(start + shot.startFrame, format);
    expect(tcIn).toBe('10:00:00;02'); // drop-frame: 00;00 and 00;01 do not exist at minute 1
    expect(await page.locator('#d-in').textContent()).toBe(tcIn);
    expect(await page.locator('#d-out').textContent()).toBe(framesToTimecode(start + shot.endFrame, format));
    expect(await page.locator('#d-title').textContent()).toBe(`Shot 6 of ${analysis.shots.length}`);
    expect(await page.locator('#d-trans').textContent()).toContain('low');
    expect(await page.locator('#d-chars').textContent()).toContain('Bob <the "builder">');
    expect(await page.locator('tbody tr.sel').getAttribute('data-i')).toBe('5');

    await context!.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.locator('#d-copy').click();
    await expect.poll(() => page.locator('#copy-status').textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain(`IN ${tcIn}`);
  });

  it.skipIf(!HAVE_CHROMIUM)('zooms with the buttons and ctrl+wheel, and steps shots from the keyboard', async () => {
    const width = (): Promise<number> => page.locator('.tl-inner').evaluate((el) => (el as HTMLElement).offsetWidth);
    const fit = await width();
    await page.locator('#zoom-in').click();
    expect(await width()).toBeGreaterThan(fit * 1.9);
    await page.locator('#zoom-fit').click();
    expect(await width()).toBe(fit);
    const box = (await page.locator('.tl-scroll').boundingBox())!;
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await expect.poll(width).toBeGreaterThan(fit * 2);

    await page.locator('tbody tr[data-i="3"] button.pick').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#d-title').textContent()).toBe(`Shot 4 of ${analysis.shots.length}`);
    expect(await page.locator('#d-trans').textContent()).toContain('dissolve 30 frames');
    await page.locator('.shot[data-i="3"]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('#d-title').textContent()).toBe(`Shot 5 of ${analysis.shots.length}`);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-i'))).toBe('4');
    expect(problems).toEqual([]);
  });

  it.skipIf(!HAVE_CHROMIUM)('stays quick with 1,000 shots', async () => {
    const boundaries = Array.from({ length: 999 }, (_, i) => (i + 1) * 90);
    const big = makeAnalysis({ name: 'long.mxf', fps: [25, 1], dropFrame: false, frameCount: 90_000, boundaries });
    const bigDir = path.join(dir, 'long');
    await mkdir(path.join(bigDir, 'keyframes'), { recursive: true });
    const small = await keyframeJpeg(0, 160, 90);
    await Promise.all(big.shots.map((shot) => writeFile(path.join(bigDir, shot.keyframe.image), small)));
    await writeFile(path.join(bigDir, 'report.html'), renderReportHtml(big));
    const other = await context!.newPage();
    const failures: string[] = [];
    other.on('console', (m) => { if (m.type() === 'error') failures.push(m.text()); });
    other.on('pageerror', (e) => failures.push(e.message));
    other.on('requestfailed', (r) => failures.push(r.url()));
    const t0 = performance.now();
    await other.goto(pathToFileURL(path.join(bigDir, 'report.html')).href, { waitUntil: 'load' });
    const loadMs = performance.now() - t0;
    // Lazy images: a screenful of the table and the timeline's visible thumbnails, not all 2,000.
    await other.waitForFunction(() => {
      const first = document.querySelector<HTMLImageElement>('.shot img');
      return first !== null && first.complete && first.naturalWidth > 0;
    }, undefined, { timeout: 5000 });
    const loaded = await other.evaluate(() => Array.from(document.images).filter((img) => img.complete && img.naturalWidth > 0).length);
    await other.locator('.shot[data-i="500"]').click();
    expect(await other.locator('#d-in').textContent()).toBe(framesToTimecode(500 * 90, { fps: big.source.fps, dropFrame: false }));
    await other.close();
    console.info(`1,000 shots: loaded in ${Math.round(loadMs)} ms, ${loaded} keyframe images fetched`);
    expect(loadMs).toBeLessThan(5000);
    expect(loaded).toBeGreaterThan(10);
    expect(loaded).toBeLessThan(400);
    expect(failures).toEqual([]);
  });

  it.skipIf(!HAVE_CHROMIUM)('saves a screenshot of the page', async () => {
    await page.locator('#zoom-fit').click();
    await page.locator('.shot[data-i="5"]').click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img'))
      .filter((img) => img.getBoundingClientRect().top < innerHeight)
      .every((img) => img.complete), undefined, { timeout: 10_000 });
    const file = path.join(dir, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(1440);
    console.info(`report screenshot: ${file}`);
    expect(problems).toEqual([]);
  });
});
