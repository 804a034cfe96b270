// Face sizes benchmark: how small a face the character pass still finds and names.
//
//   npx tsx bench/face-sizes.mts [--explore] [--people N]
//
// Real faces (the people of face-api's sample photos, test/helpers/face-media.ts) are cut out and
// placed on 1920x1080 stills at face heights from 1/20 to 1/2 of the frame height, over five
// backgrounds (flat grey, a gradient with grain, testsrc2, a Mandelbrot texture, a blurred photo),
// left, centre or right. The stills are encoded as one H.264 clip (CRF 23, like delivered
// footage) and decoded back with decodeFrames at the sizes the analyzer asks for. Per face height
// it prints, for the analyzer with the fast and the accurate detector:
//   found: share of placed faces with a detection overlapping the true box (IoU >= 0.3);
//   named: share of placed faces whose detection's nearest gallery photo is the right person
//          within the analyzer's threshold (one frame, no track to help);
//   wrong: detections named as someone else;
// counting only what summarizeCharacters keeps of a face seen on one sample (score at least
// CONFIRMED_FACE_SCORE, or a match in the gallery; a second sample of the shot would confirm more),
// and the false detections on the five backgrounds with no one on them. --explore adds raw
// detector settings (frame width, TinyFaceDetector input size, tiles) for comparison.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createFaceAnalyzer, type FaceAnalyzer } from '../src/classify/faces/analyzer.js';
import { descriptorDistance, loadFaceModels, type DetectedFace, type FaceModels } from '../src/classify/faces/face-models.js';
import { boxIou, CONFIRMED_FACE_SCORE, type FaceBox } from '../src/classify/faces/types.js';
import { loadTensorflow } from '../src/classify/tf-runtime.js';
import { decodeFrames } from '../src/frames/decode.js';
import type { RgbFrame } from '../src/frames/frame.js';
import { cutOut, demoPhoto, galleryPhoto, PEOPLE, type Person } from '../test/helpers/face-media.js';
import { ffmpeg } from '../test/helpers/media.js';

const { values } = parseArgs({ options: { explore: { type: 'boolean', default: false }, people: { type: 'string', default: '3' }, only: { type: 'string' } } });
const WIDTH = 1920;
const HEIGHT = 1080;
/** Face heights as fractions of the frame height. */
const SIZES = [1 / 20, 1 / 16, 1 / 12, 1 / 10, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2];
const BACKGROUNDS: Record<string, string[]> = {
  grey: ['-f', 'lavfi', '-i', `color=c=0x606064:s=${WIDTH}x${HEIGHT}`],
  grain: ['-f', 'lavfi', '-i', `gradients=s=${WIDTH}x${HEIGHT}:seed=7,noise=alls=18:allf=t`],
  testsrc2: ['-f', 'lavfi', '-i', `testsrc2=s=${WIDTH}x${HEIGHT}`],
  mandelbrot: ['-f', 'lavfi', '-i', `mandelbrot=s=${WIDTH}x${HEIGHT}:start_scale=0.6`],
  photo: ['-i', demoPhoto('sample3.jpg'), '-vf', `scale=${WIDTH}:${HEIGHT}:force_original_aspect_ratio=increase,crop=${WIDTH}:${HEIGHT},gblur=sigma=30`],
};
const POSITIONS = [0.3, 0.5, 0.7];

interface Placed { readonly person: Person | null; readonly size: number; readonly background: string; readonly box: FaceBox | null }

const people = (Object.keys(PEOPLE) as Person[]).slice(0, Number(values.people));
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'roughcut-face-sizes-'));
const runtime = await loadTensorflow({});

async function still(background: Buffer, person: Person | null, size: number, centerX: number): Promise<{ png: Buffer; box: FaceBox | null }> {
  const canvas = sharp(background);
  if (!person) return { png: await canvas.png().toBuffer(), box: null };
  const c = await cutOut(person);
  const scale = (size * HEIGHT) / c.face.height;
  const w = Math.max(1, Math.round(c.width * scale));
  const h = Math.max(1, Math.round(c.height * scale));
  const faceLeft = Math.round(centerX * WIDTH - (c.face.width * scale) / 2);
  const faceTop = Math.round(HEIGHT * 0.42 - (size * HEIGHT) / 2);
  const left = faceLeft - Math.round(c.face.x * scale);
  const top = faceTop - Math.round(c.face.y * scale);
  const piece = await sharp(c.data, { raw: { width: c.width, height: c.height, channels: 3 } }).resize(w, h).png().toBuffer();
  const cropLeft = Math.max(0, -left);
  const cropTop = Math.max(0, -top);
  const visible = await sharp(piece).extract({
    left: cropLeft, top: cropTop,
    width: Math.min(w - cropLeft, WIDTH - Math.max(0, left)), height: Math.min(h - cropTop, HEIGHT - Math.max(0, top)),
  }).png().toBuffer();
  const png = await canvas.composite([{ input: visible, left: Math.max(0, left), top: Math.max(0, top) }]).png().toBuffer();
  return { png, box: { x: faceLeft, y: faceTop, width: c.face.width * scale, height: c.face.height * scale } };
}

// The stills, one frame each, then one clip.
const placed: Placed[] = [];
const stills = path.join(work, 'stills');
await fs.mkdir(stills);
let n = 0;
for (const [name, input] of Object.entries(BACKGROUNDS)) {
  const file = path.join(work, `${name}.png`);
  await ffmpeg([...input, '-frames:v', '1', file]);
  const background = await fs.readFile(file);
  const add = async (person: Person | null, size: number, centerX: number): Promise<void> => {
    const s = await still(background, person, size, centerX);
    await fs.writeFile(path.join(stills, `${String(n).padStart(4, '0')}.png`), s.png);
    placed.push({ person, size, background: name, box: s.box });
    n += 1;
  };
  await add(null, 0, 0.5);
  for (const [p, person] of people.entries()) {
    for (const [i, size] of SIZES.entries()) await add(person, size, POSITIONS[(i + p + placed.length) % POSITIONS.length]!);
  }
}
const clip = path.join(work, 'faces.mp4');
await ffmpeg(['-framerate', '25', '-i', path.join(stills, '%04d.png'), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', clip]);
const gallery = path.join(work, 'gallery');
for (const person of people) await galleryPhoto(person, path.join(gallery, person, `${person}.jpg`));

/** A way of finding faces on a frame decoded `width` wide; boxes in that frame's pixels, each with its descriptor. */
interface Variant { readonly name: string; readonly width: number; find(frame: RgbFrame): Promise<readonly (FaceBox & { score: number; descriptor: ArrayLike<number> })[]> }

const analyzers: FaceAnalyzer[] = [];
const variants: Variant[] = [];
for (const detector of ['fast', 'accurate'] as const) {
  const analyzer = await createFaceAnalyzer({ runtime, gallery, detector });
  analyzers.push(analyzer);
  variants.push({ name: `analyzer ${detector}`, width: analyzer.frameWidth, find: (frame) => analyzer.analyzeFrame(frame) });
}
const entries = analyzers[0]!.gallery.entries;
const threshold = analyzers[0]!.threshold;
if (values.explore) {
  const models = await loadFaceModels(runtime);
  const raw = (name: string, width: number, find: (m: FaceModels, f: RgbFrame) => Promise<DetectedFace[]>): void => {
    variants.push({ name, width, find: (frame) => find(models, frame) });
  };
  for (const [width, inputSize, minScore] of [[640, 416, 0.4], [640, 416, 0.1], [640, 416, 0.2], [640, 416, 0.3], [960, 512, 0.4], [960, 608, 0.4], [960, 608, 0.25]] as const) {
    raw(`fast ${width} px input ${inputSize} min ${minScore}`, width, (m, f) => m.detect(f, 'fast', { minScore, inputSize }));
  }
  for (const [width, inputSize] of [[960, 416], [1280, 416]] as const) {
    raw(`fast ${width} px, 2 tiles input ${inputSize}`, width, (m, f) => tiles(m, f, 2, inputSize));
  }
  for (const [minScore, verifySize] of [[0.1, 160], [0.1, 224], [0.2, 224]] as const) {
    raw(`cascade 960 px min ${minScore} check ${verifySize}`, 960, (m, f) => cascade(m, f, minScore, verifySize));
  }
  raw('accurate 960 px', 960, (m, f) => m.detect(f, 'accurate', { minScore: 0.4 }));
}

/** Square tiles across the frame (overlapping evenly), each searched by the fast detector; boxes back in frame pixels. */
async function tiles(models: FaceModels, frame: RgbFrame, count: number, inputSize: number): Promise<DetectedFace[]> {
  const side = frame.height;
  const step = (frame.width - side) / Math.max(1, count - 1);
  const found: DetectedFace[] = [];
  for (let t = 0; t < count; t += 1) {
    const left = Math.round(t * step);
    const data = new Uint8Array(side * side * 3);
    for (let y = 0; y < side; y += 1) data.set(frame.data.subarray((y * frame.width + left) * 3, (y * frame.width + left + side) * 3), y * side * 3);
    for (const f of await models.detect({ width: side, height: side, data }, 'fast', { minScore: 0.4, inputSize })) {
      const moved = { ...f, x: f.x + left };
      if (!found.some((g) => boxIou(g, moved) > 0.3)) found.push(moved);
    }
  }
  return found;
}

/** A square region of the frame (clamped inside it) as its own image. */
function region(frame: RgbFrame, cx: number, cy: number, side: number): { left: number; top: number; image: { width: number; height: number; data: Uint8Array } } {
  const s = Math.min(Math.round(side), frame.width, frame.height);
  const left = Math.max(0, Math.min(frame.width - s, Math.round(cx - s / 2)));
  const top = Math.max(0, Math.min(frame.height - s, Math.round(cy - s / 2)));
  const data = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y += 1) data.set(frame.data.subarray(((top + y) * frame.width + left) * 3, ((top + y) * frame.width + left + s) * 3), y * s * 3);
  return { left, top, image: { width: s, height: s, data } };
}

/**
 * Fast pass on the frame at input 416 keeping candidates down to `minScore`; a candidate under
 * 0.4 is searched again on a square four times its size at input `verifySize`, kept when found there.
 */
async function cascade(models: FaceModels, frame: RgbFrame, minScore: number, verifySize: number): Promise<DetectedFace[]> {
  const candidates = await models.detect(frame, 'fast', { minScore, inputSize: 416, known: () => new Float32Array(128) });
  const out: DetectedFace[] = [];
  for (const c of candidates) {
    const r = region(frame, c.x + c.width / 2, c.y + c.height / 2, 4 * Math.max(c.width, c.height));
    const again = await models.detect(r.image, 'fast', { minScore: 0.4, inputSize: verifySize });
    for (const a of again) {
      const moved = { ...a, x: a.x + r.left, y: a.y + r.top };
      if (boxIou(moved, c) > 0.2 && !out.some((o) => boxIou(o, moved) > 0.3)) out.push(moved);
    }
  }
  return out;
}

interface Tally { faces: number; found: number; named: number; wrong: number; falseFaces: number; ms: number; frames: number }
if (values.only) variants.splice(0, variants.length, ...variants.filter((v) => v.name.includes(values.only!)));
const widths = [...new Set(variants.map((v) => v.width))].sort((a, b) => a - b);
const outputs = widths.map((w) => ({ name: String(w), width: w, height: Math.round((w * HEIGHT) / WIDTH / 2) * 2 }));
const tallies = new Map<string, Map<number, Tally>>(variants.map((v) => [v.name, new Map()]));
for await (const decoded of decodeFrames(clip, { outputs })) {
  const truth = placed[decoded.index]!;
  for (const v of variants) {
    const frame = decoded.frames[String(v.width)]!;
    const t0 = performance.now();
    const faces = await v.find(frame);
    const ms = performance.now() - t0;
    const bySize = tallies.get(v.name)!;
    const tally = bySize.get(truth.size) ?? { faces: 0, found: 0, named: 0, wrong: 0, falseFaces: 0, ms: 0, frames: 0 };
    bySize.set(truth.size, tally);
    tally.ms += decoded.index === 0 ? 0 : ms;
    tally.frames += decoded.index === 0 ? 0 : 1;
    const k = frame.width / WIDTH;
    const box = truth.box && { x: truth.box.x * k, y: truth.box.y * k, width: truth.box.width * k, height: truth.box.height * k };
    let hit = false;
    for (const f of faces) {
      let best = { name: '', distance: Infinity };
      for (const e of entries) {
        const d = descriptorDistance(f.descriptor, e.descriptor);
        if (d < best.distance) best = { name: e.name, distance: d };
      }
      const named = best.distance < threshold;
      // What summarizeCharacters keeps of a face seen on one sample: a confident detection, or a weak one that matches someone.
      if (f.score < CONFIRMED_FACE_SCORE && !named) continue;
      const onTruth = box !== null && boxIou(f, box) >= 0.3;
      if (!onTruth) { tally.falseFaces += 1; continue; }
      if (hit) continue;
      hit = true;
      if (named) { if (best.name === truth.person) tally.named += 1; else tally.wrong += 1; }
    }
    if (truth.person) { tally.faces += 1; if (hit) tally.found += 1; }
  }
}

const label = (size: number): string => (size === 0 ? 'no one' : `1/${Math.round(1 / size)}`);
console.log(`${placed.filter((p) => p.person).length} placed faces (${people.join(', ')}; ${Object.keys(BACKGROUNDS).length} backgrounds) + ${placed.filter((p) => !p.person).length} empty frames, 1920x1080 H.264 CRF 23, backend ${runtime.backend}, threshold ${threshold}, load average ${os.loadavg()[0]!.toFixed(1)}`);
console.log(`face height: ${SIZES.map(label).join(' ')}  (found/named per size, % of placed faces)`);
for (const v of variants) {
  const bySize = tallies.get(v.name)!;
  const all = [...bySize.values()].reduce((a, t) => ({ faces: a.faces + t.faces, found: a.found + t.found, named: a.named + t.named, wrong: a.wrong + t.wrong, falseFaces: a.falseFaces + t.falseFaces, ms: a.ms + t.ms, frames: a.frames + t.frames }));
  const pct = (x: number, of: number): string => String(Math.round((100 * x) / Math.max(1, of))).padStart(3);
  console.log(`${v.name.padEnd(32)} found ${SIZES.map((s) => pct(bySize.get(s)!.found, bySize.get(s)!.faces)).join(' ')} | named ${SIZES.map((s) => pct(bySize.get(s)!.named, bySize.get(s)!.faces)).join(' ')} | wrong ${all.wrong}, false ${all.falseFaces} (${bySize.get(0)!.falseFaces} on empty frames), ${(all.ms / all.frames).toFixed(0)} ms/frame`);
}
await fs.rm(work, { recursive: true, force: true });
