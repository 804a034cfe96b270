// The same one-pass decode, cut at keyframes into runs that several single-threaded ffmpeg
// processes decode side by side, delivered in order as one stream of frames.
import os from 'node:os';
import { RoughcutError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { toNumber } from '../core/rational.js';
import type { MediaInfo, SeekIndex } from '../core/types.js';
import { BufferPool } from './buffer-pool.js';
import { cancelled, type DecodedFrame, type DecodeOptions, decodeFrames, type FrameRange } from './decode.js';
import type { RgbFrame } from './frame.js';

/**
 * Frames a run holds at least. A run costs a process start and a seek (0.12 CPU-s, most of it
 * loading ffmpeg's 215 libraries), and the runs decoded ahead of the one being read wait in
 * memory. On the 5-minute 1080p benchmark program, runs of 500 frames (20 s of 25p) analysed
 * 3-5 % faster than runs of 250, and runs of 1000 slower again (the last run decodes alone).
 */
export const MIN_RUN_FRAMES = 500;

/**
 * What the runs decoded ahead of the one being read may hold, together: a whole run of 160x90
 * frames (500 are 21.6 MB). A run waits (and its ffmpeg on its pipe) while they hold more.
 * Where the pipeline is slower than the decode, runs cannot get far ahead anyway.
 */
const READ_AHEAD_BYTES = 22 * 1024 * 1024;

/** What the run being read may hold: it is read as it arrives, so this is slack for a slow frame. */
const LEAD_BYTES = 2 * 1024 * 1024;

/** Most decode processes for one file: past four, memory grows faster than speed. */
const MAX_PROCESSES = 4;

/**
 * How many ffmpeg processes decode one file, and with how many threads each. ffmpeg's own frame
 * threads leave part of two cores idle (a frame waits on rows of the one before) and cost 10 % in
 * locking; independent runs keep every core busy. `ROUGHCUT_DECODE_PROCESSES=1` turns it off.
 */
export function decodeProcesses(cores = os.availableParallelism()): { processes: number; threads: number } {
  const wanted = Number(process.env.ROUGHCUT_DECODE_PROCESSES ?? cores);
  const processes = Math.max(1, Math.min(MAX_PROCESSES, Number.isFinite(wanted) ? Math.floor(wanted) : cores, cores));
  return { processes, threads: Math.max(1, Math.floor(cores / processes)) };
}

/**
 * Cuts `frameCount` frames into runs that each start at a seek point and hold at least
 * `minFrames` frames, or undefined when there are fewer than two (the file is short, or its
 * keyframes are too sparse to split).
 */
export function planRuns(frameCount: number, seekIndex: SeekIndex | undefined, minFrames = MIN_RUN_FRAMES): DecodeRun[] | undefined {
  if (!seekIndex) return undefined;
  const starts = [0];
  for (const p of seekIndex.points) {
    if (p.frame - starts[starts.length - 1]! >= minFrames && frameCount - p.frame >= minFrames / 2) starts.push(p.frame);
  }
  if (starts.length < 2) return undefined;
  const point = new Map(seekIndex.points.map((p) => [p.frame, p.ptsSeconds]));
  return starts.map((startFrame, i) => {
    const pts = startFrame === 0 ? seekIndex.firstPtsSeconds : point.get(startFrame)!;
    return {
      startFrame,
      frameCount: (starts[i + 1] ?? frameCount) - startFrame,
      seekSeconds: startFrame === 0 ? 0 : pts - seekIndex.startSeconds,
      originPtsSeconds: seekIndex.firstPtsSeconds,
      firstFrameSeconds: pts - seekIndex.firstPtsSeconds,
    };
  });
}

/** A run of the plan, with the time its first frame must have (from the file's first frame). */
export interface DecodeRun extends FrameRange {
  readonly firstFrameSeconds: number;
}

/** A run whose frames are not what the probe promised (count or first timestamp). */
class RunMismatch extends Error {}

/**
 * The bytes every run of one decode holds, the runs waiting for some to be read, and the buffers
 * frames wait in (see BufferPool): frames kept in their own buffers put the CLI's peak at
 * 117-130 MB from run to run. Kept in reused buffers, and copied out fresh when read (dying young
 * like the one-pass decode's), they leave no garbage behind.
 */
class ReadAhead {
  bytes = 0;
  readonly waiting = new Set<() => void>();
  private readonly spare = new BufferPool();

  release(bytes: number): void {
    this.bytes -= bytes;
    for (const resume of [...this.waiting]) resume();
  }

  /** A copy of `data` in a reused buffer. */
  keep(data: Uint8Array): Uint8Array {
    const kept = this.spare.take(data.length);
    kept.set(data);
    return kept;
  }

  /** A fresh copy of a kept buffer, which goes back to be reused. */
  giveBack(kept: Uint8Array): Uint8Array {
    const copy = new Uint8Array(kept);
    this.spare.give(kept);
    return copy;
  }
}

/** `frame` with every picture's bytes passed through `move`. */
function withData(frame: DecodedFrame, move: (data: Uint8Array) => Uint8Array): DecodedFrame {
  const frames: Record<string, RgbFrame> = {};
  for (const [name, f] of Object.entries(frame.frames)) frames[name] = { ...f, data: move(f.data) };
  return { ...frame, frames };
}

/** One run's decode, read ahead into memory so it can go on while an earlier run is delivered. */
class RunReader {
  /** Frames read ahead; those of a run not being read yet wait in the shared buffers (`kept`). */
  private readonly frames: { frame: DecodedFrame; kept: boolean; size: number }[] = [];
  private finished = false;
  private failure: unknown;
  private bytes = 0;
  private wake: (() => void) | undefined;
  /** True for the run being read, which may hold {@link LEAD_BYTES} whatever the others hold. */
  private leading = false;
  readonly controller = new AbortController();

  constructor(filePath: string, range: FrameRange, options: DecodeOptions, threads: number, private readonly shared: ReadAhead) {
    void this.pump(decodeFrames(filePath, { ...options, range, threads, signal: this.controller.signal }));
  }

  /** Makes this the run being read. */
  becomeLead(): void {
    this.leading = true;
    for (const resume of [...this.shared.waiting]) resume();
  }

  /** True once its ffmpeg has delivered the whole run (or failed). */
  get decoded(): boolean {
    return this.finished;
  }

  private async pump(frames: AsyncGenerator<DecodedFrame>): Promise<void> {
    try {
      for await (const frame of frames) {
        const size = frameBytes(frame);
        this.frames.push(this.leading ? { frame, kept: false, size } : { frame: withData(frame, (d) => this.shared.keep(d)), kept: true, size });
        this.bytes += size;
        this.shared.bytes += size;
        this.wake?.();
        while (!this.controller.signal.aborted && (this.leading ? this.bytes >= LEAD_BYTES : this.shared.bytes >= READ_AHEAD_BYTES)) {
          await new Promise<void>((resolve) => {
            const resume = (): void => { this.shared.waiting.delete(resume); resolve(); };
            this.shared.waiting.add(resume);
          });
        }
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.finished = true;
      this.wake?.();
    }
  }

  /** The next frame of the run, or undefined after its last; throws what stopped the decode. */
  async next(): Promise<DecodedFrame | undefined> {
    while (this.frames.length === 0 && !this.finished) {
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
    const queued = this.frames.shift();
    if (queued) {
      this.bytes -= queued.size;
      this.shared.release(queued.size);
      return queued.kept ? withData(queued.frame, (d) => this.shared.giveBack(d)) : queued.frame;
    }
    if (this.failure !== undefined) throw this.failure;
    return undefined;
  }

  stop(): void {
    this.controller.abort();
    this.shared.release(this.bytes);
    this.bytes = 0;
  }
}

function frameBytes(frame: DecodedFrame): number {
  let bytes = 0;
  for (const f of Object.values(frame.frames)) bytes += f.data.length;
  return bytes;
}

export interface ChunkedDecodeOptions extends DecodeOptions {
  readonly runs: readonly DecodeRun[];
  /** ffmpeg processes decoding at once (runs read ahead), and threads each. */
  readonly processes: number;
  readonly threads?: number;
  /** The file's frame duration, to check each run's first timestamp against the probe's. */
  readonly frameSeconds: number;
  /** Told when a run disagrees with the probe and the rest is decoded in one pass. */
  readonly logger?: Logger;
}

/**
 * Yields the same frames, in the same order, with the same indexes and timestamps as
 * {@link decodeFrames} over the whole file, decoding `processes` runs at once. Each run is checked
 * against the probe: its first frame's time, its frame count, and its last frame's time against
 * the next run's first. If one disagrees (an open GOP the seek cannot start, a damaged stretch),
 * the rest of the file is decoded in one pass from the start, skipping the frames already
 * delivered. A run found wrong only at its end has delivered what the one pass delivers too
 * where the decoder drops the same damaged frame in both (it then numbers the frames after it
 * the same way); the one pass carries on from there.
 */
export async function* decodeInRuns(filePath: string, options: ChunkedDecodeOptions): AsyncGenerator<DecodedFrame> {
  const { runs, processes, signal } = options;
  const threads = options.threads ?? 1;
  const readers = new Map<number, RunReader>();
  const shared = new ReadAhead();
  const onAbort = (): void => { for (const r of readers.values()) r.stop(); };
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  try {
    let launched = 0;
    // At most `processes` ffmpegs at work, and one run more than that decoded ahead of the one
    // being read, so a process that finishes early starts the next run at once.
    const launch = (head: number): void => {
      let working = 0;
      for (const r of readers.values()) if (!r.decoded) working += 1;
      while (working < processes && launched < runs.length && launched <= head + processes) {
        readers.set(launched, new RunReader(filePath, runs[launched]!, options, threads, shared));
        launched += 1;
        working += 1;
      }
    };
    for (let i = 0; i < runs.length; i++) {
      launch(i);
      const reader = readers.get(i)!;
      reader.becomeLead();
      const run = runs[i]!;
      let last: DecodedFrame | undefined;
      try {
        for (;;) {
          launch(i);
          const frame = await reader.next();
          if (signal?.aborted) throw cancelled(filePath);
          if (!frame) break;
          if (frame.index === run.startFrame && Math.abs(frame.ptsSeconds - run.firstFrameSeconds) > options.frameSeconds / 2) {
            throw new RunMismatch(`run at frame ${run.startFrame} starts at ${frame.ptsSeconds.toFixed(6)} s, not ${run.firstFrameSeconds.toFixed(6)} s`);
          }
          next = frame.index + 1;
          last = frame;
          yield frame;
        }
        if (next !== run.startFrame + run.frameCount) throw new RunMismatch(`run at frame ${run.startFrame} ended at frame ${next}, not ${run.startFrame + run.frameCount}`);
        // A frame lost inside the run would pull one of the next run's in at its end.
        const following = runs[i + 1];
        if (following && last && Math.abs(following.firstFrameSeconds - options.frameSeconds - last.ptsSeconds) > options.frameSeconds / 2) {
          throw new RunMismatch(`run at frame ${run.startFrame} ends at ${last.ptsSeconds.toFixed(6)} s, not a frame before ${following.firstFrameSeconds.toFixed(6)} s`);
        }
      } catch (error) {
        if (signal?.aborted) throw cancelled(filePath);
        if (!(error instanceof RunMismatch) && !(error instanceof RoughcutError && error.code === 'DECODE_FAILED')) throw error;
        (options.logger ?? silentLogger).warn('a decode run disagreed with the probe; decoding the rest in one pass', { file: filePath, reason: error.message, from: next });
        for (const r of readers.values()) r.stop();
        readers.clear();
        for await (const frame of decodeFrames(filePath, { ...options, range: undefined, threads: undefined })) {
          if (frame.index >= next) yield frame;
        }
        return;
      }
      readers.delete(i);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const r of readers.values()) r.stop();
  }
}

/**
 * The decode for one probed file: in runs on several processes where the file allows it
 * (constant frame rate, keyframes to split at, long enough, software decoding, more than one
 * core), else in one pass. Either way the same frames with the same indexes and timestamps.
 */
export function decodeVideo(filePath: string, media: MediaInfo, options: DecodeOptions & { readonly logger?: Logger }): AsyncGenerator<DecodedFrame> {
  const hwaccel = options.hwaccel ?? process.env.ROUGHCUT_FFMPEG_HWACCEL;
  const { processes, threads } = decodeProcesses();
  const runs = processes > 1 && !media.variableFrameRate && !(hwaccel && hwaccel !== 'none') ? planRuns(media.frameCount, media.seekIndex) : undefined;
  (options.logger ?? silentLogger).info('decoding', { file: filePath, processes: runs ? processes : 1, runs: runs?.length ?? 1 });
  if (!runs) return decodeFrames(filePath, options);
  return decodeInRuns(filePath, { ...options, runs, processes, threads, frameSeconds: 1 / toNumber(media.fps) });
}
