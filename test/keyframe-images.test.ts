// Keyframe images: the seek returns exactly the frame asked for, intra or not, at display size.
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArguments, decodeFrames } from '../src/frames/decode.js';
import { keyframeSize, renderKeyframeJpeg, renderKeyframeJpegs } from '../src/frames/keyframe-images.js';
import { ffmpeg, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let clip: string;
/** Grey level of frame n once decoded to full-range RGB: every frame its own (limited-range Y 16 + 9n mod 220). */
const lumaOf = (n: number): number => (((n * 9) % 220) * 255) / 219;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  clip = path.join(dir, 'grey-steps.mp4');
  // 30000/1001 with B-frames and a GOP of 12: intra frames at 0, 12, 24, ...
  await ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=320x180:r=30000/1001:d=3', '-vf', `geq=lum='16+mod(N*9\\,220)':cb=128:cr=128`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '12', '-crf', '10', '-pix_fmt', 'yuv420p', clip]);
}, 60_000);

afterAll(async () => cleanup());

async function meanLuma(jpeg: Buffer): Promise<number> {
  const stats = await sharp(jpeg).greyscale().stats();
  return stats.channels[0]!.mean;
}

describe('keyframe images', () => {
  it('decode reports intra frames and timestamps; each seek returns exactly its frame', async () => {
    const times: number[] = [];
    const intra: number[] = [];
    for await (const f of decodeFrames(clip, { outputs: [{ name: 'a', width: 32, height: 18 }] })) {
      times.push(f.ptsSeconds);
      if (f.intra) intra.push(f.index);
    }
    expect(times).toHaveLength(90);
    expect(intra.slice(0, 3)).toEqual([0, 12, 24]);
    const frameSeconds = 1001 / 30000;
    for (const frame of [12, 24, 48, 13, 35, 89]) {
      const jpeg = await renderKeyframeJpeg(clip, times[frame]!, frameSeconds, { width: 320, height: 180 }, { intra: intra.includes(frame) });
      expect(Math.abs((await meanLuma(jpeg)) - lumaOf(frame)), `frame ${frame}`).toBeLessThan(3);
      const meta = await sharp(jpeg).metadata();
      expect([meta.width, meta.height]).toEqual([320, 180]);
    }
  });

  it('one ffmpeg fetches a batch of frames, intra or not, each exactly, in request order', async () => {
    const frameSeconds = 1001 / 30000;
    const times: number[] = [];
    for await (const f of decodeFrames(clip, { outputs: [{ name: 'a', width: 32, height: 18 }] })) times.push(f.ptsSeconds);
    const frames = [89, 13, 24, 0, 47, 12];
    const jpegs = await renderKeyframeJpegs(clip, frames.map((f) => ({ ptsSeconds: times[f]!, intra: f % 12 === 0 })), frameSeconds, { width: 320, height: 180 }, { maxWidth: 160 });
    expect(jpegs).toHaveLength(frames.length);
    for (const [i, frame] of frames.entries()) {
      expect(Math.abs((await meanLuma(jpegs[i]!)) - lumaOf(frame)), `frame ${frame}`).toBeLessThan(3);
      const meta = await sharp(jpegs[i]!).metadata();
      expect([meta.width, meta.height]).toEqual([160, 90]);
    }
    expect(await renderKeyframeJpegs(clip, [], frameSeconds, { width: 320, height: 180 })).toEqual([]);
  });

  it('a sparse decode output delivers exactly every n-th frame, beside the dense one', async () => {
    const sparse: number[] = [];
    let dense = 0;
    for await (const f of decodeFrames(clip, { outputs: [{ name: 'a', width: 32, height: 18 }, { name: 'big', width: 160, height: 90, every: 7 }] })) {
      dense += 1;
      const big = f.frames.big;
      if (!big) continue;
      sparse.push(big.index);
      const mean = big.data.reduce((sum, v) => sum + v, 0) / big.data.length;
      expect(Math.abs(mean - lumaOf(f.index)), `frame ${f.index}`).toBeLessThan(3);
    }
    expect(dense).toBe(90);
    expect(sparse).toEqual(Array.from({ length: 13 }, (_, i) => i * 7));
  });

  it('asks ffmpeg for a hardware decoder when told, and falls back to software where there is none', async () => {
    const outputs = [{ name: 'a', width: 32, height: 18 }];
    expect(decodeArguments('x.mp4', outputs, true, 'fast_bilinear', 'cuda').join(' ')).toContain('-hwaccel cuda -i x.mp4');
    expect(decodeArguments('x.mp4', outputs, true, 'fast_bilinear', 'none')).not.toContain('-hwaccel');
    let frames = 0;
    for await (const f of decodeFrames(clip, { outputs, hwaccel: 'auto' })) {
      expect(f.index).toBe(frames);
      frames += 1;
    }
    expect(frames).toBe(90);
  });

  it('a slow consumer of a sparse output does not stall the decode, and leaving early ends ffmpeg', async () => {
    // ffmpeg writes its outputs in its own order and blocks on a full pipe: without read-ahead
    // this waited forever for frame 96's large frame while ffmpeg waited on the small pipe.
    const long = path.join(dir, 'ten-seconds.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', long]);
    const seen: number[] = [];
    for await (const f of decodeFrames(long, { outputs: [{ name: 'a', width: 64, height: 36 }, { name: 'big', width: 640, height: 360, every: 24 }] })) {
      if (f.frames.big) {
        seen.push(f.index);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      if (f.index === 200) break;
    }
    expect(seen).toEqual([0, 24, 48, 72, 96, 120, 144, 168, 192]);
  }, 30_000);

  it('keeps the colours: the matrix the source is tagged with, or the convention for its size', async () => {
    const { probeMedia } = await import('../src/ingest/probe.js');
    // 75 % bars' red, green and blue side by side, encoded with the BT.709 matrix and tagged so
    // (720p), and the same picture with BT.601 untagged at SD size. Each must come back as the
    // RGB it was made from; read with the other matrix, red would be 20 levels off.
    const cases = [
      { name: 'bt709.mp4', size: '1280x720', matrix: 'bt709', tag: ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'] },
      { name: 'sd.mp4', size: '640x360', matrix: 'bt601', tag: [] },
    ];
    for (const c of cases) {
      const file = path.join(dir, c.name);
      const [w, h] = c.size.split('x').map(Number) as [number, number];
      await ffmpeg(['-f', 'lavfi', '-i', `color=c=0xBF0000:s=${w / 4}x${h}:r=25:d=1`, '-f', 'lavfi', '-i', `color=c=0x00BF00:s=${w / 4}x${h}:r=25:d=1`,
        '-f', 'lavfi', '-i', `color=c=0x0000BF:s=${w / 2}x${h}:r=25:d=1`,
        '-filter_complex', `[0][1][2]hstack=3,scale=out_color_matrix=${c.matrix}:out_range=tv,format=yuv420p`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '5', ...c.tag, file]);
      const media = await probeMedia(file);
      expect(media.colorSpace).toBe(c.matrix === 'bt709' ? 'bt709' : undefined);
      const jpeg = await renderKeyframeJpeg(file, 0.4, 0.04, { width: w, height: h }, { maxWidth: w, colorSpace: media.colorSpace, quality: 95 });
      const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      const at = (x: number): number[] => [...data.subarray((Math.round(h / 2) * w + x) * 3, (Math.round(h / 2) * w + x) * 3 + 3)];
      const near = (got: number[], want: number[]): void => got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${c.name} ${String(got)}`).toBeLessThanOrEqual(6));
      near(at(w / 8), [191, 0, 0]);
      near(at((3 * w) / 8), [0, 191, 0]);
      near(at((3 * w) / 4), [0, 0, 191]);
    }
  }, 30_000);

  it('keeps the display aspect and caps the width', () => {
    expect(keyframeSize(1920, 1080, 1280)).toEqual({ width: 1280, height: 720 });
    expect(keyframeSize(1048, 576, 1280)).toEqual({ width: 1048, height: 576 });
    expect(keyframeSize(544, 1280, 1280)).toEqual({ width: 544, height: 1280 });
  });
});
