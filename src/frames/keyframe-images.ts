// Full-size keyframe JPEGs: one targeted, frame-accurate seek per keyframe, encoded with sharp.
import { spawn } from 'node:child_process';
import sharp from './image-codec.js';
import { RoughcutError } from '../core/errors.js';
import { safePath } from './decode.js';

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

/** Runs ffmpeg and collects its stdout; rejects with DECODE_FAILED and the stderr tail on failure. */
function runToBuffer(filePath: string, args: readonly string[], options: KeyframeImageOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new RoughcutError('DECODE_FAILED', `${filePath}: could not extract keyframe images (ffmpeg exit ${code}).`, { file: filePath, stderr }));
    });
  });
}

/**
 * Decodes the frame at presentation time `ptsSeconds` (relative to the first frame) and returns
 * it as JPEG bytes at display size. The seek is frame-accurate: ffmpeg seeks to the keyframe
 * before and decodes forward, and half a frame of slack keeps rounding on the right side. For an
 * intra frame the demuxer lands on the frame itself, so accurate seeking (which would decode and
 * discard) is turned off.
 */
export async function renderKeyframeJpeg(
  filePath: string, ptsSeconds: number, frameSeconds: number,
  display: { width: number; height: number }, options: KeyframeImageOptions = {},
): Promise<Buffer> {
  const { width, height } = keyframeSize(display.width, display.height, options.maxWidth ?? 1280);
  const seek = options.intra ? ptsSeconds + Math.min(0.0005, frameSeconds / 4) : Math.max(0, ptsSeconds - frameSeconds / 2);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-ss', seek.toFixed(6), ...(options.intra ? ['-noaccurate_seek'] : []), '-i', safePath(filePath),
    '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:${height}:flags=bicubic,setsar=1,format=rgb24`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const raw = await runToBuffer(filePath, args, options);
  if (raw.length !== width * height * 3) {
    throw new RoughcutError('DECODE_FAILED', `${filePath}: could not extract the keyframe at ${ptsSeconds.toFixed(3)} s.`, { file: filePath });
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: options.quality ?? 85, mozjpeg: false }).toBuffer();
}
