// Interlaced sources: keyframe images are deinterlaced, face frames are taken from one field.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { decodeFrames, interlacedField } from '../src/frames/decode.js';
import { renderKeyframeJpeg } from '../src/frames/keyframe-images.js';
import { probeMedia } from '../src/ingest/probe.js';
import { runCli } from './helpers/cli.js';
import { ffmpeg, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let clip: string;

/**
 * Combing: how far each row is from the mean of its neighbours, over the same for rows two
 * apart. Rows of one field that disagree with the other field's (motion between the two moments)
 * make the first large; a picture of one moment keeps it under the second.
 */
function combing(grey: Uint8Array | Buffer, width: number, height: number): number {
  let adjacent = 0;
  let apart = 0;
  for (let y = 2; y < height - 2; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const p = grey[y * width + x]!;
      adjacent += Math.abs(p - (grey[(y - 1) * width + x]! + grey[(y + 1) * width + x]!) / 2);
      apart += Math.abs(p - (grey[(y - 2) * width + x]! + grey[(y + 2) * width + x]!) / 2);
    }
  }
  return adjacent / apart;
}

async function jpegCombing(jpeg: Buffer): Promise<number> {
  const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  return combing(data, info.width, info.height);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-interlaced-'));
  clip = path.join(dir, 'interlaced.mp4');
  // A picture panning sideways, 50 moments a second woven into 25 top-field-first frames, coded
  // as interlaced H.264 (PAL 576i): every vertical edge is combed.
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=50,scroll=horizontal=0.004,format=yuv420p', '-t', '4', '-vf', 'tinterlace=mode=interleave_top,setfield=tff',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16', '-flags', '+ildct+ilme', '-x264-params', 'tff=1', '-r', '25', clip]);
}, 60_000);

afterAll(async () => cleanup());

describe('interlaced sources', () => {
  it('are recognised by the probe, first field on top', async () => {
    const media = await probeMedia(clip);
    expect(media.fieldOrder).toBe('tt');
    expect(interlacedField(media.fieldOrder)).toBe('top');
    expect(interlacedField('bb')).toBe('bottom');
    expect(interlacedField('progressive')).toBeUndefined();
  });

  it('give keyframe images without combing when deinterlaced, and with it when not', async () => {
    // At the coded size: a vertical scale would blend the two fields' rows and hide the combing.
    const display = { width: 720, height: 576 };
    const raw = await jpegCombing(await renderKeyframeJpeg(clip, 1.0, 0.04, display, { maxWidth: 720 }));
    const deinterlaced = await jpegCombing(await renderKeyframeJpeg(clip, 1.0, 0.04, display, { maxWidth: 720, interlaced: true }));
    expect(raw).toBeGreaterThan(1.2);
    expect(deinterlaced).toBeLessThan(0.8);
  });

  it('give face frames of one field: one moment, not two woven together', async () => {
    const measure = async (field?: 'top'): Promise<number[]> => {
      const out: number[] = [];
      const outputs = [{ name: 'a', width: 96, height: 72 }, { name: 'f', width: 720, height: 576, every: 25, ...(field ? { field } : {}) }];
      for await (const d of decodeFrames(clip, { outputs })) {
        const f = d.frames.f;
        if (!f) continue;
        const grey = new Uint8Array(f.width * f.height);
        for (let i = 0; i < grey.length; i += 1) grey[i] = (f.data[i * 3]! * 77 + f.data[i * 3 + 1]! * 150 + f.data[i * 3 + 2]! * 29) >> 8;
        out.push(combing(grey, f.width, f.height));
      }
      return out;
    };
    const whole = await measure();
    const field = await measure('top');
    expect(field).toHaveLength(whole.length);
    expect(Math.min(...whole)).toBeGreaterThan(1.2);
    expect(Math.max(...field)).toBeLessThan(0.8);
  });

  it('analyze writes keyframes without combing', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(['analyze', clip, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const folder = path.join(out, 'interlaced');
    const analysis = JSON.parse(await fs.readFile(path.join(folder, 'analysis.json'), 'utf8')) as AnalysisResult;
    expect(analysis.shots.length).toBeGreaterThan(0);
    for (const shot of analysis.shots) expect(await jpegCombing(await fs.readFile(path.join(folder, shot.keyframe.image)))).toBeLessThan(0.8);
  }, 120_000);
});
