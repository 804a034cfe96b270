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
