// Characters benchmark: character-per-shot precision/recall on ../shared/media, and analyzeFrame cost (--cost).
//
//   npx tsx bench/characters.mts --cost [clip]   ms per analysed frame at the analyzer's frameWidth
//   npx tsx bench/characters.mts                  precision/recall against bench/truth/characters.json
//
// Truth (bench/truth/characters.json): for each clip, people to enrol from frames of one part of
// the clip (`enrol`: name and seconds), and per shot (frame ranges from the clip's .cuts.json) the
// names a person sees on the shot's frames, labelled by looking at frames extracted with ffmpeg.
// Shots used for enrolment are not scored.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFaceAnalyzer } from '../src/classify/faces/analyzer.js';
import { summarizeCharacters } from '../src/classify/faces/characters.js';
import { descriptorDistance } from '../src/classify/faces/face-models.js';
import type { FrameFaces } from '../src/classify/faces/types.js';
import { loadTensorflow } from '../src/classify/tf-runtime.js';
import { toNumber } from '../src/core/rational.js';
import type { Shot } from '../src/core/types.js';
import { decodeFrames } from '../src/frames/decode.js';
import type { RgbFrame } from '../src/frames/frame.js';
import { renderKeyframeJpeg } from '../src/frames/keyframe-images.js';
import { probeMedia } from '../src/ingest/probe.js';

const MEDIA = path.resolve(import.meta.dirname, '..', '..', 'shared', 'media');
const args = process.argv.slice(2);
const runtime = await loadTensorflow({});

async function analyse(clip: string, gallery: string | undefined, detector: 'fast' | 'accurate'): Promise<{ observed: FrameFaces[]; ms: number[]; cpuMs: number[]; analyzer: Awaited<ReturnType<typeof createFaceAnalyzer>>; fps: number }> {
  const media = await probeMedia(clip);
  const analyzer = await createFaceAnalyzer({ runtime, detector, ...(gallery ? { gallery } : {}) });
  const fps = toNumber(media.fps);
  const every = Math.max(1, Math.round(fps / analyzer.sampleFps));
  const height = Math.round((analyzer.frameWidth * media.displayHeight) / media.displayWidth / 2) * 2;
  // Sampled frames are collected first, so the timings below are the analyzer's alone (no decode
  // work on the same thread). One dense output, sampled here: decodeFrames with a sparse `every`
  // output stalled behind a consumer this slow (reported to the lead with the integration notes).
  const frames: RgbFrame[] = [];
  for await (const d of decodeFrames(clip, { outputs: [{ name: 'f', width: analyzer.frameWidth, height }] })) {
    const frame = d.frames.f;
    if (frame && d.index % every === 0) frames.push({ ...frame, data: frame.data.slice() });
  }
  const observed: FrameFaces[] = [];
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (const frame of frames) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    observed.push({ frame: frame.index, faces: await analyzer.analyzeFrame(frame) });
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  return { observed, ms, cpuMs, analyzer, fps };
}

if (args.includes('--cost')) {
  const clip = args.find((a) => !a.startsWith('--')) ?? path.join(MEDIA, 'mp_audrey.mp4');
  for (const detector of ['fast', 'accurate'] as const) {
    const { observed, ms, cpuMs, analyzer } = await analyse(clip, undefined, detector);
    const faces = observed.reduce((s, o) => s + o.faces.length, 0);
    // The first frame pays for WASM kernel set-up; the mean leaves it out.
    const mean = (xs: number[]): number => xs.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, xs.length - 1);
    console.log(`${path.basename(clip)} ${detector}: ${ms.length} frames at ${analyzer.frameWidth} px wide, ${faces} faces, ${mean(ms).toFixed(1)} ms/frame wall, ${mean(cpuMs).toFixed(1)} ms/frame CPU (first ${ms[0]?.toFixed(0)} ms), backend ${runtime.backend}, load average ${os.loadavg()[0]!.toFixed(1)}`);
    console.log(`  5-min programme at ${analyzer.sampleFps} fps sampling: ${(300 * analyzer.sampleFps * mean(cpuMs) / 1000).toFixed(1)} s of model-thread CPU`);
  }
} else {
  interface TruthShot { startFrame: number; endFrame: number; characters: string[]; enrolment?: boolean; skip?: boolean }
  interface Truth {
    gallery: { name: string; clip: string; seconds: number }[];
    clips: { clip: string; shots?: TruthShot[]; fromCuts?: boolean; characters?: string[] }[];
  }
  const truth = JSON.parse(await fs.readFile(path.join(import.meta.dirname, 'truth', 'characters.json'), 'utf8')) as Truth;
  const gallery = await fs.mkdtemp(path.join(os.tmpdir(), 'roughcut-bench-gallery-'));
  for (const e of truth.gallery) {
    const clip = path.join(MEDIA, e.clip);
    const media = await probeMedia(clip);
    await fs.mkdir(path.join(gallery, e.name), { recursive: true });
    const jpeg = await renderKeyframeJpeg(clip, e.seconds, 1 / toNumber(media.fps), { width: media.displayWidth, height: media.displayHeight }, { maxWidth: 1920 });
    await fs.writeFile(path.join(gallery, e.name, `${path.parse(e.clip).name}-${e.seconds}.jpg`), jpeg);
  }
  const detector = args.includes('--accurate') ? 'accurate' : 'fast';
  const thresholdArg = args.find((a) => a.startsWith('--threshold='));
  let tp = 0; let fp = 0; let fn = 0;
  const distances: { truth: boolean; distance: number }[] = [];
  for (const c of truth.clips) {
    const clip = path.join(MEDIA, c.clip);
    const media = await probeMedia(clip);
    let truthShots = c.shots ?? [];
    if (c.fromCuts) {
      const cuts = JSON.parse(await fs.readFile(clip.replace(/\.[^.]+$/, '.cuts.json'), 'utf8')) as { frames: number; cuts: number[]; gradual: [number, number][] };
      const starts = [0, ...cuts.cuts, ...cuts.gradual.map(([a, b]) => Math.round((a + b) / 2))].sort((a, b) => a - b);
      truthShots = starts.map((start, i) => ({ startFrame: start, endFrame: starts[i + 1] ?? cuts.frames, characters: c.characters ?? [] }));
    }
    const { observed, analyzer } = await analyse(clip, gallery, detector);
    const threshold = thresholdArg ? Number(thresholdArg.split('=')[1]) : analyzer.threshold;
    const shots = truthShots.map((s, index) => ({ index, startFrame: s.startFrame, endFrame: s.endFrame, transition: { type: 'cut' }, keyframe: { frame: s.startFrame, image: '' }, labels: {}, characters: [], scale: null }) as Shot);
    const summary = summarizeCharacters(observed, shots, { fps: media.fps, gallery: analyzer.gallery, threshold });
    for (const o of observed) {
      const shot = truthShots.find((s) => o.frame >= s.startFrame && o.frame < s.endFrame);
      if (!shot || shot.skip || shot.enrolment) continue;
      for (const f of o.faces) {
        for (const e of analyzer.gallery.entries) distances.push({ truth: shot.characters.includes(e.name), distance: descriptorDistance(f.descriptor, e.descriptor) });
      }
    }
    for (const [i, s] of truthShots.entries()) {
      const got = summary.shots[i]!;
      const found = new Set(got.characters.map((ch) => ch.name).filter((n) => !n.startsWith('Unknown')));
      const tag = s.enrolment ? 'enrolment, not scored' : s.skip ? 'skipped' : 'scored';
      if (!s.enrolment && !s.skip) {
        const want = new Set(s.characters);
        for (const n of found) if (want.has(n)) tp += 1; else fp += 1;
        for (const n of want) if (!found.has(n)) fn += 1;
      }
      console.log(`${c.clip} [${s.startFrame},${s.endFrame}) ${tag}: truth ${s.characters.join(',') || '-'} | found ${got.characters.map((ch) => `${ch.name} ${ch.confidence}`).join(', ') || '-'} | scale ${got.scale}`);
    }
  }
  for (const p of (await createFaceAnalyzer({ runtime, gallery })).gallery.problems) console.log(`gallery problem: ${p.file}: ${p.reason}`);
  await fs.rm(gallery, { recursive: true, force: true });
  const same = distances.filter((d) => d.truth).map((d) => d.distance).sort((a, b) => a - b);
  const other = distances.filter((d) => !d.truth).map((d) => d.distance).sort((a, b) => a - b);
  console.log(`per-face distance to the enrolled photo: same person n=${same.length} max ${same.at(-1)?.toFixed(3)} median ${same[Math.floor(same.length / 2)]?.toFixed(3)}; other faces n=${other.length} min ${other[0]?.toFixed(3)}`);
  console.log(`detector ${detector}: precision ${(tp / Math.max(1, tp + fp)).toFixed(3)} recall ${(tp / Math.max(1, tp + fn)).toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`);
}
