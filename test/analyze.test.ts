// analyze end to end on generated clips: analysis.json contract, shots, keyframes, EDL, report, VFR.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { runCli } from './helpers/cli.js';
import { ffmpeg, renderFourShotProgram, tempDir } from './helpers/media.js';
import { CHECK_EDL, openshotSkipReason } from './helpers/nle.js';

let dir: string;
let cleanup: () => Promise<void>;
let clip: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  clip = path.join(dir, 'program.mp4');
  // 25 fps, 320x180: testsrc2 (0-49), cut at 50 to bars with a moving box, dissolve 90-99 into life, cut at 166 to mandelbrot (216 frames: xfade keeps one extra frame).
  await renderFourShotProgram(clip, { width: 320, height: 180, seconds: [2, 2, 3, 2], dissolveAt: 1.6 }, ['-timecode', '10:00:00:00']);
}, 120_000);

afterAll(async () => cleanup());

describe('roughcut analyze', () => {
  it('writes analysis.json, keyframes, an EDL and a report for a clip with cuts and a dissolve', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(['analyze', clip, '--out', out, '--scores']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const folder = path.join(out, 'program');
    const analysis = JSON.parse(await fs.readFile(path.join(folder, 'analysis.json'), 'utf8')) as AnalysisResult;
    expect(analysis.version).toBe(1);
    expect(analysis.source.fps).toEqual({ num: 25, den: 1 });
    expect(analysis.source.frameCount).toBe(216);
    expect(analysis.source.startTimecode).toBe('10:00:00:00');
    expect(analysis.source.dropFrame).toBe(false);

    // Boundaries: cut at 50, dissolve over 90..99, cut at 166.
    const cuts = analysis.transitions.filter((t) => t.type === 'cut').map((t) => ('frame' in t ? t.frame : -1));
    expect(cuts.some((f) => Math.abs(f - 50) <= 1)).toBe(true);
    expect(cuts.some((f) => Math.abs(f - 166) <= 1)).toBe(true);
    const dissolve = analysis.transitions.find((t) => t.type === 'dissolve');
    expect(dissolve).toBeDefined();
    if (dissolve && 'startFrame' in dissolve) {
      expect(Math.abs(dissolve.startFrame - 90)).toBeLessThanOrEqual(3);
      expect(Math.abs(dissolve.endFrame - 99)).toBeLessThanOrEqual(3);
    }

    // Shots tile [0, frameCount) and each has a keyframe JPEG inside it, away from its edges.
    expect(analysis.shots.length).toBe(4);
    let cursor = 0;
    for (const shot of analysis.shots) {
      expect(shot.startFrame).toBe(cursor);
      cursor = shot.endFrame;
      expect(shot.keyframe.frame).toBeGreaterThan(shot.startFrame);
      expect(shot.keyframe.frame).toBeLessThan(shot.endFrame - 1);
      const jpeg = await fs.readFile(path.join(folder, shot.keyframe.image));
      expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    }
    expect(cursor).toBe(216);
    expect(analysis.shots[2]!.transition.type).toBe('dissolve');
    expect(analysis.keyframes).toHaveLength(4);

    const edl = await fs.readFile(path.join(folder, 'program.edl'), 'utf8');
    expect(edl).toMatch(/^TITLE: /);
    expect(edl).toContain('FCM: NON-DROP FRAME');
    expect(edl).toMatch(/^001 +AX +V +C +10:00:00:00 10:00:02:00 01:00:00:00 01:00:02:00/m);
    expect(edl).toContain('* FROM CLIP NAME: program.mp4');
    expect(existsSync(path.join(folder, 'report.html'))).toBe(true);
    const sheet = await fs.readFile(path.join(folder, 'contact-sheet.jpg'));
    expect(sheet.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const scores = (await fs.readFile(path.join(folder, 'scores.csv'), 'utf8')).trim().split('\n');
    expect(scores).toHaveLength(217);
    // Readable by the people sharing the folder (the usual umask), and nothing left behind from staging.
    expect((await fs.stat(folder)).mode & 0o777).toBe(0o777 & ~process.umask());
    expect((await fs.readdir(out)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('analyses variable-frame-rate input by timestamps', async () => {
    const vfr = path.join(dir, 'vfr.mp4');
    // Every third frame dropped, timestamps kept: 2 s at 25 fps -> 34 frames with uneven spacing.
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=2', '-vf', "select='mod(n\\,3)'", '-fps_mode', 'vfr',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', vfr]);
    const out = path.join(dir, 'out-vfr');
    const run = await runCli(['analyze', vfr, '--out', out, '--json']);
    expect(run.code).toBe(0);
    const analysis = JSON.parse(await fs.readFile(path.join(out, 'vfr', 'analysis.json'), 'utf8')) as AnalysisResult;
    expect(analysis.source.variableFrameRate).toBe(true);
    expect(analysis.source.frameCount).toBe(33);
    expect(analysis.source.frameTimesSeconds).toHaveLength(33);
    // Kept frames are 1, 2, 4, 5, 7 ... of the 25 fps grid: times from the first are 0, 1/25, 3/25, 4/25, 6/25.
    expect(analysis.source.frameTimesSeconds!.slice(0, 5).map((t) => Math.round(t * 25))).toEqual([0, 1, 3, 4, 6]);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; ok: boolean });
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: true });
    expect(run.stderr.split('\n').filter(Boolean).every((l) => (JSON.parse(l) as { type: string }).type === 'progress')).toBe(true);
  });

  it.skipIf(openshotSkipReason() !== undefined)('writes an OpenShot-profile EDL that OpenShot imports with every clip in place', async () => {
    const out = path.join(dir, 'out-openshot');
    const run = await runCli(['analyze', clip, '--out', out, '--edl-profile', 'openshot']);
    expect(run.code).toBe(0);
    const edl = path.join(out, 'program', 'program.edl');
    const { stdout } = await promisify(execFile)(CHECK_EDL, [edl, '--fps', '25', '--media-dir', dir, '--raw', '--no-placeholders'], { maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(stdout) as { verdict: string; parsers: { openshot: { verdict: string; count: number; problems: string[] } } };
    const analysis = JSON.parse(await fs.readFile(path.join(out, 'program', 'analysis.json'), 'utf8')) as AnalysisResult;
    expect(report.parsers.openshot.problems).toEqual([]);
    expect(report.parsers.openshot).toMatchObject({ verdict: 'agrees', count: analysis.shots.length });
    expect(report.verdict).toBe('pass');
  });
});
