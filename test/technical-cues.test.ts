// Technical cues (black, colour bars, freeze, silence) on a clip made with ffmpeg whose cues are known to the frame.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSilence, detectSilenceSeconds, silenceSegments } from '../src/classify/audio-cues.js';
import { TechnicalCueDetector, type TechnicalCueOptions } from '../src/classify/technical-cues.js';
import { rational } from '../src/core/rational.js';
import type { MediaInfo, Segment } from '../src/core/types.js';
import { analysisSize, decodeFrames } from '../src/frames/decode.js';
import type { RgbFrame } from '../src/frames/frame.js';
import { probeMedia } from '../src/ingest/probe.js';
import { CUE_FPS, makeCueClip, withoutAudio, type CueClip, type ExpectedCue } from './helpers/cue-media.js';
import { roughcutErrorOf } from './helpers/errors.js';
import { tempDir } from './helpers/media.js';

/** How far, in frames, a found cue's edges may be from the clip's. */
const TOLERANCE = 2;

let dir: string;
let cleanup: () => Promise<void>;
let clip: CueClip;
let media: MediaInfo;
/** The clip's frames at the analysis size analyze uses (160 wide): decoded once, pushed by each test. */
let frames: RgbFrame[];
const size = analysisSize(640, 360);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-cues-'));
  clip = await makeCueClip(dir);
  media = await probeMedia(clip.file);
  frames = [];
  for await (const d of decodeFrames(clip.file, { outputs: [{ name: 'analysis', ...size }] })) frames.push(d.frames.analysis!);
});

afterAll(async () => {
  await cleanup();
});

/** Pushes every frame of the clip through a fresh detector. */
function detect(options: Partial<TechnicalCueOptions> = {}): Segment[] {
  const detector = new TechnicalCueDetector({ fps: rational(CUE_FPS), ...size, ...options });
  for (const frame of frames) detector.push(frame);
  return detector.finish(frames.length);
}

/** Checks that `found` holds exactly the `expected` cues, each edge within {@link TOLERANCE} frames. */
function expectCues(found: readonly Segment[], expected: readonly ExpectedCue[]): void {
  expect(found.map((s) => s.label)).toEqual(expected.map((c) => c.label));
  found.forEach((segment, i) => {
    const want = expected[i]!;
    expect(Math.abs(segment.startFrame - want.startFrame), `${want.label} at ${want.startFrame} starts at ${segment.startFrame}`).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(segment.endFrame - want.endFrame), `${want.label} at ${want.startFrame} ends at ${segment.endFrame}`).toBeLessThanOrEqual(TOLERANCE);
    expect(segment.kind).toBe('technical');
    expect(segment.confidence).toBeGreaterThanOrEqual(0.5);
    expect(segment.confidence).toBeLessThanOrEqual(1);
  });
}

describe('TechnicalCueDetector', () => {
  it('decodes the clip whole', () => {
    expect(frames.length).toBe(clip.frameCount);
    expect(size).toEqual({ width: 160, height: 90 });
  });

  it('finds the black (with a logo in the corner), all four bar charts and the freeze, and nothing else', () => {
    // Nothing on testsrc2, testsrc, mandelbrot, the still rgbtestsrc or the dim gradient with a title.
    expectCues(detect(), clip.video);
  });

  it('reports SMPTE, SMPTE HD and EBU 75% and 100% bars each as bars', () => {
    const bars = detect().filter((s) => s.label === 'bars');
    expect(bars).toHaveLength(4);
    for (const segment of bars) expect(segment.confidence).toBeGreaterThan(0.9);
  });

  it('does not call a dark scene with a bright title black, nor a moving one frozen', () => {
    const dark = { startFrame: 525, endFrame: 575 };
    const overlapping = detect().filter((s) => s.startFrame < dark.endFrame && s.endFrame > dark.startFrame);
    expect(overlapping).toEqual([]);
    // Darker on average than blackdetect's pixel threshold and nearly all dark: only the title's
    // 3% of bright pixels keeps the dark share under 98%.
    const detector = new TechnicalCueDetector({ fps: rational(CUE_FPS), ...size });
    for (const frame of frames.slice(0, 550)) detector.push(frame);
    const scores = detector.lastScores();
    expect(scores.meanLuma).toBeLessThan(25);
    expect(scores.darkRatio).toBeGreaterThan(0.9);
    expect(scores.darkRatio).toBeLessThan(0.98);
  });

  it('does not call seven bands in the wrong order bars, nor a slowly fading still a freeze', () => {
    const rainbowThenFade = { startFrame: 575, endFrame: 675 };
    const overlapping = detect().filter((s) => s.startFrame < rainbowThenFade.endFrame && s.endFrame > rainbowThenFade.startFrame);
    expect(overlapping).toEqual([]);
  });

  it('honours the minimum durations', () => {
    const found = detect({ minBarsSeconds: 2.5, minBlackSeconds: 2.5, minFreezeSeconds: 3.5 });
    expect(found).toEqual([]);
    const short = detect({ minFreezeSeconds: 0.5 }).filter((s) => s.label === 'freeze');
    // The still rgbtestsrc second is a freeze once a second is long enough.
    expect(short.map((s) => [s.startFrame, s.endFrame])).toContainEqual([325, 350]);
  });

  it('is cheap enough to run on every frame', () => {
    const detector = new TechnicalCueDetector({ fps: rational(CUE_FPS), ...size });
    const rounds: number[] = [];
    let index = 0;
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      for (const frame of frames) detector.push({ ...frame, index: index++ });
      rounds.push((performance.now() - started) / frames.length);
    }
    rounds.sort((a, b) => a - b);
    // About 0.01 ms on this machine; the bound only catches an accidental full-frame pass.
    expect(rounds[2]).toBeLessThan(0.2);
  });

  it('rejects frames of another size', () => {
    const detector = new TechnicalCueDetector({ fps: rational(CUE_FPS), width: 320, height: 180 });
    expect(() => detector.push(frames[0]!)).toThrow(RangeError);
  });
});

describe('detectSilence', () => {
  it('finds the silent gap and the silent tail within two frames', async () => {
    expect(media.audioStreams.length).toBe(1);
    const found = await detectSilence(clip.file, media);
    expectCues(found, clip.silence);
    expect(found.every((s) => s.label === 'silence' && s.endFrame <= media.frameCount)).toBe(true);
  });

  it('honours the silence level and the minimum length', async () => {
    // The tone is at -18 dBFS: with a threshold above it, the whole file is one silence.
    const loud = await detectSilenceSeconds(clip.file, { noiseDb: -10 });
    expect(loud).toHaveLength(1);
    expect(loud[0]!.startSeconds).toBe(0);
    expect(loud[0]!.endSeconds).toBeGreaterThan(24.9);
    // With a minimum longer than any gap there are none.
    expect(await detectSilenceSeconds(clip.file, { minSeconds: 4 })).toEqual([]);
  });

  it('returns no segments for a file without audio', async () => {
    const silentFile = await withoutAudio(clip.file, dir);
    const noAudio = await probeMedia(silentFile);
    expect(noAudio.audioStreams).toEqual([]);
    expect(await detectSilence(silentFile, noAudio)).toEqual([]);
  });

  it('is cancelled by its signal and leaves no ffmpeg behind', async () => {
    // A FIFO nobody writes to: ffmpeg blocks opening it until it is killed.
    const fifo = path.join(dir, 'never-written.m4a');
    execFileSync('mkfifo', [fifo]);
    const controller = new AbortController();
    const pending = detectSilenceSeconds(fifo, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processesNaming(fifo)).toBe(1);
    controller.abort();
    expect((await roughcutErrorOf(pending)).code).toBe('ABORTED');
    expect(processesNaming(fifo)).toBe(0);
    const before = new AbortController();
    before.abort();
    expect((await roughcutErrorOf(detectSilence(clip.file, media, { signal: before.signal }))).code).toBe('ABORTED');
  });

  it('maps seconds to frames at the nominal rate, or through the frame times of a VFR source', () => {
    const fps = rational(30000, 1001);
    expect(silenceSegments([{ startSeconds: 1.001, endSeconds: 3.0 }], { fps, frameCount: 1000 }))
      .toEqual([{ startFrame: 30, endFrame: 90, label: 'silence', confidence: 1, kind: 'technical' }]);
    // Clamped to the frames there are; an empty range is dropped.
    expect(silenceSegments([{ startSeconds: 30, endSeconds: 40 }, { startSeconds: 50, endSeconds: 60 }], { fps, frameCount: 1000 }))
      .toEqual([{ startFrame: 899, endFrame: 1000, label: 'silence', confidence: 1, kind: 'technical' }]);
    // Ten frames at 0.1 s, then ten at 0.5 s: 2.0 s is frame 12 (t = 2.0), 3.1 s nearest frame 14 (t = 3.0).
    const frameTimes = [...Array.from({ length: 10 }, (_, i) => i * 0.1), ...Array.from({ length: 10 }, (_, i) => 1 + i * 0.5)];
    const vfr = silenceSegments([{ startSeconds: 2.0, endSeconds: 3.1 }], { fps, frameCount: 20, frameTimes });
    expect(vfr.map((s) => [s.startFrame, s.endFrame])).toEqual([[12, 14]]);
  });
});

/** How many live processes have `text` in their command line (the test's own ps excluded). */
function processesNaming(text: string): number {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo')).length;
}
