// Memory: peak RSS of roughcut analyze on a 5-minute and a 30-minute 1080p program, in one run,
// and which process of the run reached it.
//
//   npm run build && npx tsx bench/memory.mts [5,30]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from './program.mjs';

/** The processes of an analysis, told apart by their command lines. */
type Role = 'cli' | 'decode ffmpeg' | 'keyframe ffmpeg' | 'other';

function roleOf(cmdline: string): Role | undefined {
  if (cmdline.startsWith('/usr/bin/time')) return undefined;
  if (cmdline.includes('showinfo')) return 'decode ffmpeg';
  if (cmdline.includes(' -ss ')) return 'keyframe ffmpeg';
  // bin/roughcut.js and the copy of itself it starts with glibc's mmap threshold set.
  if (cmdline.includes('roughcut.js')) return 'cli';
  return 'other';
}

/** `pid` and every process below it, from /proc (each task's `children`). */
function descendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    let tasks: string[] = [];
    try { tasks = readdirSync(`/proc/${found[i]}/task`); } catch { continue; }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${found[i]}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) found.push(Number(c));
      } catch { /* gone */ }
    }
  }
  return found;
}

/**
 * Peak resident set of the command (GNU time's "Maximum resident set size"), in MB: the largest
 * of the CLI's own peak and each child's (ffmpeg), not their sum; and, sampled from /proc every
 * 50 ms, the largest RSS seen for each kind of process, and the largest sum of all the processes'
 * proportional set sizes (PSS: a page shared by n processes counts 1/n in each) at one moment,
 * which is what the whole analysis holds. A sample can miss a peak by a few MB.
 */
async function peakRss(args: string[]): Promise<{ mb: number; seconds: number; byRole: Map<Role, number>; together: number }> {
  const t0 = performance.now();
  // ffmpeg runs as children of the CLI; wait4's maximum covers them one by one.
  const child = spawn('/usr/bin/time', ['-v', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr.on('data', (c: Buffer) => { text = (text + c.toString()).slice(-64_000); });
  const byRole = new Map<Role, number>();
  let together = 0;
  const sampler = setInterval(() => {
    let sum = 0;
    for (const pid of descendants(child.pid!)) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
        const role = roleOf(cmdline);
        if (role) byRole.set(role, Math.max(byRole.get(role) ?? 0, rss));
        if (role) sum += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
      } catch { /* the process ended between the listing and the read */ }
    }
    together = Math.max(together, sum);
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`analyze failed: ${text.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  if (!m) throw new Error('GNU time did not report a peak RSS; install the "time" package');
  return { mb: Number(m[1]) / 1024, seconds: (performance.now() - t0) / 1000, byRole, together };
}

const lengths = (process.argv[2] ?? '5,30').split(',').map(Number);
const out = mkdtempSync(path.join(os.tmpdir(), 'roughcut-mem-'));
try {
  const results: number[] = [];
  for (const minutes of lengths) {
    const file = buildProgram(minutes);
    const r = await peakRss([path.resolve('bin/roughcut.js'), 'analyze', file, '--out', out]);
    const roles = [...r.byRole].sort((a, b) => b[1] - a[1]).map(([role, mb]) => `${role} ${mb.toFixed(1)}`).join(', ');
    console.log(`${String(minutes).padStart(3)} min 1080p25: peak RSS ${r.mb.toFixed(1)} MB (${r.seconds.toFixed(1)} s); sampled peaks: ${roles} MB; all processes at once ${r.together.toFixed(1)} MB PSS`);
    results.push(r.mb);
  }
  if (results.length >= 2) console.log(`ratio longest/shortest peak RSS: ${(results[results.length - 1]! / results[0]!).toFixed(3)} (target <= 1.0 within noise; limit 300 MB)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
