// Decoding in runs on several processes gives exactly the one-pass decode: same frames, indexes,
// timestamps and intra flags, for closed and open GOPs, and falls back when a run disagrees.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../src/analyze.js';
import type { Logger } from '../src/core/logger.js';
import type { SeekIndex } from '../src/core/types.js';
import { decodeInRuns, decodeProcesses, type DecodeRun, planRuns } from '../src/frames/chunked-decode.js';
import { type DecodedFrame, decodeFrames, type FrameOutput } from '../src/frames/decode.js';
import { probeMedia } from '../src/ingest/probe.js';
import { ffmpeg, renderFourShotProgram, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
/** Every frame its own grey (limited-range Y 16 + 9n mod 220), so a frame out of place shows. */
const GREY_STEPS = `geq=lum='16+mod(N*9\\,220)':cb=128:cr=128`;
const NTSC = '30000/1001';
const clips: Record<string, string> = {};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // 12 s of 29.97p H.264 with B-frames, a keyframe every 12 frames (times not whole microseconds).
  clips.h264 = path.join(dir, 'steps.mp4');
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=160x90:r=${NTSC}:d=12`, '-vf', GREY_STEPS,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '12', '-crf', '10', '-pix_fmt', 'yuv420p', clips.h264]);
  // MPEG-2 in a transport stream: open GOPs (leading B-frames refer to the GOP before) and a
  // container clock that starts at 1.4 s.
  clips.mpeg2 = path.join(dir, 'steps.ts');
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=160x90:r=${NTSC}:d=12`, '-vf', GREY_STEPS,
    '-c:v', 'mpeg2video', '-bf', '2', '-g', '12', '-q:v', '2', '-pix_fmt', 'yuv420p', clips.mpeg2]);
}, 60_000);

afterAll(async () => cleanup());

const OUTPUTS: readonly FrameOutput[] = [{ name: 'small', width: 32, height: 18 }, { name: 'big', width: 64, height: 36, every: 7 }];

async function collect(frames: AsyncGenerator<DecodedFrame>): Promise<DecodedFrame[]> {
  const all: DecodedFrame[] = [];
  for await (const f of frames) all.push(f);
  return all;
}

function expectSameFrames(actual: readonly DecodedFrame[], expected: readonly DecodedFrame[]): void {
  expect(actual.map((f) => f.index)).toEqual(expected.map((f) => f.index));
  expect(actual.map((f) => f.intra)).toEqual(expected.map((f) => f.intra));
  actual.forEach((f, i) => {
    const e = expected[i]!;
    expect(f.ptsSeconds).toBeCloseTo(e.ptsSeconds, 6);
    expect(Object.keys(f.frames).sort()).toEqual(Object.keys(e.frames).sort());
    for (const [name, frame] of Object.entries(f.frames)) {
      expect(frame.index).toBe(f.index);
      expect(Buffer.compare(frame.data, e.frames[name]!.data), `frame ${f.index} (${name})`).toBe(0);
    }
  });
}

function recordingLogger(): Logger & { warnings: string[]; infos: { message: string; fields?: Record<string, unknown> }[] } {
  const warnings: string[] = [];
  const infos: { message: string; fields?: Record<string, unknown> }[] = [];
  return {
    warnings, infos, debug() {}, error() {},
    info: (message: string, fields?: Record<string, unknown>) => { infos.push({ message, fields }); },
    warn: (message: string) => { warnings.push(message); },
  };
}

describe('decoding in runs', () => {
  it.each(['h264', 'mpeg2'])('%s: the runs deliver exactly the one-pass frames', async (kind) => {
    const file = clips[kind]!;
    const media = await probeMedia(file);
    expect(media.frameCount).toBe(360);
    const runs = planRuns(media.frameCount, media.seekIndex, 60)!;
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const oneDecode = await collect(decodeFrames(file, { outputs: OUTPUTS }));
    expect(oneDecode).toHaveLength(360);
    // Each frame is its own grey: frame 200 is not frame 199 or 201.
    expect(oneDecode[200]!.frames.small!.data[0]).not.toBe(oneDecode[199]!.frames.small!.data[0]);
    const logger = recordingLogger();
    const inRuns = await collect(decodeInRuns(file, { outputs: OUTPUTS, runs, processes: 2, frameSeconds: 1001 / 30000, logger }));
    expect(logger.warnings).toEqual([]);
    expectSameFrames(inRuns, oneDecode);
  }, 60_000);

  it('a run that disagrees with the probe makes the rest decode in one pass, with the same frames', async () => {
    const media = await probeMedia(clips.h264!);
    const runs = planRuns(media.frameCount, media.seekIndex, 60)!;
    // The second run's seek lands a frame late (as a seek that misses its keyframe would).
    const lying: DecodeRun[] = runs.map((r, i) => (i === 1 ? { ...r, seekSeconds: r.seekSeconds + 1001 / 30000 } : r));
    const logger = recordingLogger();
    const inRuns = await collect(decodeInRuns(clips.h264!, { outputs: OUTPUTS, runs: lying, processes: 2, frameSeconds: 1001 / 30000, logger }));
    expect(logger.warnings).toHaveLength(1);
    expectSameFrames(inRuns, await collect(decodeFrames(clips.h264!, { outputs: OUTPUTS })));
  }, 60_000);

  it('cancelling stops every run', async () => {
    const media = await probeMedia(clips.h264!);
    const controller = new AbortController();
    const runs = planRuns(media.frameCount, media.seekIndex, 60)!;
    const seen: number[] = [];
    await expect((async () => {
      for await (const f of decodeInRuns(clips.h264!, { outputs: OUTPUTS, runs, processes: 2, frameSeconds: 1001 / 30000, signal: controller.signal })) {
        seen.push(f.index);
        if (f.index === 100) controller.abort();
      }
    })()).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen.at(-1)).toBe(100);
  }, 60_000);
});

describe('analyze with the decode in runs', () => {
  it('finds the same shots, transitions and keyframes as with one decode, a dissolve across the runs\' seam included', async () => {
    // 36 s at 25p, keyframes every second: runs [0, 500) and [500, 897). Cut at 250, a dissolve
    // over frames ~497-507 (across the seam), cut at ~697.
    const clip = path.join(dir, 'seam.mp4');
    await renderFourShotProgram(clip, { width: 160, height: 90, seconds: [10, 10.3, 8, 8], dissolveAt: 9.9 });
    const saved = process.env.ROUGHCUT_DECODE_PROCESSES;
    const analyse = async (processes: string): Promise<{ analysis: Record<string, unknown>; runs: unknown }> => {
      process.env.ROUGHCUT_DECODE_PROCESSES = processes;
      const logger = recordingLogger();
      const out = await analyzeFile(clip, { outDir: path.join(dir, `seam-${processes}`), logger });
      const analysis = JSON.parse(await fs.readFile(out.files.analysis, 'utf8')) as Record<string, unknown>;
      delete analysis.timing;
      return { analysis, runs: logger.infos.find((i) => i.message === 'decoding')?.fields?.runs };
    };
    try {
      const one = await analyse('1');
      const runs = await analyse('2');
      expect(one.runs).toBe(1);
      expect(runs.runs).toBe(2);
      const transitions = runs.analysis.transitions as { type: string; frame?: number; startFrame?: number; endFrame?: number }[];
      expect(transitions.some((t) => t.type === 'dissolve' && t.startFrame! <= 502 && t.endFrame! >= 502)).toBe(true);
      expect(JSON.stringify(runs.analysis).replaceAll('seam-2', 'seam-1')).toBe(JSON.stringify(one.analysis));
    } finally {
      if (saved === undefined) delete process.env.ROUGHCUT_DECODE_PROCESSES;
      else process.env.ROUGHCUT_DECODE_PROCESSES = saved;
    }
  }, 120_000);
});

describe('planning runs', () => {
  const index = (frames: number[], fps = 25): SeekIndex => ({ startSeconds: 1.4, firstPtsSeconds: 1.4, points: frames.map((frame) => ({ frame, ptsSeconds: 1.4 + frame / fps })) });

  it('starts runs at seek points at least the minimum apart, each seeking on the container clock', () => {
    const runs = planRuns(1000, index([0, 125, 250, 375, 500, 625, 750, 875]), 250)!;
    expect(runs.map((r) => [r.startFrame, r.frameCount])).toEqual([[0, 250], [250, 250], [500, 250], [750, 250]]);
    expect(runs[1]).toMatchObject({ seekSeconds: 10, firstFrameSeconds: 10, originPtsSeconds: 1.4 });
    expect(runs[0]).toMatchObject({ seekSeconds: 0, firstFrameSeconds: 0 });
  });

  it('leaves no run shorter than half the minimum at the end, and no plan for a short file', () => {
    expect(planRuns(1060, index([0, 250, 500, 750, 1000]), 250)!.at(-1)).toMatchObject({ startFrame: 750, frameCount: 310 });
    expect(planRuns(300, index([0, 250]), 250)).toBeUndefined();
    expect(planRuns(5000, index([0]), 250)).toBeUndefined();
    expect(planRuns(5000, undefined, 250)).toBeUndefined();
  });

  it('uses one single-threaded process a core, at most four, and one process when told', () => {
    const saved = process.env.ROUGHCUT_DECODE_PROCESSES;
    try {
      delete process.env.ROUGHCUT_DECODE_PROCESSES;
      expect(decodeProcesses(2)).toEqual({ processes: 2, threads: 1 });
      expect(decodeProcesses(16)).toEqual({ processes: 4, threads: 4 });
      expect(decodeProcesses(1)).toEqual({ processes: 1, threads: 1 });
      process.env.ROUGHCUT_DECODE_PROCESSES = '1';
      expect(decodeProcesses(8).processes).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.ROUGHCUT_DECODE_PROCESSES;
      else process.env.ROUGHCUT_DECODE_PROCESSES = saved;
    }
  });
});
