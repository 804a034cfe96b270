// Speed: roughcut analyze frames/s divided by ffmpeg's decode-only frames/s, on the same file in one run.
// `--one-process` adds, to each pair, analyze with the decode in one ffmpeg process
// (ROUGHCUT_DECODE_PROCESSES=1) instead of runs on one process per core, for an A/B in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from './program.mjs';

const oneProcess = process.argv.includes('--one-process');
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const minutes = Number(positional[0] ?? 5);
/** Pairs of runs (ffmpeg, then analyze), interleaved; the median ratio is the result. A VM's noise moves one pair by ±0.07. */
const repeats = Math.max(1, Number(positional[1] ?? 3));
const file = buildProgram(minutes);
const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file]).toString().trim());

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr.toString().slice(-2000)}`);
  return (performance.now() - t0) / 1000;
}

const out = mkdtempSync(path.join(os.tmpdir(), 'roughcut-bench-'));
try {
  console.log(`file              ${file} (${frames} frames, ${minutes} min 1920x1080 25p H.264), ${repeats} interleaved pairs`);
  const ratios: number[] = [];
  const oneProcessRatios: number[] = [];
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
    if (oneProcess) {
      const seconds = timed(process.execPath, [path.resolve('bin/roughcut.js'), 'analyze', file, '--out', out], { ...process.env, ROUGHCUT_DECODE_PROCESSES: '1' });
      oneProcessRatios.push(analysis.source.frameCount / seconds / ffmpegFps);
      console.log(`  analyze, one decode process  ${seconds.toFixed(2)} s  ratio ${oneProcessRatios.at(-1)!.toFixed(3)}`);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  if (oneProcess) console.log(`one decode process ${median(oneProcessRatios).toFixed(3)} median of ${repeats} (${oneProcessRatios.map((r) => r.toFixed(3)).join(', ')})`);
  console.log(`ratio             ${median(ratios).toFixed(3)} median of ${repeats} (${ratios.map((r) => r.toFixed(3)).join(', ')}; roughcut fps / ffmpeg decode-only fps; target >= 1.0)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
