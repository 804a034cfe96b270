// The single decode pass: one ffmpeg process streams raw RGB frames over pipes, one pipe per consumer size.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { RoughcutError } from '../core/errors.js';
import type { FieldOrder } from '../core/types.js';
import { RecordReader } from './record-reader.js';
import type { RgbFrame } from './frame.js';

/** One consumer's frame size. Frames arrive as packed RGB24. */
export interface FrameOutput {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /**
   * Deliver only every `every`-th frame (indexes 0, every, 2*every, ...) at this size; ffmpeg
   * drops the others before scaling, so a sparse consumer (face detection at a larger size)
   * costs little. Default 1. The first output must be dense: it counts and times every frame.
   */
  readonly every?: number;
  /**
   * Take this one field of each frame before scaling (see interlacedField): a frame of interlaced
   * video holds two moments 1/50 s or 1/60 s apart, and scaled whole it shows both, a face moving
   * doubled. One field is one moment at half the height, which a downscale to 360 lines or fewer
   * does not miss. Default: the whole frame.
   */
  readonly field?: 'top' | 'bottom';
}

/** The field that comes first in time for an interlaced source, or undefined for a progressive (or unknown) one. */
export function interlacedField(fieldOrder: FieldOrder): 'top' | 'bottom' | undefined {
  if (fieldOrder === 'tt' || fieldOrder === 'tb') return 'top';
  if (fieldOrder === 'bb' || fieldOrder === 'bt') return 'bottom';
  return undefined;
}

export interface DecodeOptions {
  /** The sizes to deliver; each becomes one pipe out of the same ffmpeg process. */
  readonly outputs: readonly FrameOutput[];
  readonly signal?: AbortSignal;
  /**
   * Skip the H.264/HEVC in-loop deblocking filter. Decoding gets markedly faster and the
   * blocking it leaves is invisible at analysis sizes; never use it for images people see.
   * Default true.
   */
  readonly fastDecode?: boolean;
  /** ffmpeg binary; default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /**
   * Hardware decoder for ffmpeg's `-hwaccel` (`cuda` for NVDEC on a GPU worker, `vaapi`, `auto`).
   * Decoded frames come back to system memory for the same filter graph, and where the device
   * cannot decode the stream ffmpeg falls back to software. Default: the
   * `ROUGHCUT_FFMPEG_HWACCEL` environment variable of the worker, else none.
   */
  readonly hwaccel?: string;
  /**
   * swscale flags for the downscale. Default `fast_bilinear`: a 1080p to 160-wide area filter
   * costs about a fifth of the decode itself, and on the accuracy bench (bench/accuracy.mts) the
   * detectors score the same with either.
   */
  readonly scaleFlags?: string;
  /** Decoder threads (`-threads`); default ffmpeg's own choice (frame threads, one per core and one more). */
  readonly threads?: number;
  /** Decode only these frames instead of the whole file (see {@link FrameRange}). */
  readonly range?: FrameRange;
}

/**
 * A run of frames that starts at a keyframe: ffmpeg seeks there (`-ss`, with the container's own
 * timestamps kept by `-copyts`) and stops after `frameCount` frames. Frames are numbered from
 * `startFrame` and timed from `originPtsSeconds`, the file's first frame, so they read as part of
 * the whole file; a sparse output keeps the whole file's `every` rhythm.
 */
export interface FrameRange {
  readonly startFrame: number;
  readonly frameCount: number;
  /** `-ss` for the keyframe: its time on the container's clock less the container's start time. */
  readonly seekSeconds: number;
  readonly originPtsSeconds: number;
}

/** One decoded frame, delivered at every requested size. */
export interface DecodedFrame {
  readonly index: number;
  readonly ptsSeconds: number;
  /** True for frames the codec can decode without others (I/IDR): cheap places to seek to. */
  readonly intra: boolean;
  readonly frames: Readonly<Record<string, RgbFrame>>;
}

const STDERR_TAIL_BYTES = 4000;
const SHOWINFO = /\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[\d.e+-]+).*?\biskey:(\d)/;
/** showinfo's time base: its `pts_time` has six significant digits, 10 ms at an hour, so times come from `pts`. */
const SHOWINFO_TIME_BASE = /showinfo.*\bconfig in time_base:\s*(\d+)\/(\d+)/;

/** Builds the ffmpeg arguments for one decode of `filePath` into the given outputs. */
export function decodeArguments(filePath: string, outputs: readonly FrameOutput[], fastDecode: boolean, scaleFlags = 'fast_bilinear', hwaccel?: string,
  extra: { threads?: number; range?: FrameRange } = {}): string[] {
  const { range } = extra;
  if (outputs.length === 0) throw new RangeError('decode needs at least one output size');
  if ((outputs[0]!.every ?? 1) !== 1) throw new RangeError('the first decode output must deliver every frame');
  for (const o of outputs) {
    if (!Number.isInteger(o.every ?? 1) || (o.every ?? 1) < 1) throw new RangeError(`decode output "${o.name}": every must be a positive integer`);
  }
  const labels = outputs.map((_, i) => `[s${i}]`);
  const split = outputs.length > 1 ? `[0:v:0]split=${outputs.length}${labels.join('')};` : '';
  const chains = outputs.map((o, i) => {
    const input = outputs.length > 1 ? labels[i] : '[0:v:0]';
    // showinfo (times and intra flags, no checksums) runs on the first output only.
    const info = i === 0 ? ',showinfo=checksum=0' : '';
    const every = o.every ?? 1;
    const first = range?.startFrame ?? 0;
    const select = every > 1 ? `select='not(mod(n${first > 0 ? `+${first}` : ''}\\,${every}))',` : '';
    const field = o.field ? `field=type=${o.field},` : '';
    return `${input}${select}${field}scale=${o.width}:${o.height}:flags=${scaleFlags},setsar=1,format=rgb24${info}[o${i}]`;
  });
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (fastDecode) args.push('-skip_loop_filter', 'all');
  if (hwaccel && hwaccel !== 'none') args.push('-hwaccel', hwaccel);
  // The filter graph gets as many threads as the decoder: by default it slices each scale over
  // every core, which for a 160x90 picture costs more in handing over than it saves (1000 frames of
  // 1080p decoded on one thread: 5 % less CPU with one filter thread, four alternating pairs).
  if (extra.threads !== undefined) args.push('-threads', String(extra.threads), '-filter_complex_threads', String(extra.threads));
  if (range) {
    args.push('-copyts');
    // Microseconds, rounded up: ffmpeg rounds -ss to the nearest tick of the stream for both the
    // seek and the trim after it, so the keyframe itself is the first frame kept.
    if (range.startFrame > 0) args.push('-ss', (Math.ceil(range.seekSeconds * 1e6) / 1e6).toFixed(6));
  }
  args.push('-i', filePath, '-filter_complex', split + chains.join(';'));
  outputs.forEach((o, i) => {
    // passthrough: every decoded frame exactly once, no duplication or dropping by rate logic.
    args.push('-map', `[o${i}]`, '-fps_mode', 'passthrough');
    if (range) args.push('-frames:v', String(framesInRange(range.startFrame, range.frameCount, o.every ?? 1)));
    args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', `pipe:${i === 0 ? 1 : i + 2}`);
  });
  return args;
}

/** The error a decode of `filePath` ends with when its signal aborts it. */
export function cancelled(filePath: string): RoughcutError {
  return new RoughcutError('ABORTED', `${filePath}: analysis cancelled.`, { file: filePath });
}

/** Frames of [start, start + count) whose index is a multiple of `every`. */
function framesInRange(start: number, count: number, every: number): number {
  return Math.floor((start + count - 1) / every) - Math.floor((start - 1) / every);
}

/**
 * Decodes the first video stream of `filePath` once and yields every frame, in presentation
 * order, at each requested size. Memory is bounded by the pipes: ffmpeg waits while the consumer
 * works. Throws RoughcutError('DECODE_FAILED') with ffmpeg's stderr tail when ffmpeg fails.
 */
export async function* decodeFrames(filePath: string, options: DecodeOptions): AsyncGenerator<DecodedFrame> {
  const { outputs, signal } = options;
  const hwaccel = options.hwaccel ?? process.env.ROUGHCUT_FFMPEG_HWACCEL;
  const { range } = options;
  const args = decodeArguments(safePath(filePath), outputs, options.fastDecode ?? true, options.scaleFlags, hwaccel, { threads: options.threads, range });
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', ...outputs.slice(1).map(() => 'pipe' as const)];
  const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio });
  let spawnError: Error | undefined;
  child.on('error', (e) => { spawnError = e; });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  const pts: number[] = [];
  const intra: boolean[] = [];
  let ptsWaiter: (() => void) | undefined;
  let stderrTail = '';
  let stderrEnded = false;
  let partial = '';
  let timeBase: [number, number] | undefined;
  const stderr = child.stdio[2] as Readable;
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = SHOWINFO.exec(line);
      if (m) {
        pts.push(timeBase ? (Number(m[2]) * timeBase[0]) / timeBase[1] : Number(m[3]));
        intra.push(m[4] === '1');
      } else {
        const tb = timeBase ? undefined : SHOWINFO_TIME_BASE.exec(line);
        if (tb && Number(tb[2]) > 0) timeBase = [Number(tb[1]), Number(tb[2])];
        // Only what is not a showinfo line is kept for error messages, trimmed now and then:
        // re-slicing a 16 kB tail on every chunk was two thirds of the decode's JS allocation.
        stderrTail += `${line}\n`;
        if (stderrTail.length > STDERR_TAIL_BYTES * 8) stderrTail = stderrTail.slice(-STDERR_TAIL_BYTES * 4);
      }
    }
    ptsWaiter?.();
  });
  stderr.on('end', () => { stderrTail += partial; stderrEnded = true; ptsWaiter?.(); });

  // With a sparse output, ffmpeg may write tens of dense frames before the next sparse one (or
  // the reverse): every pipe reads ahead far enough that neither side waits on the other.
  const sparsest = Math.max(...outputs.map((o) => o.every ?? 1));
  const readers = outputs.map((o, i) => new RecordReader(child.stdio[i === 0 ? 1 : i + 2] as Readable, o.width * o.height * 3,
    { readAhead: sparsest === 1 ? 0 : (o.every ?? 1) > 1 ? 2 : 2 * sparsest + 8 }));
  const onAbort = (): void => { child.kill('SIGKILL'); };
  signal?.addEventListener('abort', onAbort, { once: true });

  const startFrame = range?.startFrame ?? 0;
  let index = startFrame;
  let firstPts = range?.originPtsSeconds;
  try {
    for (;;) {
      if (signal?.aborted) throw cancelled(filePath);
      if (range && index === startFrame + range.frameCount) break;
      const records = await Promise.all(readers.map((r, i) => (index % (outputs[i]!.every ?? 1) === 0 ? r.read() : Promise.resolve(undefined))));
      if (records.some((r) => r === null)) break;
      const n = index - startFrame;
      while (pts.length <= n && !stderrEnded) {
        await new Promise<void>((resolve) => { ptsWaiter = resolve; });
        ptsWaiter = undefined;
      }
      const rawPts = pts[n] ?? (pts[0] ?? firstPts ?? 0) + n * (pts.length > 1 ? (pts[pts.length - 1]! - pts[0]!) / (pts.length - 1) : 0);
      firstPts ??= rawPts;
      const ptsSeconds = rawPts - firstPts;
      const frames: Record<string, RgbFrame> = {};
      outputs.forEach((o, i) => {
        const data = records[i];
        if (data) frames[o.name] = { index, ptsSeconds, width: o.width, height: o.height, data };
      });
      yield { index, ptsSeconds, intra: intra[n] ?? false, frames };
      index += 1;
    }
    const code = await exit;
    if (signal?.aborted) throw cancelled(filePath);
    if (spawnError) {
      throw new RoughcutError('FFMPEG_MISSING', `${filePath}: could not run ffmpeg (${spawnError.message}); install it with "apt-get install ffmpeg".`, { file: filePath, cause: spawnError });
    }
    if (code !== 0) {
      throw new RoughcutError('DECODE_FAILED', `${filePath}: ffmpeg failed to decode the video (exit ${code}): ${lastErrorLine(stderrTail)}`,
        { file: filePath, retryable: code === null, stderr: stderrTail.slice(-STDERR_TAIL_BYTES) });
    }
    if (index === startFrame) {
      throw new RoughcutError('DECODE_FAILED', `${filePath}: ffmpeg decoded no video frames; the file may be damaged. ${lastErrorLine(stderrTail)}`,
        { file: filePath, stderr: stderrTail.slice(-STDERR_TAIL_BYTES) });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      // 'close' waits for every pipe to end; frames nobody will read would hold it open.
      for (const pipe of child.stdio) pipe?.destroy();
      await exit;
    }
  }
}

/** Decode warnings ffmpeg printed (corrupt data, missing references), for a truncated-file check. */
function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !SHOWINFO.test(l));
  return lines.slice(-1)[0] ?? '';
}

/** A path ffmpeg cannot mistake for an option or a protocol (`-clip.mp4`, `a:b.mp4`). */
export function safePath(filePath: string): string {
  if (filePath.startsWith('/')) return filePath;
  return `file:${filePath.startsWith('-') ? './' : ''}${filePath}`;
}

/** The analysis frame size for a display size: `width` wide, height from the display aspect, both even. */
export function analysisSize(displayWidth: number, displayHeight: number, width = 160): { width: number; height: number } {
  const height = Math.max(2, Math.round((width * displayHeight) / displayWidth / 2) * 2);
  return { width, height };
}
