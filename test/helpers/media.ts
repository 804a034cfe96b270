// Test media made with ffmpeg at test time: lavfi sources whose boundaries are known exactly.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs ffmpeg with `args` (quiet, overwrite) and resolves when it exits 0. */
export async function ffmpeg(args: readonly string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/** A fresh temporary folder; call the returned `cleanup` in afterAll. */
export async function tempDir(prefix = 'roughcut-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Encodes an ffmpeg `-filter_complex` graph whose output is labelled `[v]` to an H.264 file
 * (yuv420p, every frame a reference-accurate encode, `-g 25`).
 */
export async function renderGraph(out: string, graph: string, extra: readonly string[] = []): Promise<string> {
  await ffmpeg(['-filter_complex', graph, '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-g', '25', '-pix_fmt', 'yuv420p', ...extra, out]);
  return out;
}

/** Lengths and size of {@link renderFourShotProgram}'s shots. */
export interface FourShotProgram {
  readonly width: number;
  readonly height: number;
  /** Seconds of testsrc2, of bars with a moving box, of life, of mandelbrot. */
  readonly seconds: readonly [number, number, number, number];
  /** Seconds into the bars where the 0.4 s dissolve into life starts. */
  readonly dissolveAt: number;
}

/**
 * A 25 fps H.264 program of four generated shots: testsrc2, cut to colour bars with a moving red
 * box, a 0.4 s dissolve into the game of life, cut to mandelbrot (xfade keeps one extra frame).
 */
export async function renderFourShotProgram(out: string, p: FourShotProgram, extra: readonly string[] = []): Promise<string> {
  const size = `${p.width}x${p.height}`;
  const n = `fps=25,scale=${p.width}:${p.height},setsar=1,format=yuv420p,settb=1/25`;
  const box = Math.round(p.width * 0.16);
  return renderGraph(out, [
    `testsrc2=s=${size}:r=25,trim=duration=${p.seconds[0]},${n}[a]`,
    `smptebars=s=${size}:r=25,trim=duration=${p.seconds[1]},${n},drawbox=x='mod(t*${p.width * 0.3}\\,${p.width - 60})':y=${p.height / 3}:w=${box}:h=${box}:c=red:t=fill[b]`,
    `life=s=${size}:r=25:mold=10:ratio=0.3:life_color=#f0c040:death_color=#103080,trim=duration=${p.seconds[2]},${n}[c]`,
    `mandelbrot=s=${size}:r=25,trim=duration=${p.seconds[3]},${n}[d]`,
    `[b][c]xfade=transition=dissolve:duration=0.4:offset=${p.dissolveAt}[bc]`,
    '[a][bc][d]concat=n=3:v=1:a=0[v]',
  ].join(';'), extra);
}
