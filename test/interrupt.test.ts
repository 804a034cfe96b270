// Ctrl-C / SIGTERM during `roughcut analyze`: the file in progress leaves nothing behind, the rest
// are not started, ffmpeg stops, and the exit status says which signal stopped it.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { renderGraph, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let clip: string;
let second: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // Long enough (1,500 frames at 1280x720) that the analysis is still decoding when the signal comes.
  clip = await renderGraph(path.join(dir, 'long.mp4'), 'testsrc2=s=1280x720:r=25:d=60,format=yuv420p[v]');
  second = await renderGraph(path.join(dir, 'second.mp4'), 'testsrc2=s=320x180:r=25:d=2,format=yuv420p[v]');
}, 120_000);

afterAll(async () => cleanup());

/** Resolves once `parent` holds an analysis staging folder (`.<name>.partial-...`): the decode has begun. */
async function stagingAppears(parent: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    const names = existsSync(parent) ? await fs.readdir(parent) : [];
    if (names.some((n) => n.includes('.partial-'))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no staging folder appeared in ${parent}`);
}

/** Processes (ffmpeg) whose command line names `file`, from /proc. */
async function processesUsing(file: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(file) && Number(pid) !== process.pid) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}

describe('interrupting roughcut analyze', () => {
  it('cancels on SIGTERM: no output or staging folder, the next input not started, exit 143', async () => {
    const out = path.join(dir, 'in-process');
    const running = runCli(['analyze', clip, second, '--out', out]);
    await stagingAppears(out);
    process.emit('SIGTERM', 'SIGTERM');
    const run = await running;
    expect(run.code).toBe(143);
    expect(run.stderr).toContain('SIGTERM: stopping');
    expect(await fs.readdir(out)).toEqual([]);
    expect(process.listenerCount('SIGTERM')).toBe(0);
    expect(await processesUsing(clip)).toEqual([]);
  }, 60_000);

  it('passes a real SIGINT through bin/roughcut.js to the analysis and exits 130 with nothing left behind', async () => {
    const bin = path.resolve('bin/roughcut.js');
    expect(existsSync(path.resolve('dist/src/cli/main.js')), 'dist/ is missing: run "npm run build" (scripts/setup.sh does)').toBe(true);
    const out = path.join(dir, 'spawned');
    // No MALLOC_MMAP_THRESHOLD_ in its environment: bin/roughcut.js runs itself again with it set.
    const env = { ...process.env };
    delete env.MALLOC_MMAP_THRESHOLD_;
    const child = spawn(process.execPath, [bin, 'analyze', clip, second, '--out', out, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await stagingAppears(out);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT: stopping');
    const results = stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; ok: boolean; code: string });
    expect(results).toEqual([expect.objectContaining({ file: clip, ok: false, code: 'ABORTED' })]);
    expect(await fs.readdir(out)).toEqual([]);
    expect(await processesUsing(clip)).toEqual([]);
  }, 60_000);
});
