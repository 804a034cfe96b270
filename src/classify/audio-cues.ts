// The audio technical cue: near-silence in the first audio stream, found by ffmpeg's silencedetect and mapped to frames.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { RoughcutError } from '../core/errors.js';
import { secondsToFrames, type Rational } from '../core/rational.js';
import type { MediaInfo, Segment } from '../core/types.js';

/** Options for {@link detectSilence} and {@link detectSilenceSeconds}. */
export interface SilenceOptions {
  /**
   * Level at or below which audio counts as silent, dBFS. Default -50: below the room tone and
   * hiss of a live mic (about -60 to -50) counts as silent, any speech or music bed (-30 and up)
   * does not. ffmpeg's own default, -60, misses the faint hiss left on a muted channel.
   */
  readonly noiseDb?: number;
  /** Shortest silence reported, seconds. Default 2 (silencedetect's default): pauses in speech are shorter. */
  readonly minSeconds?: number;
  /** Cancels the run: ffmpeg is killed and the call rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
  /** ffmpeg binary; default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /**
   * For variable-frame-rate sources: the presentation time (seconds) of every decoded frame, so
   * a silence maps to the frames shown during it rather than to frames at the nominal rate.
   */
  readonly frameTimes?: readonly number[];
}

/** A silence in seconds from the start of the audio, `[startSeconds, endSeconds)`. */
export interface SilenceRange {
  readonly startSeconds: number;
  readonly endSeconds: number;
}

/** How much of ffmpeg's stderr is kept for an error. */
const STDERR_TAIL_CHARS = 4000;
const SILENCE_START = /silence_start:\s*(-?[\d.e+-]+)/;
const SILENCE_END = /silence_end:\s*(-?[\d.e+-]+)/;

/**
 * Finds near-silent stretches of `filePath`'s first audio stream as segments labelled `silence`
 * (kind `'technical'`), `[startFrame, endFrame)` at `media.fps` (or at `options.frameTimes` for
 * VFR sources), clamped to `media.frameCount`. Returns `[]` when the file has no audio.
 * Confidence is 1: the silence is measured, not guessed.
 *
 * Audio decoding is cheap beside the video decode (a few seconds of one core for an hour of
 * AAC), so it is meant to run at the same time as it.
 *
 * @throws RoughcutError `FFMPEG_MISSING`, `DECODE_FAILED` (with ffmpeg's stderr tail) or `ABORTED`.
 */
export async function detectSilence(filePath: string, media: MediaInfo, options: SilenceOptions = {}): Promise<Segment[]> {
  if (media.audioStreams.length === 0) return [];
  const ranges = await detectSilenceSeconds(filePath, options);
  return silenceSegments(ranges, { fps: media.fps, frameCount: media.frameCount, frameTimes: options.frameTimes });
}

/**
 * Runs ffmpeg's `silencedetect` over the first audio stream of `filePath` (no video is decoded)
 * and returns the silences in seconds. A silence still running at the end of the audio is closed
 * there. Resolves `[]` for a file whose first audio stream is silent for less than `minSeconds`.
 *
 * @throws RoughcutError `FFMPEG_MISSING`, `DECODE_FAILED` (also when there is no audio stream) or `ABORTED`.
 */
export async function detectSilenceSeconds(filePath: string, options: SilenceOptions = {}): Promise<SilenceRange[]> {
  const noiseDb = options.noiseDb ?? -50;
  const minSeconds = options.minSeconds ?? 2;
  if (!Number.isFinite(noiseDb) || noiseDb >= 0) throw new RoughcutError('BAD_ARGUMENT', `silence level must be below 0 dBFS, not ${noiseDb}.`);
  if (!Number.isFinite(minSeconds) || minSeconds <= 0) throw new RoughcutError('BAD_ARGUMENT', `minimum silence must be a positive number of seconds, not ${minSeconds}.`);
  const { signal } = options;
  const aborted = (): RoughcutError => new RoughcutError('ABORTED', `${filePath}: silence detection cancelled.`, { file: filePath });
  if (signal?.aborted) throw aborted();

  // An absolute path keeps a name like `-clip.mp4` from being read as an option or a protocol.
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-i', path.resolve(filePath),
    '-vn', '-sn', '-dn', '-map', '0:a:0', '-af', `silencedetect=n=${noiseDb}dB:d=${minSeconds}`, '-f', 'null', '-'];
  const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let spawnError: Error | undefined;
  child.on('error', (e) => { spawnError = e; });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const onAbort = (): void => { child.kill('SIGKILL'); };
  signal?.addEventListener('abort', onAbort, { once: true });

  const ranges: SilenceRange[] = [];
  let openStart: number | undefined;
  let lastTime = 0;
  let stderrTail = '';
  let partial = '';
  const take = (line: string): void => {
    const start = SILENCE_START.exec(line);
    if (start) openStart = Math.max(0, Number(start[1]));
    const end = SILENCE_END.exec(line);
    if (end && openStart !== undefined) {
      ranges.push({ startSeconds: openStart, endSeconds: Number(end[1]) });
      openStart = undefined;
    }
    // The last progress time ffmpeg prints ("time=00:05:00.00") closes a silence it left open.
    const time = /\btime=(\d+):(\d+):([\d.]+)/.exec(line);
    if (time) lastTime = Number(time[1]) * 3600 + Number(time[2]) * 60 + Number(time[3]);
  };
  const stderr = child.stdio[2] as Readable;
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS * 2);
    const lines = (partial + text).split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const line of lines) take(line);
  });

  try {
    const code = await exit;
    take(partial);
    if (signal?.aborted) throw aborted();
    if (spawnError) {
      throw new RoughcutError('FFMPEG_MISSING', `${filePath}: could not run ffmpeg (${spawnError.message}); install it with "apt-get install ffmpeg".`,
        { file: filePath, cause: spawnError });
    }
    if (code !== 0) {
      const lastLine = stderrTail.trim().split('\n').pop() ?? '';
      throw new RoughcutError('DECODE_FAILED', `${filePath}: ffmpeg failed to read the audio for silence detection (exit ${code}): ${lastLine}`,
        { file: filePath, retryable: code === null, stderr: stderrTail.slice(-STDERR_TAIL_CHARS) });
    }
    // ffmpeg before 6 leaves a silence that runs to the end without a silence_end.
    if (openStart !== undefined) ranges.push({ startSeconds: openStart, endSeconds: Math.max(openStart, lastTime) });
    return ranges;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
  }
}

/**
 * Maps silences in seconds to `silence` segments of kind `'technical'`: each edge goes to the
 * nearest frame boundary at `fps`, or, given `frameTimes` (VFR), to the decoded frame that starts nearest
 * to it. An open silence (end past the last frame) is closed at `frameCount`; empty ranges
 * are dropped.
 */
export function silenceSegments(ranges: readonly SilenceRange[], timing: { fps: Rational; frameCount: number; frameTimes?: readonly number[] | undefined }): Segment[] {
  const { fps, frameCount, frameTimes } = timing;
  const toFrame = frameTimes && frameTimes.length > 0
    ? (seconds: number): number => firstFrameAtOrAfter(frameTimes, seconds)
    : (seconds: number): number => secondsToFrames(seconds, fps);
  const segments: Segment[] = [];
  for (const range of ranges) {
    const startFrame = Math.min(frameCount, Math.max(0, toFrame(range.startSeconds)));
    const endFrame = Math.min(frameCount, Math.max(0, toFrame(range.endSeconds)));
    if (endFrame > startFrame) segments.push({ startFrame, endFrame, label: 'silence', confidence: 1, kind: 'technical' });
  }
  return segments;
}

/** Index of the first frame starting no earlier than half a mean frame before `seconds`, or the frame count. */
function firstFrameAtOrAfter(times: readonly number[], seconds: number): number {
  const n = times.length;
  const halfFrame = n > 1 ? (times[n - 1]! - times[0]!) / (n - 1) / 2 : 0;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < seconds - halfFrame) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
