// Speed: roughcut analyze frames/s divided by ffmpeg's decode-only frames/s, on the same file in one run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from './program.mjs';

const minutes = Number(process.argv[2] ?? 5);
/** Pairs of runs (ffmpeg, then analyze), interleaved; the median ratio is the result. A VM's noise moves one pair by ±0.07. */
const repeats = Math.max(1, Number(process.argv[3] ?? 3));
const file = buildProgram(minutes);
const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file]).toString().trim());

function timed(command: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr.toString().slice(-2000)}`);
  return (performance.now() - t0) / 1000;
}

const out = mkdtempSync(path.join(os.tmpdir(), 'roughcut-bench-'));
try {
  console.log(`file              ${file} (${frames} frames, ${minutes} min 1920x1080 25p H.264), ${repeats} interleaved pairs`);
  const ratios: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const ffmpegSeconds = timed('ffmpeg', ['-hide_banner', '-nostdin', '-i', file, '-f', 'null', '-']);
    const roughcutSeconds = timed(process.execPath, [path.resolve('bin/roughcut.js'), 'analyze', file, '--out', out]);
    const analysis = JSON.parse(readFileSync(path.join(out, path.parse(file).name, 'analysis.json'), 'utf8')) as { shots: unknown[]; source: { frameCount: number } };
    const ffmpegFps = frames / ffmpegSeconds;
    const roughcutFps = analysis.source.frameCount / roughcutSeconds;
    ratios.push(roughcutFps / ffmpegFps);
    console.log(`pair ${i + 1}`);
    console.log(`  ffmpeg -f null    ${ffmpegSeconds.toFixed(2)} s  ${ffmpegFps.toFixed(1)} fps (decode only)`);
    console.log(`  roughcut analyze  ${roughcutSeconds.toFixed(2)} s  ${roughcutFps.toFixed(1)} fps (whole command: probe, decode, detect, ${analysis.shots.length} keyframes, outputs)`);
    console.log(`  ratio             ${(roughcutFps / ffmpegFps).toFixed(3)}`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`ratio             ${median.toFixed(3)} median of ${repeats} (${ratios.map((r) => r.toFixed(3)).join(', ')}; roughcut fps / ffmpeg decode-only fps; target >= 1.0)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
