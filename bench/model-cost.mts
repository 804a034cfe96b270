// Cost of the models in analyze: frames/s with a scene classifier (and with characters) divided by
// frames/s without, on the same 5-minute 1080p programme, in one run.
//
//   npm run build && npx tsx bench/model-cost.mts [--model DIR] [--characters DIR] [--minutes 5]
//
// Without --model it trains one first from generated footage (three looks, 8 s each). The
// ratios are of the whole `roughcut analyze` command (probe, decode, detectors, models, keyframes,
// outputs), run one after the other.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildProgram } from './program.mjs';

const { values } = parseArgs({ options: { model: { type: 'string' }, characters: { type: 'string' }, minutes: { type: 'string', default: '5' } } });
const file = buildProgram(Number(values.minutes));
const work = mkdtempSync(path.join(os.tmpdir(), 'roughcut-model-cost-'));
const roughcut = path.resolve('bin/roughcut.js');

function run(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [roughcut, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`roughcut ${args.join(' ')} failed: ${r.stderr.toString().slice(-2000)}`);
  return (performance.now() - t0) / 1000;
}

function trainModel(): string {
  const examples = path.join(work, 'examples');
  const looks: Record<string, string> = {
    map: 'mandelbrot=s=640x360:r=25', graphics: 'testsrc2=s=640x360:r=25', cells: 'life=s=320x180:r=25:mold=10:ratio=0.3:life_color=#f0c040:death_color=#103080,scale=640:360',
  };
  for (const [label, source] of Object.entries(looks)) {
    mkdirSync(path.join(examples, label), { recursive: true });
    const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', '8', '-pix_fmt', 'yuv420p', path.join(examples, label, 'a.mp4')]);
    if (r.status !== 0) throw new Error(r.stderr.toString());
  }
  const model = path.join(work, 'model');
  const seconds = run(['train', examples, '--out', model, '--architecture', 'backbone']);
  console.log(`model             trained from generated footage in ${seconds.toFixed(1)} s -> ${model}`);
  return model;
}

try {
  const model = values.model ?? trainModel();
  const frames = (out: string): number => (JSON.parse(readFileSync(path.join(out, path.parse(file).name, 'analysis.json'), 'utf8')) as { source: { frameCount: number } }).source.frameCount;
  const measure = (name: string, extra: string[]): { name: string; fps: number; seconds: number } => {
    const out = path.join(work, name);
    const seconds = run(['analyze', file, '--out', out, ...extra]);
    return { name, fps: frames(out) / seconds, seconds };
  };
  const base = measure('plain', []);
  const rows = [measure('model', ['--model', model])];
  if (values.characters) rows.push(measure('characters', ['--characters', values.characters]));
  const analysis = JSON.parse(readFileSync(path.join(work, 'model', path.parse(file).name, 'analysis.json'), 'utf8')) as { classifier: { backend: string; samples: number } };
  console.log(`file              ${file} (${values.minutes} min 1920x1080 25p H.264)`);
  console.log(`backend           ${analysis.classifier.backend}; ${analysis.classifier.samples} frames classified (default --classify-fps 0.5 plus shot keyframes)`);
  console.log(`without models    ${base.seconds.toFixed(2)} s  ${base.fps.toFixed(1)} fps`);
  for (const row of rows) {
    const target = row.name === 'characters' ? 0.6 : 0.8;
    console.log(`with ${row.name.padEnd(12)} ${row.seconds.toFixed(2)} s  ${row.fps.toFixed(1)} fps  ratio ${(row.fps / base.fps).toFixed(3)} (target >= ${target})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
