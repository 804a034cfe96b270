// Full-size keyframe JPEGs: targeted, frame-accurate seeks (several in one ffmpeg), encoded with sharp.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Readable } from 'node:stream';
import sharp from './image-codec.js';
import { RoughcutError } from '../core/errors.js';
import { BufferPool } from './buffer-pool.js';
import { safePath } from './decode.js';
import { colorMatrixFor, yuv420ToRgb } from './yuv-to-rgb.js';

export interface KeyframeImageOptions {
  /** Largest width written; the display aspect is kept. Default 1280. */
  readonly maxWidth?: number;
  /** JPEG quality 1-100. Default 85. */
  readonly quality?: number;
  readonly ffmpegPath?: string;
  readonly signal?: AbortSignal;
  /**
   * The frame is an intra (key) frame: seek straight to it and take the first decoded frame,
   * one frame of decoding instead of up to a whole GOP.
   */
  readonly intra?: boolean;
  /**
   * The source is interlaced: each picture is deinterlaced (bwdif, frames flagged interlaced only)
   * before it is scaled, so a keyframe of motion shows no combing.
   */
  readonly interlaced?: boolean;
  /**
   * The source's colour matrix tag (ffprobe's `color_space`, MediaInfo.colorSpace); untagged
   * sources follow the players' convention (see colorMatrixFor).
   */
  readonly colorSpace?: string;
  /**
   * Buffers to reuse for the raw pictures, from batch to batch of one analysis; default, fresh
   * ones each call. A picture that arrived as pipe chunks joined by `Buffer.concat` left twice
   * its size of garbage: 120 keyframes in a row raised RSS by ~130 MB (measured in isolation);
   * copied into reused buffers, by ~80 MB, flat after the first 40. analyze keeps one pool per
   * file, dropped once its keyframes are written, so the buffers do not stay through the contact
   * sheets (they were 11-16 MB of the CLI's peak).
   */
  readonly pictures?: BufferPool;
}

/** The size a keyframe image is written at: display size, no wider than `maxWidth`, even. */
export function keyframeSize(displayWidth: number, displayHeight: number, maxWidth: number): { width: number; height: number } {
  const width = Math.min(maxWidth, displayWidth) & ~1;
  const height = Math.max(2, Math.round((width * displayHeight) / displayWidth / 2) * 2);
  return { width, height };
}

/** Name of a keyframe image: the frame number, zero-padded to six digits. */
export function keyframeFileName(frame: number): string {
  return `${String(frame).padStart(6, '0')}.jpg`;
}

/**
 * How many keyframes one ffmpeg fetches for frames of `width` x `height`: each input holds its
 * own decoder, about 25 MB at 1080p on top of ffmpeg's 55 MB, and its own copy of the file's
 * sample index (2.7 MB more for a 30-minute file than a 5-minute one). So a batch is about 2
 * megapixels of pictures: 1 at 1080p and UHD, 2 at 720p, 5-6 at SD. Two at 1080p took ffmpeg to
 * 102-109 MB, the largest process of an analysis, and growing with the file's length (107 MB at
 * 30 minutes); one takes 81 MB, for 0.024 CPU-s more a keyframe (20 seeks into the 1080p
 * benchmark program: 3.58 against 3.11 CPU-s).
 */
export function keyframeBatchSize(width: number, height: number): number {
  return Math.max(1, Math.min(8, Math.floor(2_100_000 / Math.max(1, width * height))));
}

/** One keyframe image to fetch: where the frame is, and whether it is an intra (key) frame. */
export interface KeyframeRequest {
  /** Presentation time of the frame, relative to the first frame. */
  readonly ptsSeconds: number;
  /** The frame is an intra frame: seek straight to it, one frame of decoding. */
  readonly intra?: boolean;
}

/**
 * Nice value of the keyframe seeks: they run beside the main decode, and where both want the CPU
 * the decode (which every other stage waits on) should win. Lowering a child's priority needs no
 * privilege.
 */
const SEEK_NICENESS = 10;

/**
 * Runs one ffmpeg that writes one raw picture of `size` bytes to each of `outputs` pipes (fds 3,
 * 4, ...) and returns them, in pooled buffers; rejects with DECODE_FAILED and the stderr tail
 * when ffmpeg fails or a picture is short.
 */
function runToBuffers(filePath: string, args: readonly string[], outputs: number, size: number, pool: BufferPool, options: KeyframeImageOptions): Promise<Buffer[]> {
  return new Promise<Buffer[]>((resolve, reject) => {
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe', ...Array.from({ length: outputs }, () => 'pipe' as const)];
    const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio, signal: options.signal });
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, SEEK_NICENESS);
      } catch {
        // Not allowed here (or already gone): the seek just runs at normal priority.
      }
    }
    const pictures = Array.from({ length: outputs }, () => pool.take(size));
    const filled = new Array<number>(outputs).fill(0);
    for (let i = 0; i < outputs; i++) {
      (child.stdio[i + 3] as Readable).on('data', (c: Buffer) => {
        filled[i] = filled[i]! + c.copy(pictures[i]!, filled[i]!);
      });
    }
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
    const fail = (error: Error): void => {
      for (const p of pictures) pool.give(p);
      reject(error);
    };
    child.on('error', fail);
    child.on('close', (code) => {
      const short = filled.findIndex((n) => n !== size);
      if (code === 0 && short < 0) resolve(pictures);
      else fail(new RoughcutError('DECODE_FAILED', `${filePath}: could not extract keyframe images (ffmpeg exit ${code}${code === 0 ? `; picture ${short + 1} came out short` : ''}).`, { file: filePath, stderr }));
    });
  });
}

/**
 * Decodes the frame at presentation time `ptsSeconds` (relative to the first frame) and returns
 * it as JPEG bytes at display size. See {@link renderKeyframeJpegs}.
 */
export async function renderKeyframeJpeg(
  filePath: string, ptsSeconds: number, frameSeconds: number,
  display: { width: number; height: number }, options: KeyframeImageOptions = {},
): Promise<Buffer> {
  const [jpeg] = await renderKeyframeJpegs(filePath, [{ ptsSeconds, intra: options.intra }], frameSeconds, display, options);
  return jpeg!;
}

/**
 * Decodes the frames at the requested presentation times and returns them as JPEG bytes at
 * display size, in request order, from one ffmpeg process: one seeking input per frame, so a
 * batch pays ffmpeg's start-up (about half the cost of a one-frame seek) once. Each seek is
 * frame-accurate: ffmpeg seeks to the keyframe before and decodes forward, and half a frame of
 * slack keeps rounding on the right side. For an intra frame the demuxer lands on the frame
 * itself, so accurate seeking (which would decode and discard) is turned off. Each input decodes
 * on one thread: a seek is a few frames, and the main decode has the other threads.
 *
 * ffmpeg scales each picture and hands it over as limited-range 4:2:0; the conversion to RGB
 * happens here (yuv420ToRgb, with the source's matrix, 3-4 ms a 720p picture). swscale's RGB
 * output after a bicubic scale is slow: 0.26 CPU-s a keyframe against 0.18 (20 seeks into the
 * 1080p benchmark program), and 8 MB more in each ffmpeg of two seeks.
 */
export async function renderKeyframeJpegs(
  filePath: string, requests: readonly KeyframeRequest[], frameSeconds: number,
  display: { width: number; height: number }, options: KeyframeImageOptions = {},
): Promise<Buffer[]> {
  if (requests.length === 0) return [];
  const { width, height } = keyframeSize(display.width, display.height, options.maxWidth ?? 1280);
  const source = safePath(filePath);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  for (const r of requests) {
    const seek = r.intra ? r.ptsSeconds + Math.min(0.0005, frameSeconds / 4) : Math.max(0, r.ptsSeconds - frameSeconds / 2);
    args.push('-ss', seek.toFixed(6), ...(r.intra ? ['-noaccurate_seek'] : []), '-threads', '1', '-i', source);
  }
  const deinterlace = options.interlaced ? 'bwdif=mode=send_frame:parity=auto:deint=interlaced,' : '';
  requests.forEach((_, i) => {
    args.push('-map', `${i}:v:0`, '-frames:v', '1', '-vf', `${deinterlace}scale=${width}:${height}:flags=bicubic:out_range=limited,setsar=1,format=yuv420p`,
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', `pipe:${i + 3}`);
  });
  const pool = options.pictures ?? new BufferPool();
  const yuvPictures = await runToBuffers(filePath, args, requests.length, width * height * 1.5, pool, options);
  const matrix = colorMatrixFor(options.colorSpace, Math.min(display.width, display.height));
  const rgb = pool.take(width * height * 3);
  try {
    // One picture at a time through one RGB buffer: a batch holds one picture's encode at once.
    const jpegs: Buffer[] = [];
    for (const picture of yuvPictures) {
      yuv420ToRgb(picture, width, height, matrix, rgb);
      // Without optimised Huffman tables: libjpeg would hold the whole picture's coefficients for
      // a second pass (4 MB a 720p picture, beside the decode), for files 6 % smaller.
      jpegs.push(await sharp(rgb, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: options.quality ?? 85, mozjpeg: false, optimiseCoding: false }).toBuffer());
    }
    return jpegs;
  } finally {
    for (const buffer of [...yuvPictures, rgb]) pool.give(buffer);
  }
}
