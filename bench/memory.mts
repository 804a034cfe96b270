// Memory: peak RSS of roughcut analyze on a 5-minute and a 30-minute 1080p program, in one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from './program.mjs';

/**
 * Peak resident set of the command (GNU time's "Maximum resident set size"), in MB: the largest
 * of the CLI's own peak and each child's (ffmpeg), not their sum. Where the CLI's memory goes
 * phase by phase: sample /proc/self/status (VmHWM) and process.memoryUsage() around each stage.
 */
function peakRssMb(args: string[]): { mb: number; seconds: number } {
  const t0 = performance.now();
  // ffmpeg runs as children of the CLI; wait4's maximum covers them one by one.
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const text = r.stderr.toString();
  if (r.status !== 0) throw new Error(`analyze failed: ${text.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  if (!m) throw new Error('GNU time did not report a peak RSS; install the "time" package');
  return { mb: Number(m[1]) / 1024, seconds: (performance.now() - t0) / 1000 };
}

const lengths = (process.argv[2] ?? '5,30').split(',').map(Number);
const out = mkdtempSync(path.join(os.tmpdir(), 'roughcut-mem-'));
try {
  const results = lengths.map((minutes) => {
    const file = buildProgram(minutes);
    const r = peakRssMb([path.resolve('bin/roughcut.js'), 'analyze', file, '--out', out]);
    console.log(`${String(minutes).padStart(3)} min 1080p25: peak RSS ${r.mb.toFixed(1)} MB (${r.seconds.toFixed(1)} s)`);
    return r.mb;
  });
  if (results.length >= 2) console.log(`ratio longest/shortest peak RSS: ${(results[results.length - 1]! / results[0]!).toFixed(3)} (target <= 1.0 within noise; limit 300 MB)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
