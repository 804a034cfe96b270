// The contact sheet: one JPEG grid of the shots' keyframes, each captioned with its shot number and source timecode.
import path from 'node:path';
import sharp from '../frames/image-codec.js';
import type { AnalysisResult } from '../core/types.js';
import { escapeHtml, rateLabel, sourceTimecoder } from './report-html.js';

/** Options for {@link renderContactSheet}. */
export interface ContactSheetOptions {
  /** Tiles per row; default 6 (fewer when there are fewer shots, more when the sheet would be too tall for JPEG). */
  readonly columns?: number;
  /** Width of each keyframe tile in pixels; default 240. Height follows the source's aspect. */
  readonly tileWidth?: number;
  /** JPEG quality 1–100; default 82. */
  readonly quality?: number;
  /** First shot (0-based) on this sheet; default 0. */
  readonly firstShot?: number;
  /** Most shots on this sheet; default all from `firstShot` on. */
  readonly maxShots?: number;
}

/** Shots per sheet when a long programme is split over several: 8 rows of 6, a page one can take in at a glance. */
export const SHOTS_PER_SHEET = 48;

/** The sheets a programme of `shotCount` shots is split into, each `{ firstShot, maxShots }`. */
export function contactSheetPages(shotCount: number, perSheet = SHOTS_PER_SHEET): { firstShot: number; maxShots: number }[] {
  const pages = [];
  for (let firstShot = 0; firstShot < Math.max(1, shotCount); firstShot += perSheet) pages.push({ firstShot, maxShots: perSheet });
  return pages;
}

/** Geometry of a contact sheet, so callers and tests can tell where each tile lies. */
export interface ContactSheetLayout {
  readonly columns: number;
  readonly rows: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly captionHeight: number;
  readonly gap: number;
  readonly headerHeight: number;
  readonly width: number;
  readonly height: number;
}

const GAP = 8;
const CAPTION_HEIGHT = 22;
const HEADER_HEIGHT = 36;
/** JPEG's limit on either side is 65,535 pixels. */
const MAX_SIDE = 65_000;
const BACKGROUND = { r: 24, g: 26, b: 29 };
const MISSING = { r: 96, g: 96, b: 96 };

/** Where the tiles of a contact sheet for `shotCount` shots of a `width`×`height` source go. */
export function contactSheetLayout(
  shotCount: number, sourceWidth: number, sourceHeight: number, options: ContactSheetOptions = {},
): ContactSheetLayout {
  const tileWidth = Math.max(16, Math.round(options.tileWidth ?? 240));
  const aspect = sourceWidth > 0 && sourceHeight > 0 ? sourceHeight / sourceWidth : 9 / 16;
  const tileHeight = Math.max(9, Math.round(tileWidth * aspect));
  let columns = Math.max(1, Math.min(Math.round(options.columns ?? 6), Math.max(1, shotCount)));
  const heightFor = (cols: number): number =>
    HEADER_HEIGHT + Math.ceil(shotCount / cols) * (tileHeight + CAPTION_HEIGHT + GAP) + GAP;
  while (heightFor(columns) > MAX_SIDE && columns < shotCount) columns++;
  const rows = Math.ceil(shotCount / columns);
  return {
    columns, rows, tileWidth, tileHeight, captionHeight: CAPTION_HEIGHT, gap: GAP, headerHeight: HEADER_HEIGHT,
    width: GAP + columns * (tileWidth + GAP), height: heightFor(columns),
  };
}

const CAPTION_FONT = 'font-family="DejaVu Sans Mono, monospace" font-size="13"';
/** Baseline of caption text, from the top of the caption strip. */
const CAPTION_BASELINE = 16;
/** What captions are written with: shot numbers and timecode (framesToTimecode writes nothing else). */
const CAPTION_CHARS = '0123456789#:;';
/** Advance of a caption character: DejaVu Sans Mono at 13 px advances 7.8 px. */
const GLYPH_WIDTH = 8;
/** Caption colours: the shot number, the timecode. */
const NUMBER_COLOUR = [0xff, 0xb0, 0x00] as const;
const TIMECODE_COLOUR = [0xe6, 0xe6, 0xe6] as const;

/** Coverage (0-255) of each caption character, side by side in GLYPH_WIDTH cells, CAPTION_HEIGHT rows. */
let captionGlyphs: Promise<Uint8Array> | undefined;

/**
 * The caption characters rendered once, through librsvg like the rest of the sheet's text, as a
 * coverage strip. Captions are then drawn into the canvas here: one SVG per row, rendered by
 * pango and composited, grew the process by about 1 MB a row (8 MB a full page) and was the
 * largest part of a sheet's memory after the canvas itself.
 */
function glyphStrip(): Promise<Uint8Array> {
  captionGlyphs ??= (async () => {
    const width = CAPTION_CHARS.length * GLYPH_WIDTH;
    const body = [...CAPTION_CHARS].map((ch, i) =>
      `<text x="${i * GLYPH_WIDTH + GLYPH_WIDTH / 2}" y="${CAPTION_BASELINE}" ${CAPTION_FONT} fill="#ffffff" text-anchor="middle">${ch}</text>`).join('');
    const alpha = await sharp(textSvg(width, CAPTION_HEIGHT, body)).ensureAlpha().extractChannel(3).raw().toBuffer();
    return new Uint8Array(alpha.buffer, alpha.byteOffset, alpha.byteLength);
  })();
  return captionGlyphs;
}

/**
 * Draws `text` (CAPTION_CHARS only) in `colour` into the RGB `canvas` (`stride` bytes a row),
 * its cell's top-left corner at (`x`, `top`), blending by the glyphs' coverage. Pixels outside
 * the canvas's `width` are left alone.
 */
function drawCaption(canvas: Buffer, stride: number, width: number, glyphs: Uint8Array, text: string, x: number, top: number, colour: readonly number[]): void {
  const stripWidth = CAPTION_CHARS.length * GLYPH_WIDTH;
  for (const [i, ch] of [...text].entries()) {
    const index = CAPTION_CHARS.indexOf(ch);
    if (index < 0) throw new RangeError(`contact-sheet captions have no glyph for ${JSON.stringify(ch)}`);
    const cell = index * GLYPH_WIDTH;
    for (let gy = 0; gy < CAPTION_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        const px = x + i * GLYPH_WIDTH + gx;
        const a = glyphs[gy * stripWidth + cell + gx]!;
        if (a === 0 || px < 0 || px >= width) continue;
        const o = (top + gy) * stride + px * 3;
        for (let c = 0; c < 3; c++) canvas[o + c] = canvas[o + c]! + Math.round(((colour[c]! - canvas[o + c]!) * a) / 255);
      }
    }
  }
}

function textSvg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);
}

/** The keyframe scaled into its tile as raw RGB, or a grey tile saying it is missing when it cannot be read. */
async function tileImage(file: string, layout: ContactSheetLayout): Promise<Buffer> {
  const { tileWidth: w, tileHeight: h } = layout;
  try {
    // From the file itself: libvips reads the JPEG at a reduced scale (shrink-on-load) and
    // nothing of it passes through JavaScript.
    return await sharp(file).resize(w, h, { fit: 'contain', background: { r: 0, g: 0, b: 0 } }).removeAlpha().raw().toBuffer();
  } catch {
    const label = textSvg(w, h, `<text x="${w / 2}" y="${h / 2 + 5}" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#d0d0d0" text-anchor="middle">no keyframe image</text>`);
    return sharp({ create: { width: w, height: h, channels: 3, background: MISSING } })
      .composite([{ input: label, left: 0, top: 0 }]).removeAlpha().raw().toBuffer();
  }
}

/**
 * Renders a contact sheet of an analysis: a header line with the file's name and rate, then one
 * tile per shot in order, left to right, each its keyframe (read from
 * `outputDir/<shot.keyframe.image>`, letterboxed to the source's aspect) with `#N` and the
 * source in timecode under it. A keyframe that is missing or unreadable becomes a grey tile.
 * Layout as {@link contactSheetLayout}. Returns the JPEG.
 */
export async function renderContactSheet(
  analysis: AnalysisResult, outputDir: string, options: ContactSheetOptions = {},
): Promise<Buffer> {
  return drawSheet(analysis, outputDir, options, undefined);
}

/**
 * The sheets of {@link contactSheetPages} (`perSheet` shots each, default {@link SHOTS_PER_SHEET})
 * one after another, each as {@link renderContactSheet} renders it, drawn on one canvas: a long
 * programme's pages cost the memory of one page.
 */
export async function* renderContactSheets(
  analysis: AnalysisResult, outputDir: string,
  options: Omit<ContactSheetOptions, 'firstShot' | 'maxShots'> & { readonly perSheet?: number } = {},
): AsyncGenerator<Buffer> {
  let canvas: Buffer | undefined;
  for (const page of contactSheetPages(analysis.shots.length, options.perSheet)) {
    const sheetOptions = { ...options, ...page };
    const shotCount = Math.max(0, Math.min(page.maxShots, analysis.shots.length - page.firstShot));
    const layout = contactSheetLayout(shotCount, analysis.source.width, analysis.source.height, sheetOptions);
    // The first page is the largest; later ones draw into the front of its canvas.
    canvas ??= Buffer.allocUnsafeSlow(layout.width * layout.height * 3);
    yield await drawSheet(analysis, outputDir, sheetOptions, canvas);
  }
}

/** One sheet, drawn into `scratch` (at least the sheet's size) or a canvas of its own. */
async function drawSheet(
  analysis: AnalysisResult, outputDir: string, options: ContactSheetOptions, scratch: Buffer | undefined,
): Promise<Buffer> {
  const { source } = analysis;
  const first = options.firstShot ?? 0;
  const shots = analysis.shots.slice(first, first + (options.maxShots ?? analysis.shots.length));
  const layout = contactSheetLayout(shots.length, source.width, source.height, options);
  const tc = sourceTimecoder(source);

  // Tiles one at a time straight into one raw canvas, then each row's captions drawn from the
  // glyph strip: one small libvips pipeline at a time. Compositing each row's tiles and captions
  // as a dozen layers, four rows' tiles decoding at once, grew a malloc arena in every libuv and
  // libvips thread that ran one, and the memory of a long programme's sheets grew page after page.
  const size = layout.width * layout.height * 3;
  const canvas = scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafeSlow(size);
  canvas.fill(Buffer.from([BACKGROUND.r, BACKGROUND.g, BACKGROUND.b]));
  const stride = layout.width * 3;
  /** Draws `svg` (a `height`-pixel band of text) over the canvas rows from `top` on. */
  const overlay = async (top: number, height: number, svg: string): Promise<void> => {
    const band = canvas.subarray(top * stride, (top + height) * stride);
    const drawn = await sharp(band, { raw: { width: layout.width, height, channels: 3 } })
      .composite([{ input: textSvg(layout.width, height, svg), left: 0, top: 0 }]).removeAlpha().raw().toBuffer();
    drawn.copy(band);
  };
  const total = analysis.shots.length;
  const header = `${source.name} · ${rateLabel(source)} · `
    + (shots.length === total ? `${total} shot${total === 1 ? '' : 's'}` : `shots ${first + 1}–${first + shots.length} of ${total}`);
  await overlay(0, layout.headerHeight,
    `<text x="${GAP}" y="24" font-family="DejaVu Sans, sans-serif" font-size="16" fill="#e6e6e6">${escapeHtml(header)}</text>`);
  const rowHeight = layout.tileHeight + CAPTION_HEIGHT + GAP;
  const tileStride = layout.tileWidth * 3;
  const glyphs = await glyphStrip();
  for (let start = 0; start < shots.length; start += layout.columns) {
    const top = layout.headerHeight + (start / layout.columns) * rowHeight;
    for (const [col, shot] of shots.slice(start, start + layout.columns).entries()) {
      const left = GAP + col * (layout.tileWidth + GAP);
      const tile = await tileImage(path.resolve(outputDir, shot.keyframe.image), layout);
      for (let y = 0; y < layout.tileHeight; y++) tile.copy(canvas, (top + y) * stride + left * 3, y * tileStride, (y + 1) * tileStride);
      const timecode = tc(shot.startFrame);
      drawCaption(canvas, stride, layout.width, glyphs, `#${first + start + col + 1}`, left, top + layout.tileHeight, NUMBER_COLOUR);
      drawCaption(canvas, stride, layout.width, glyphs, timecode, left + layout.tileWidth - timecode.length * GLYPH_WIDTH, top + layout.tileHeight, TIMECODE_COLOUR);
    }
  }
  return sharp(canvas, { raw: { width: layout.width, height: layout.height, channels: 3 } })
    // Standard Huffman tables: optimised ones make libjpeg keep every coefficient of the page for
    // a second pass, 12 MB at the end of an analysis (its largest moment) for a file 6 % smaller.
    .jpeg({ quality: options.quality ?? 82, optimiseCoding: false })
    .toBuffer();
}
