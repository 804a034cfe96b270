// probeMedia on clips made with ffmpeg: rates, timecode, rotation, aspect, fields, VFR, audio, bad input.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { probeMedia } from '../src/ingest/probe.js';
import { ffmpeg, tempDir } from './helpers/media.js';
import { roughcutErrorOf } from './helpers/errors.js';

const run = promisify(execFile);
const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
const src = (rate: string, seconds: number, size = '160x120'): string[] =>
  ['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=${rate}:d=${seconds}`];

let dir = '';
let cleanup: () => Promise<void> = async () => {};
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-probe-'));
  const silence = (s: number, rate = 48000): string[] => ['-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=${s}`];
  await Promise.all([
    ffmpeg([...src('25', 2), ...silence(2), ...silence(2, 44100), '-map', '0:v', '-map', '1:a', '-map', '2:a',
      ...X264, '-c:a', 'aac', '-metadata:s:a:1', 'language=fra', file('pal25.mp4')]),
    ffmpeg([...src('30000/1001', 2), ...X264, '-timecode', '01:00:00;00', file('ntsc-df.mp4')]),
    ffmpeg([...src('30000/1001', 1), ...X264, file('ntsc-notc.mp4')]),
    ffmpeg([...src('24000/1001', 2), ...X264, '-timecode', '10:00:00:00', file('ndf24.mov')]),
    ffmpeg([...src('25', 1), ...X264, '-timecode', '09:59:50:00', file('tc.mkv')]),
    ffmpeg(['-f', 'lavfi', '-i', 'color=black:s=160x120:r=25:d=1,drawbox=x=0:y=0:w=40:h=30:c=white:t=fill', ...X264, file('marker.mp4')]),
    ffmpeg([...src('25', 0.4, '720x576'), '-vf', 'setsar=64/45', ...X264, file('anamorphic.mp4')]),
    ffmpeg([...src('25', 0.4), ...X264, '-flags', '+ilme+ildct', '-top', '1', file('interlaced.mp4')]),
    ffmpeg([...src('25', 3), '-vf', 'select=not(eq(mod(n\\,3)\\,2))', '-vsync', 'vfr', ...X264, file('vfr.mp4')]),
    ffmpeg([...src('25', 3), '-vf', 'select=not(eq(mod(n\\,3)\\,2))', '-vsync', 'vfr', ...X264, file('vfr.mkv')]),
    ffmpeg([...src('25', 2), ...silence(2), ...X264, '-c:a', 'aac', file('moov-at-end.mp4')]),
    ffmpeg([...silence(1), '-c:a', 'aac', file('audio-only.m4a')]),
  ]);
  // ffmpeg 5.1 turns the `rotate` tag into a display matrix only when stream-copying; rotate=-90
  // gives the same matrix as a phone's portrait clip (ffprobe shows rotation=-90).
  await ffmpeg(['-i', file('marker.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=-90', file('rotated.mp4')]);
  await ffmpeg(['-i', file('moov-at-end.mp4'), '-c', 'copy', '-movflags', '+faststart', file('faststart.mp4')]);
});

afterAll(async () => {
  await cleanup();
});

describe('probeMedia: rates, counts and timecode', () => {
  it('reads a 25 fps clip with two audio streams', async () => {
    const m = await probeMedia(file('pal25.mp4'));
    expect(m.fps).toEqual({ num: 25, den: 1 });
    expect(m.averageFps).toEqual({ num: 25, den: 1 });
    expect(m.frameCount).toBe(50);
    expect(m.durationSeconds).toBeCloseTo(2, 2);
    expect(m.variableFrameRate).toBe(false);
    expect(m.dropFrame).toBe(false);
    expect(m.startTimecode).toBe('00:00:00:00');
    expect(m.startTimecodeSource).toBe('none');
    expect(m.codec).toBe('h264');
    expect(m.pixelFormat).toBe('yuv420p');
    expect(m.container).toContain('mp4');
    expect(m.path).toBe(file('pal25.mp4'));
    expect(m.name).toBe('pal25.mp4');
    expect(m.videoStreamIndex).toBe(0);
    expect(m.audioStreams).toHaveLength(2);
    expect(m.audioStreams[0]).toMatchObject({ codec: 'aac', channels: 1, sampleRate: 48000 });
    expect(m.audioStreams[1]).toMatchObject({ sampleRate: 44100, language: 'fra' });
  });

  it('takes a drop-frame start timecode from the tmcd track at 30000/1001', async () => {
    const m = await probeMedia(file('ntsc-df.mp4'));
    expect(m.fps).toEqual({ num: 30000, den: 1001 });
    expect(m.frameCount).toBe(60);
    expect(m.startTimecode).toBe('01:00:00;00');
    expect(m.startTimecodeSource).toBe('tmcd');
    expect(m.dropFrame).toBe(true);
  });

  it('treats 30000/1001 without timecode as drop-frame by broadcast convention', async () => {
    const m = await probeMedia(file('ntsc-notc.mp4'));
    expect(m.fps).toEqual({ num: 30000, den: 1001 });
    expect(m.startTimecode).toBe('00:00:00:00');
    expect(m.startTimecodeSource).toBe('none');
    expect(m.dropFrame).toBe(true);
  });

  it('reads 24000/1001 with a non-drop timecode', async () => {
    const m = await probeMedia(file('ndf24.mov'));
    expect(m.fps).toEqual({ num: 24000, den: 1001 });
    expect(m.frameCount).toBe(48);
    expect(m.startTimecode).toBe('10:00:00:00');
    expect(m.startTimecodeSource).toBe('tmcd');
    expect(m.dropFrame).toBe(false);
  });

  it('takes a Matroska timecode from the format tags', async () => {
    const m = await probeMedia(file('tc.mkv'));
    expect(m.startTimecode).toBe('09:59:50:00');
    expect(m.startTimecodeSource).toBe('format-tag');
    expect(m.frameCount).toBe(25);
  });
});

describe('probeMedia: picture geometry', () => {
  it('reports clockwise rotation and swaps the display size, as ffmpeg autorotate shows it', async () => {
    const m = await probeMedia(file('rotated.mp4'));
    expect(m.rotation).toBe(90);
    expect([m.width, m.height]).toEqual([160, 120]);
    expect([m.displayWidth, m.displayHeight]).toEqual([120, 160]);
    // ffmpeg's own autorotate moves the white top-left block to the top-right: clockwise.
    await run('ffmpeg', ['-v', 'error', '-y', '-i', file('rotated.mp4'), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', file('rotated.gray')]);
    const gray = await readFile(file('rotated.gray'));
    expect(gray.length).toBe(120 * 160);
    expect(gray[5 * 120 + 115]).toBeGreaterThan(200);
    expect(gray[5 * 120 + 5]).toBeLessThan(50);
  });

  it('reports sample and display aspect ratio of anamorphic PAL', async () => {
    const m = await probeMedia(file('anamorphic.mp4'));
    expect([m.width, m.height]).toEqual([720, 576]);
    expect(m.sampleAspectRatio).toEqual({ num: 64, den: 45 });
    expect(m.displayAspectRatio).toEqual({ num: 16, den: 9 });
    expect([m.displayWidth, m.displayHeight]).toEqual([1024, 576]);
    expect(m.rotation).toBe(0);
  });

  it('reports square pixels as 1/1 and field order of interlaced material', async () => {
    const progressive = await probeMedia(file('pal25.mp4'));
    expect(progressive.sampleAspectRatio).toEqual({ num: 1, den: 1 });
    expect(progressive.fieldOrder).toBe('progressive');
    const interlaced = await probeMedia(file('interlaced.mp4'));
    expect(interlaced.fieldOrder).toBe('tt');
  });
});

describe('probeMedia: variable frame rate', () => {
  it('detects VFR from packet timestamps in MP4 (every third frame dropped)', async () => {
    const m = await probeMedia(file('vfr.mp4'));
    expect(m.variableFrameRate).toBe(true);
    expect(m.fps).toEqual({ num: 25, den: 1 });
    expect(m.frameCount).toBe(50);
    expect(m.averageFps.num / m.averageFps.den).toBeLessThan(20);
  });

  it('detects VFR in Matroska, where avg_frame_rate does not show it', async () => {
    const m = await probeMedia(file('vfr.mkv'));
    expect(m.variableFrameRate).toBe(true);
    expect(m.frameCount).toBe(50);
  });

  it('does not flag constant-rate files, 1 ms Matroska rounding included', async () => {
    for (const name of ['pal25.mp4', 'ndf24.mov', 'tc.mkv', 'ntsc-df.mp4']) {
      expect((await probeMedia(file(name))).variableFrameRate, name).toBe(false);
    }
  });
});

describe('probeMedia: awkward names', () => {
  it('probes names with spaces, quotes and unicode', async () => {
    const name = `clip with "quotes" 'and' ünïcødé — 日本.mp4`;
    await ffmpeg(['-i', file('pal25.mp4'), '-c', 'copy', file(name)]);
    const m = await probeMedia(file(name));
    expect(m.name).toBe(name);
    expect(m.frameCount).toBe(50);
  });

  it('probes a relative name starting with a dash', async () => {
    const sub = file('dash');
    await mkdir(sub);
    await ffmpeg(['-i', file('pal25.mp4'), '-c', 'copy', path.join(sub, '-clip.mp4')]);
    const before = process.cwd();
    process.chdir(sub);
    try {
      const m = await probeMedia('-clip.mp4');
      expect(m.name).toBe('-clip.mp4');
      expect(m.frameCount).toBe(50);
    } finally {
      process.chdir(before);
    }
  });
});

describe('probeMedia: bad input', () => {
  it('NOT_MEDIA for a text file named .mp4, with ffprobe stderr attached', async () => {
    await writeFile(file('notes.mp4'), 'This is not a video, just some notes.\n');
    const e = await roughcutErrorOf(probeMedia(file('notes.mp4')));
    expect(e.code).toBe('NOT_MEDIA');
    expect(e.message).toContain('notes.mp4');
    expect(e.file).toBe(file('notes.mp4'));
    expect(e.stderr).toMatch(/Invalid data/);
  });

  it('NO_VIDEO_STREAM for an audio-only file', async () => {
    const e = await roughcutErrorOf(probeMedia(file('audio-only.m4a')));
    expect(e.code).toBe('NO_VIDEO_STREAM');
    expect(e.message).toContain('audio-only.m4a');
  });

  it('TRUNCATED for the first half of an MP4 whose moov atom is at the end', async () => {
    const whole = await readFile(file('moov-at-end.mp4'));
    await writeFile(file('half-no-moov.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await roughcutErrorOf(probeMedia(file('half-no-moov.mp4')));
    expect(e.code).toBe('TRUNCATED');
    expect(e.message).toContain('half-no-moov.mp4');
    expect(e.message).toMatch(/moov/);
    expect(e.stderr).toMatch(/moov atom not found/);
  });

  it('TRUNCATED for a faststart MP4 cut in the middle of its media data', async () => {
    const whole = await readFile(file('faststart.mp4'));
    await writeFile(file('half-faststart.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await roughcutErrorOf(probeMedia(file('half-faststart.mp4')));
    expect(e.code).toBe('TRUNCATED');
    expect(e.message).toContain('half-faststart.mp4');
  });

  it('TRUNCATED for a Matroska file cut short, with ffprobe stderr attached', async () => {
    const whole = await readFile(file('vfr.mkv'));
    await writeFile(file('half.mkv'), whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await roughcutErrorOf(probeMedia(file('half.mkv')));
    expect(e.code).toBe('TRUNCATED');
    expect(e.message).toContain('half.mkv');
    expect(e.stderr).toMatch(/ended prematurely/);
  });

  it('FFMPEG_MISSING with the install command when ffprobe is not on PATH', async () => {
    const saved = { PATH: process.env.PATH, FFPROBE_PATH: process.env.FFPROBE_PATH };
    const empty = file('empty-bin');
    await mkdir(empty);
    process.env.PATH = empty;
    delete process.env.FFPROBE_PATH;
    try {
      const e = await roughcutErrorOf(probeMedia(file('pal25.mp4')));
      expect(e.code).toBe('FFMPEG_MISSING');
      expect(e.message).toContain('pal25.mp4');
      expect(e.message).toContain('apt-get install ffmpeg');
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.FFPROBE_PATH !== undefined) process.env.FFPROBE_PATH = saved.FFPROBE_PATH;
    }
  });

  it('ABORTED when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await roughcutErrorOf(probeMedia(file('pal25.mp4'), { signal: controller.signal }));
    expect(e.code).toBe('ABORTED');
  });
});
