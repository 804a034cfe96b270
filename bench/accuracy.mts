// Accuracy bench: roughcut analyze and ffmpeg's scdet on every clip of shared/media with hand-checked truth, scored by score.py.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyzeFile } from '../src/analyze.js';
import type { Transition } from '../src/core/types.js';

const run = promisify(execFile);
const MEDIA = process.env.ROUGHCUT_MEDIA ?? path.resolve(import.meta.dirname, '../../shared/media');
const SCORER = process.env.ROUGHCUT_SCORER ?? path.resolve(import.meta.dirname, '../../shared/tools/score.py');

/** What the bench measures for one file: the whole `analyze` pipeline, as a user runs it. */
async function predictTransitions(file: string, outRoot: string): Promise<{ transitions: readonly Transition[]; frames: number; seconds: number }> {
  const out = await analyzeFile(file, { outDir: path.join(outRoot, path.parse(file).name) });
  return { transitions: out.analysis.transitions, frames: out.analysis.source.frameCount, seconds: out.analysis.timing.seconds };
}

/** The baseline: ffmpeg's scdet with its defaults, scene-change times mapped to frame indices. */
async function predictScdet(file: string): Promise<number[]> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-map', '0:v:0', '-vf', 'showinfo,scdet', '-f', 'null', '-'],
    { maxBuffer: 256 * 1024 * 1024 });
  const pts: number[] = [];
  const cuts: number[] = [];
  for (const line of stderr.split('\n')) {
    const info = /\bn:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.e+-]+)/.exec(line);
    if (info) pts[Number(info[1])] = Number(info[2]);
    const scd = /lavfi\.scd\.time:\s*(-?[\d.e+-]+)/.exec(line);
    if (scd) {
      const time = Number(scd[1]);
      let best = 0;
      pts.forEach((p, i) => { if (Math.abs(p - time) < Math.abs((pts[best] ?? Infinity) - time)) best = i; });
      cuts.push(best);
    }
  }
  return cuts;
}

interface Score { tp: number; fp: number; fn: number; gradual: number; gradual_hit: number; cuts: number; cuts_hit: number; precision: number; recall: number; f1: number; type_accuracy?: number }

async function score(truth: string, prediction: unknown, dir: string, name: string): Promise<Score> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(prediction));
  const { stdout } = await run('python3', [SCORER, truth, file, '--json']);
  return JSON.parse(stdout) as Score;
}

/** score.py's accepted shape: note `start`/`end`, not startFrame/endFrame. */
function toScorer(transitions: readonly Transition[]): unknown {
  return { transitions: transitions.map((t) => (t.type === 'cut' ? { type: 'cut', frame: t.frame } : { type: t.type, start: t.startFrame, end: t.endFrame })) };
}

interface Total { tp: number; fp: number; fn: number; gradual: number; gradualHit: number; typed: number; typedRight: number }
const emptyTotal = (): Total => ({ tp: 0, fp: 0, fn: 0, gradual: 0, gradualHit: 0, typed: 0, typedRight: 0 });
function add(total: Total, s: Score): void {
  total.tp += s.tp; total.fp += s.fp; total.fn += s.fn; total.gradual += s.gradual; total.gradualHit += s.gradual_hit;
  if (s.type_accuracy !== undefined) { total.typed += s.tp; total.typedRight += s.type_accuracy * s.tp; }
}
function summary(t: Total): { precision: number; recall: number; f1: number; gradualRecall: number; typeAccuracy: number } {
  const precision = t.tp + t.fp ? t.tp / (t.tp + t.fp) : 1;
  const recall = t.tp + t.fn ? t.tp / (t.tp + t.fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, gradualRecall: t.gradual ? t.gradualHit / t.gradual : 1, typeAccuracy: t.typed ? t.typedRight / t.typed : 1 };
}

async function main(): Promise<void> {
  if (!existsSync(MEDIA)) {
    console.log(`no media folder at ${MEDIA}; nothing to measure`);
    return;
  }
  const entries = await readdir(MEDIA);
  const truths = entries.filter((f) => f.endsWith('.cuts.json')).sort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'roughcut-accuracy-'));
  const ours = emptyTotal();
  const base = emptyTotal();
  let frames = 0;
  let analyzeSeconds = 0;
  const f = (x: number): string => x.toFixed(3);
  console.log(`${'clip'.padEnd(26)} truth(c/g)  ours: P     R     F1    tp/fp/fn  grad  type  | scdet: P     R     F1`);
  try {
    for (const truthName of truths) {
      const name = truthName.slice(0, -'.cuts.json'.length);
      const video = entries.find((e) => e.startsWith(`${name}.`) && !e.endsWith('.json'));
      if (!video) continue;
      const file = path.join(MEDIA, video);
      const truth = path.join(MEDIA, truthName);
      const predicted = await predictTransitions(file, dir);
      frames += predicted.frames;
      analyzeSeconds += predicted.seconds;
      const s = await score(truth, toScorer(predicted.transitions), dir, name);
      const b = await score(truth, await predictScdet(file), dir, `${name}.scdet`);
      add(ours, s);
      add(base, b);
      if (process.env.VERBOSE) console.log(JSON.stringify(predicted.transitions));
      console.log(`${name.padEnd(26)} ${`${s.cuts}/${s.gradual}`.padEnd(11)} ${f(s.precision)} ${f(s.recall)} ${f(s.f1)} ${`${s.tp}/${s.fp}/${s.fn}`.padEnd(9)} ${`${s.gradual_hit}/${s.gradual}`.padEnd(5)} ${s.type_accuracy === undefined ? '  -  ' : f(s.type_accuracy)} | ${f(b.precision)} ${f(b.recall)} ${f(b.f1)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const o = summary(ours);
  const s = summary(base);
  console.log('');
  console.log(`overall (micro)  ours:  P ${f(o.precision)}  R ${f(o.recall)}  F1 ${f(o.f1)}  gradual recall ${f(o.gradualRecall)} (${ours.gradualHit}/${ours.gradual})  type accuracy ${f(o.typeAccuracy)}  (tp ${ours.tp} fp ${ours.fp} fn ${ours.fn})`);
  console.log(`overall (micro) scdet:  P ${f(s.precision)}  R ${f(s.recall)}  F1 ${f(s.f1)}  gradual recall ${f(s.gradualRecall)} (${base.gradualHit}/${base.gradual})  (tp ${base.tp} fp ${base.fp} fn ${base.fn})`);
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  console.log(`ours/scdet: precision ${ratio(o.precision, s.precision)}  recall ${ratio(o.recall, s.recall)}  F1 ${ratio(o.f1, s.f1)}  gradual recall ${ratio(o.gradualRecall, s.gradualRecall)}`);
  console.log(`analyze: ${frames} frames in ${analyzeSeconds.toFixed(1)} s (${(frames / Math.max(1e-9, analyzeSeconds)).toFixed(0)} fps, whole pipeline with keyframes and outputs)`);
}

await main();
