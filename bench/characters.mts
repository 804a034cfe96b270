// Characters benchmark: character-per-shot precision/recall on ../shared/media, and analyzeFrame cost (--cost).
//
//   npx tsx bench/characters.mts --cost [clip]   ms per analysed frame at the analyzer's frameWidth
//   npx tsx bench/characters.mts                  precision/recall against bench/truth/characters.json,
//                                                 per clip and overall, fast and accurate detector;
//                                                 distances per face, and per shot the one the
//                                                 threshold is compared with (trackDistances)
//   npx tsx bench/characters.mts --analyze        the same truth scored on what `roughcut analyze`
//                                                 writes (its own shots, keyframes and second
//                                                 looks): a truth shot gets the names of the
//                                                 analysis shots that lie mostly inside it
//     --fast | --accurate                         one detector only
//     --clip=NAME                                 only clips whose file name contains NAME
//     --threshold=0.6                             another match threshold than the analyzer's
//     --face-fps=1                                another sampling rate than the default 0.5
//     --no-second-look                            leave out analyze's second look (the keyframe of each
//                                                 shot in which nobody in the gallery was named)
//     --dump=DIR                                  write every analysed face (descriptor, box, score)
//                                                 per clip and detector to DIR, for trying matching
//                                                 rules without the models
//     --keyframes=unsampled                       the rule analyze had before: a shot's keyframe only
//                                                 when no sample at all fell in the shot (analyze
//                                                 also looks when every sample is inside a transition)
//
// Truth (bench/truth/characters.json): for each clip, people to enrol from frames of one part of
// the clip (`gallery`: name, clip and seconds; several photos of one person allowed), and per shot (frame ranges from the clip's .cuts.json) the
// names a person sees on the shot's frames, labelled by looking at frames extracted with ffmpeg.
// Shots used for enrolment are not scored. Frames are those analyze sends: every
// round(fps / 0.5)-th frame at the analyzer's width, then the keyframe of each shot no sample
// fell in outside its transitions (stand-in for the keyframe picker: the middle of the shot's
// frames outside transitions), then, for a second look, the keyframe of each shot in which nobody
// in the gallery was named.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFaceAnalyzer, FACE_FRAME_WIDTH, FACE_SAMPLE_FPS } from '../src/classify/faces/analyzer.js';
import { shotsToLookAgain, summarizeCharacters, trackDistances } from '../src/classify/faces/characters.js';
import { descriptorDistance } from '../src/classify/faces/face-models.js';
import { DEFAULT_MATCH_THRESHOLD, type FrameFaces } from '../src/classify/faces/types.js';
import { loadTensorflow } from '../src/classify/tf-runtime.js';
import { toNumber } from '../src/core/rational.js';
import { decodeFrames } from '../src/frames/decode.js';
import type { RgbFrame } from '../src/frames/frame.js';
import { renderKeyframeJpeg } from '../src/frames/keyframe-images.js';
import { analyzeFile } from '../src/analyze.js';
import { probeMedia } from '../src/ingest/probe.js';
import { cleanRange } from '../src/keyframes/shots.js';

const MEDIA = path.resolve(import.meta.dirname, '..', '..', 'shared', 'media');
const args = process.argv.slice(2);
const runtime = await loadTensorflow({});

/**
 * Frames as analyze sends them to the face analyzer: every round(fps / FACE_SAMPLE_FPS)-th frame
 * at FACE_FRAME_WIDTH, then (`keyframes`) the keyframe of each shot no sample fell in.
 */
async function sampleFrames(clip: string, shots: readonly { startFrame: number; endFrame: number; keyframe: number; inTransitions?: (f: number) => boolean }[] = [], sampleFps = FACE_SAMPLE_FPS, keyframes: 'unsampled' | 'transitions' = 'transitions'): Promise<{ frames: RgbFrame[]; fps: number; keyframeFrames: Map<number, RgbFrame> }> {
  const media = await probeMedia(clip);
  const fps = toNumber(media.fps);
  const every = Math.max(1, Math.round(fps / sampleFps));
  const height = Math.round((FACE_FRAME_WIDTH * media.displayHeight) / media.displayWidth / 2) * 2;
  // 'transitions' (analyze's rule): also when every sample of the shot lies inside a transition.
  const sampled = (s: (typeof shots)[number]): boolean => Array.from({ length: s.endFrame - s.startFrame }, (_, i) => s.startFrame + i)
    .some((f) => f % every === 0 && (keyframes === 'unsampled' || !s.inTransitions?.(f)));
  const unseen = new Set(shots.filter((s) => !sampled(s)).map((s) => s.keyframe));
  // Sampled frames are collected first, so the timings below are the analyzer's alone (no decode
  // work on the same thread). One dense output, sampled here: decodeFrames with a sparse `every`
  // output stalled behind a consumer this slow (reported to the lead with the integration notes).
  const frames: RgbFrame[] = [];
  const late: RgbFrame[] = [];
  const allKeyframes = new Set(shots.map((s) => s.keyframe));
  const keyframeFrames = new Map<number, RgbFrame>();
  for await (const d of decodeFrames(clip, { outputs: [{ name: 'f', width: FACE_FRAME_WIDTH, height }] })) {
    const frame = d.frames.f;
    if (frame && allKeyframes.has(d.index)) keyframeFrames.set(d.index, { ...frame, data: frame.data.slice() });
    if (frame && d.index % every === 0) frames.push({ ...frame, data: frame.data.slice() });
    else if (frame && unseen.has(d.index)) late.push({ ...frame, data: frame.data.slice() });
  }
  // analyze looks at the keyframes after the decode, out of frame order.
  return { frames: [...frames, ...late], fps, keyframeFrames };
}

async function analyse(frames: readonly RgbFrame[], gallery: string | undefined, detector: 'fast' | 'accurate'): Promise<{ observed: FrameFaces[]; ms: number[]; cpuMs: number[]; analyzer: Awaited<ReturnType<typeof createFaceAnalyzer>> }> {
  const analyzer = await createFaceAnalyzer({ runtime, detector, ...(gallery ? { gallery } : {}) });
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
  return { observed, ms, cpuMs, analyzer };
}

interface TruthShot { startFrame: number; endFrame: number; characters: string[]; enrolment?: boolean; skip?: boolean }
interface Truth {
  gallery: { name: string; clip: string; seconds: number }[];
  clips: { clip: string; shots?: TruthShot[]; fromCuts?: boolean; characters?: string[] }[];
}
interface Cuts { frames: number; cuts: number[]; gradual: [number, number][] }
interface Score { tp: number; fp: number; fn: number }
const detectors: ('fast' | 'accurate')[] = args.includes('--accurate') ? ['accurate'] : args.includes('--fast') ? ['fast'] : ['fast', 'accurate'];
const thresholdArg = args.find((a) => a.startsWith('--threshold='));
const only = args.find((a) => a.startsWith('--clip='))?.split('=')[1];
const faceFps = Number(args.find((a) => a.startsWith('--face-fps='))?.split('=')[1] ?? FACE_SAMPLE_FPS);
const ratio = (a: number, b: number): string => (b === 0 ? '-' : (a / b).toFixed(3));

async function readTruth(): Promise<Truth> {
  return JSON.parse(await fs.readFile(path.join(import.meta.dirname, 'truth', 'characters.json'), 'utf8')) as Truth;
}

/** The gallery the truth names: one full-size frame grab per entry, in a temporary folder. */
async function makeGallery(truth: Truth): Promise<string> {
  const gallery = await fs.mkdtemp(path.join(os.tmpdir(), 'roughcut-bench-gallery-'));
  for (const e of truth.gallery) {
    const clip = path.join(MEDIA, e.clip);
    const media = await probeMedia(clip);
    await fs.mkdir(path.join(gallery, e.name), { recursive: true });
    const jpeg = await renderKeyframeJpeg(clip, e.seconds, 1 / toNumber(media.fps), { width: media.displayWidth, height: media.displayHeight }, { maxWidth: 1920 });
    await fs.writeFile(path.join(gallery, e.name, `${path.parse(e.clip).name}-${e.seconds}.jpg`), jpeg);
  }
  return gallery;
}

async function cutsOf(clip: string): Promise<Cuts> {
  return JSON.parse(await fs.readFile(clip.replace(/\.[^.]+$/, '.cuts.json'), 'utf8')) as Cuts;
}

/** A clip's truth shots: listed, or (`fromCuts`) the clip's cut list, each with the clip's names. */
async function truthShotsOf(c: Truth['clips'][number], clip: string): Promise<TruthShot[]> {
  if (!c.fromCuts) return c.shots ?? [];
  const cuts = await cutsOf(clip);
  const starts = [0, ...cuts.cuts, ...cuts.gradual.map(([a, b]) => Math.round((a + b) / 2))].sort((a, b) => a - b);
  return starts.map((start, i) => ({ startFrame: start, endFrame: starts[i + 1] ?? cuts.frames, characters: c.characters ?? [] }));
}

if (args.includes('--cost')) {
  const clip = args.find((a) => !a.startsWith('--')) ?? path.join(MEDIA, 'mp_audrey.mp4');
  const { frames } = await sampleFrames(clip);
  for (const detector of ['fast', 'accurate'] as const) {
    const { observed, ms, cpuMs, analyzer } = await analyse(frames, undefined, detector);
    const faces = observed.reduce((s, o) => s + o.faces.length, 0);
    // The first frame pays for WASM kernel set-up; the mean leaves it out.
    const mean = (xs: number[]): number => xs.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, xs.length - 1);
    console.log(`${path.basename(clip)} ${detector}: ${ms.length} frames at ${analyzer.frameWidth} px wide, ${faces} faces, ${mean(ms).toFixed(1)} ms/frame wall, ${mean(cpuMs).toFixed(1)} ms/frame CPU (first ${ms[0]?.toFixed(0)} ms), backend ${runtime.backend}, load average ${os.loadavg()[0]!.toFixed(1)}`);
    console.log(`  5-min programme at ${analyzer.sampleFps} fps sampling: ${(300 * analyzer.sampleFps * mean(cpuMs) / 1000).toFixed(1)} s of model-thread CPU`);
  }
} else if (args.includes('--analyze')) {
  // The whole `analyze` on each clip, its own shots and keyframes: each scored truth shot gets the
  // gallery names of the analysis shots that overlap it for most of their length (or contain it).
  const truth = await readTruth();
  const gallery = await makeGallery(truth);
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'roughcut-bench-analyze-'));
  const totals = new Map<string, Score>();
  for (const c of truth.clips) {
    if (only && !c.clip.includes(only)) continue;
    const clip = path.join(MEDIA, c.clip);
    const truthShots = await truthShotsOf(c, clip);
    for (const detector of detectors) {
      const { analysis } = await analyzeFile(clip, { outDir: path.join(out, `${detector}-${path.parse(c.clip).name}`), characters: { gallery, detector, ...(thresholdArg ? { threshold: Number(thresholdArg.split('=')[1]) } : {}) }, settings: { faceFps } });
      const people = new Set(analysis.characters?.people.map((p) => p.name) ?? []);
      const score: Score = { tp: 0, fp: 0, fn: 0 };
      const lines: string[] = [];
      for (const s of truthShots) {
        if (s.skip || s.enrolment) continue;
        const overlapping = analysis.shots.filter((a) => {
          const common = Math.min(a.endFrame, s.endFrame) - Math.max(a.startFrame, s.startFrame);
          return common > 0 && (2 * common > a.endFrame - a.startFrame || (a.startFrame <= s.startFrame && a.endFrame >= s.endFrame));
        });
        const found = new Set(overlapping.flatMap((a) => a.characters.map((ch) => ch.name)).filter((n) => people.has(n)));
        const want = new Set(s.characters);
        for (const n of found) if (want.has(n)) score.tp += 1; else score.fp += 1;
        for (const n of want) if (!found.has(n)) score.fn += 1;
        if (found.size + want.size > 0) lines.push(`[${s.startFrame},${s.endFrame}) truth ${s.characters.join(',') || '-'} | found ${[...found].join(',') || '-'} in ${overlapping.map((a) => `[${a.startFrame},${a.endFrame})`).join(' ')}`);
      }
      const total = totals.get(detector) ?? { tp: 0, fp: 0, fn: 0 };
      total.tp += score.tp; total.fp += score.fp; total.fn += score.fn;
      totals.set(detector, total);
      console.log(`${detector.padEnd(8)} ${c.clip.padEnd(28)} ${analysis.shots.length} shots, tp ${score.tp} fp ${score.fp} fn ${score.fn}${lines.length > 0 ? `\n  ${lines.join('\n  ')}` : ''}`);
    }
  }
  await fs.rm(out, { recursive: true, force: true });
  await fs.rm(gallery, { recursive: true, force: true });
  for (const [detector, t] of totals) console.log(`analyze, detector ${detector}, face sampling ${faceFps} fps: precision ${ratio(t.tp, t.tp + t.fp)} recall ${ratio(t.tp, t.tp + t.fn)} (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})`);
} else {
  const truth = await readTruth();
  const gallery = await makeGallery(truth);
  const keyframeRule = args.includes('--keyframes=unsampled') ? 'unsampled' : 'transitions';
  const secondLook = !args.includes('--no-second-look');
  const dumpDir = args.find((a) => a.startsWith('--dump='))?.split('=')[1];
  const secondLooks = new Map<string, number>();
  console.log(`face sampling ${faceFps} fps; keyframes of shots ${keyframeRule === 'transitions' ? 'no sample outside transitions falls in (as analyze)' : 'no sample falls in (analyze\'s earlier rule)'}`);
  const totals = new Map<string, Score>();
  const perClip: string[] = [];
  const distances = new Map<string, { truth: boolean; distance: number }[]>();
  // Per scored shot and enrolled person, the distance the match threshold is compared with
  // (trackDistances) over the faces nearest to that person on each frame where the shot shows
  // them; for all other faces of the shot, the nearest single face (no track of them can come
  // nearer: a track's distance is the mean of its two nearest faces).
  const shotDistances = new Map<string, { truth: boolean; distance: number; where: string }[]>();
  for (const c of truth.clips) {
    if (only && !c.clip.includes(only)) continue;
    const clip = path.join(MEDIA, c.clip);
    const media = await probeMedia(clip);
    const cuts = await cutsOf(clip);
    const truthShots = await truthShotsOf(c, clip);
    // As in analyze: a shot no sample falls in is looked at on its keyframe. The stand-in for
    // the keyframe picker: the middle of the shot's frames outside transitions.
    const inside = (f: number): boolean => cuts.gradual.some(([a, b]) => f >= a && f <= b);
    const extra = truthShots.map((s) => {
      const frames: number[] = [];
      for (let f = s.startFrame; f < s.endFrame; f += 1) if (!inside(f)) frames.push(f);
      return frames[Math.floor(frames.length / 2)] ?? Math.floor((s.startFrame + s.endFrame) / 2);
    });
    const { frames, keyframeFrames } = await sampleFrames(clip, truthShots.map((s, i) => ({ ...s, keyframe: extra[i]!, inTransitions: inside })), faceFps, keyframeRule);
    for (const detector of detectors) {
      const { observed, analyzer } = await analyse(frames, gallery, detector);
      const threshold = thresholdArg ? Number(thresholdArg.split('=')[1]) : analyzer.threshold;
      // As in analyze, only samples in a shot's clean frames (outside transitions) count for it.
      const transitionSpans = cuts.gradual.map(([a, b]) => ({ startFrame: a, endFrame: b + 1 }));
      const shots = truthShots.map((s, index) => ({ index, startFrame: s.startFrame, endFrame: s.endFrame, clean: cleanRange(s.startFrame, s.endFrame, transitionSpans) }));
      let summary = summarizeCharacters(observed, shots, { fps: media.fps, gallery: analyzer.gallery, threshold });
      if (secondLook) {
        // As analyze: each shot in which nobody in the gallery was named is also looked at on its
        // keyframe, when that frame was not looked at already.
        const looked = new Set(observed.map((o) => o.frame));
        const again = shotsToLookAgain(summary, analyzer.gallery).filter((i) => !looked.has(extra[i]!));
        for (const i of again) {
          const frame = keyframeFrames.get(extra[i]!);
          if (frame) observed.push({ frame: frame.index, faces: await analyzer.analyzeFrame(frame) });
        }
        secondLooks.set(detector, (secondLooks.get(detector) ?? 0) + again.length);
        summary = summarizeCharacters(observed, shots, { fps: media.fps, gallery: analyzer.gallery, threshold });
      }
      if (dumpDir) {
        // Every face analysed (crops left out), to try other matching rules on without the models.
        const faces = observed.map((o) => ({ frame: o.frame, faces: o.faces.map(({ crop: _, ...f }) => f) }));
        await fs.writeFile(path.join(dumpDir, `${detector}-${c.clip}.json`), JSON.stringify({ fps: media.fps, gallery: analyzer.gallery, truthShots, observed: faces }));
      }
      const d = distances.get(detector) ?? [];
      distances.set(detector, d);
      // Per face, its nearest photo of each person. Where the shot shows that person, the face
      // nearest to them on the frame counts as them; every other face counts as someone else.
      for (const o of observed) {
        const shot = truthShots.find((s) => o.frame >= s.startFrame && o.frame < s.endFrame);
        if (!shot || shot.skip || shot.enrolment) continue;
        for (const person of analyzer.gallery.people) {
          const nearest = o.faces.map((f) => Math.min(...analyzer.gallery.entries.filter((e) => e.name === person.name).map((e) => descriptorDistance(f.descriptor, e.descriptor))));
          const own = shot.characters.includes(person.name) && nearest.length > 0 ? nearest.indexOf(Math.min(...nearest)) : -1;
          nearest.forEach((distance, i) => d.push({ truth: i === own, distance }));
        }
      }
      const sd = shotDistances.get(detector) ?? [];
      shotDistances.set(detector, sd);
      for (const s of truthShots) {
        if (s.skip || s.enrolment) continue;
        const looked = observed.filter((o) => o.frame >= s.startFrame && o.frame < s.endFrame && o.faces.length > 0);
        for (const person of analyzer.gallery.people) {
          const nearestTo = (faces: FrameFaces['faces']): number => trackDistances(faces, analyzer.gallery).get(person.name) ?? Infinity;
          const own = s.characters.includes(person.name) ? looked.map((o) => o.faces.reduce((a, b) => (nearestTo([b]) < nearestTo([a]) ? b : a))) : [];
          const others = looked.flatMap((o) => o.faces.filter((f) => !own.includes(f)));
          const where = `${c.clip}@${s.startFrame}`;
          if (own.length > 0) sd.push({ truth: true, distance: nearestTo(own), where });
          if (others.length > 0) sd.push({ truth: false, distance: Math.min(...others.map((f) => nearestTo([f]))), where: `${where} vs ${person.name}` });
        }
      }
      const score: Score = { tp: 0, fp: 0, fn: 0 };
      for (const [i, s] of truthShots.entries()) {
        const got = summary.shots[i]!;
        const found = new Set(got.characters.map((ch) => ch.name).filter((n) => !n.startsWith('Unknown')));
        const tag = s.enrolment ? 'enrolment, not scored' : s.skip ? 'skipped' : 'scored';
        if (!s.enrolment && !s.skip) {
          const want = new Set(s.characters);
          for (const n of found) if (want.has(n)) score.tp += 1; else score.fp += 1;
          for (const n of want) if (!found.has(n)) score.fn += 1;
        }
        const looked = observed.filter((o) => o.frame >= s.startFrame && o.frame < s.endFrame);
        const faces = looked.map((o) => `${o.frame}:${o.faces.map((f) => `${f.height.toFixed(0)}px/${f.score.toFixed(2)}/${analyzer.gallery.entries.map((e) => descriptorDistance(f.descriptor, e.descriptor).toFixed(2)).join('|')}`).join(' ') || '-'}`).join(' ');
        console.log(`${detector} ${c.clip} [${s.startFrame},${s.endFrame}) ${tag}: truth ${s.characters.join(',') || '-'} | found ${got.characters.map((ch) => `${ch.name} ${ch.confidence}`).join(', ') || '-'} | scale ${got.scale} | frames ${faces}`);
      }
      const total = totals.get(detector) ?? { tp: 0, fp: 0, fn: 0 };
      total.tp += score.tp; total.fp += score.fp; total.fn += score.fn;
      totals.set(detector, total);
      perClip.push(`${detector.padEnd(8)} ${c.clip.padEnd(28)} precision ${ratio(score.tp, score.tp + score.fp)} recall ${ratio(score.tp, score.tp + score.fn)} (tp ${score.tp}, fp ${score.fp}, fn ${score.fn})`);
    }
  }
  for (const p of (await createFaceAnalyzer({ runtime, gallery })).gallery.problems) console.log(`gallery problem: ${p.file}: ${p.reason}`);
  await fs.rm(gallery, { recursive: true, force: true });
  console.log('frames: frame:height/score/distance to each gallery photo (' + truth.gallery.map((g) => g.name).join('|') + ')');
  for (const [detector, d] of distances) {
    const same = d.filter((x) => x.truth).map((x) => x.distance).sort((a, b) => a - b);
    const other = d.filter((x) => !x.truth).map((x) => x.distance).sort((a, b) => a - b);
    console.log(`${detector}: per-face distance to the nearest enrolled photo: same person n=${same.length} min ${same[0]?.toFixed(3)} median ${same[Math.floor(same.length / 2)]?.toFixed(3)} max ${same.at(-1)?.toFixed(3)}; other faces n=${other.length} min ${other[0]?.toFixed(3)}`);
  }
  for (const [detector, d] of shotDistances) {
    const same = d.filter((x) => x.truth).sort((a, b) => a.distance - b.distance);
    const other = d.filter((x) => !x.truth).sort((a, b) => a.distance - b.distance);
    console.log(`${detector}: per shot, distance by the track rule (threshold ${DEFAULT_MATCH_THRESHOLD} unless --threshold): shots of the person ${same.map((x) => `${x.distance.toFixed(2)} ${x.where}`).join(', ')}; other faces (nearest single face a shot): ${other.slice(0, 5).map((x) => `${x.distance.toFixed(2)} ${x.where}`).join(', ')} (n=${other.length})`);
  }
  for (const line of perClip) console.log(line);
  for (const [detector, t] of totals) console.log(`detector ${detector}: precision ${ratio(t.tp, t.tp + t.fp)} recall ${ratio(t.tp, t.tp + t.fn)} (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})${secondLook ? `; second looks at keyframes: ${secondLooks.get(detector) ?? 0} frames` : ''}`);
}
