// Characters by face on the real face-api models (WASM backend): gallery, analysis, unknowns, naming.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brightenDarkFrame, createFaceAnalyzer, type FaceAnalyzer } from '../src/classify/faces/analyzer.js';
import { shotScaleFor, summarizeCharacters, type CharacterSummary } from '../src/classify/faces/characters.js';
import { descriptorDistance, loadFaceModels } from '../src/classify/faces/face-models.js';
import { GALLERY_CACHE, loadGallery } from '../src/classify/faces/gallery.js';
import type { FrameFaces } from '../src/classify/faces/types.js';
import { charactersBlock, writeUnknownFaces } from '../src/classify/faces/unknown-faces.js';
import { loadTensorflow, type TfRuntime } from '../src/classify/tf-runtime.js';
import { createLogger } from '../src/core/logger.js';
import { rational } from '../src/core/rational.js';
import type { Shot } from '../src/core/types.js';
import { decodeFrames } from '../src/frames/decode.js';
import { runCli } from './helpers/cli.js';
import sharp from 'sharp';
import { demoPhoto, faceVideo, galleryPhoto, INTERVIEW_SHOTS, shotStill, type FaceShot } from './helpers/face-media.js';
import { tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let runtime: TfRuntime;
let gallery: string;
let clip: string;
let starts: number[];
const SHOT_FRAMES = 50;
// Alice and Bea are enrolled; Cleo is not and appears twice, so she must become one Unknown.
const SHOTS = INTERVIEW_SHOTS;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-characters-'));
  runtime = await loadTensorflow({});
  gallery = path.join(dir, 'gallery');
  await galleryPhoto('alice', path.join(gallery, 'Alice', 'alice.jpg'));
  await galleryPhoto('bea', path.join(gallery, 'Bea', 'bea.jpg'));
  clip = path.join(dir, 'faces.mp4');
  starts = await faceVideo(clip, SHOTS, { secondsPerShot: SHOT_FRAMES / 25 });
}, 120_000);

afterAll(async () => { await cleanup(); });

describe('face models', () => {
  it('run on the runtime loadTensorflow chose (WASM here), on its engine', async () => {
    const models = await loadFaceModels(runtime);
    expect(models.tf.engine()).toBe(runtime.tf.engine());
    expect(runtime.tf.getBackend()).toBe(runtime.backend === 'tensorflow-gpu' ? 'tensorflow' : runtime.backend);
  }, 60_000);
});

describe('face analyzer', () => {
  it('carries a descriptor over to the same face on the next sample, and not to another face', async () => {
    const analyzer = await createFaceAnalyzer({ runtime });
    const frameOf = async (shot: FaceShot, index: number) => {
      const { data, info } = await sharp(await shotStill(shot, 640, 360)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { index, ptsSeconds: index / 25, width: info.width, height: info.height, data: new Uint8Array(data) };
    };
    const alice = await frameOf({ person: 'alice', faceHeight: 0.35 }, 0);
    const first = await analyzer.analyzeFrame(alice);
    // Half a second later the camera has pushed in a little: recomputing would give a slightly
    // different descriptor, carrying it over gives the same one.
    const again = await analyzer.analyzeFrame(await frameOf({ person: 'alice', faceHeight: 0.355 }, 12));
    expect(first).toHaveLength(1);
    expect(again[0]!.height).not.toBe(first[0]!.height);
    expect(again[0]!.descriptor).toEqual(first[0]!.descriptor);
    // Cleo at the same place after a cut: her own descriptor, far from Alice's.
    const cleo = await analyzer.analyzeFrame(await frameOf({ person: 'cleo', faceHeight: 0.35 }, 24));
    expect(cleo).toHaveLength(1);
    expect(descriptorDistance(cleo[0]!.descriptor, first[0]!.descriptor)).toBeGreaterThan(0.5);
  }, 60_000);
});

describe('dark frames', () => {
  const still = async (shot: FaceShot, index: number, gain = 1) => {
    const { data, info } = await sharp(await shotStill(shot, 640, 360)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { index, ptsSeconds: index / 25, width: info.width, height: info.height, data: new Uint8Array(data).map((v) => Math.round(v * gain)) };
  };

  it('are brightened before detection: a face mid fade-out is found and matches the lit face', async () => {
    const lit = await still({ person: 'bea', faceHeight: 0.3 }, 0);
    const dark = await still({ person: 'bea', faceHeight: 0.3 }, 100, 0.15);
    expect(brightenDarkFrame(lit)).toBe(lit);
    const brightened = brightenDarkFrame(dark);
    expect(brightened).not.toBe(dark);
    expect(brightened.data.reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(200);
    const analyzer = await createFaceAnalyzer({ runtime });
    const [litFace] = await analyzer.analyzeFrame(lit);
    const darkFaces = await analyzer.analyzeFrame(dark);
    expect(darkFaces).toHaveLength(1);
    expect(descriptorDistance(darkFaces[0]!.descriptor, litFace!.descriptor)).toBeLessThan(0.35);
  }, 60_000);

  it('leaves black and nearly flat frames alone (stretching them would show only noise)', () => {
    const black = { width: 64, height: 36, data: new Uint8Array(64 * 36 * 3).map((_, i) => (i % 5 === 0 ? 6 : 2)) };
    expect(brightenDarkFrame(black)).toBe(black);
  });
});

describe('gallery', () => {
  it('loads one descriptor per usable photo and names each unusable photo with its cause', async () => {
    const g = path.join(dir, 'bad-gallery');
    await galleryPhoto('alice', path.join(g, 'Alice', 'good.jpg'));
    await fs.writeFile(path.join(g, 'Alice', 'empty.jpg'), '');
    await fs.writeFile(path.join(g, 'Alice', 'notes.jpg'), 'this is not a JPEG\n');
    await fs.mkdir(path.join(g, 'Nobody'));
    await fs.copyFile(path.join(__dirname, '..', 'node_modules', '@vladmandic', 'face-api', 'demo', 'facemesh.png'), path.join(g, 'Nobody', 'mesh.png'));
    await fs.mkdir(path.join(g, 'Group'));
    await fs.copyFile(demoPhoto('sample1.jpg'), path.join(g, 'Group', 'three.jpg'));
    const warnings: string[] = [];
    const logger = createLogger('warn', (line) => warnings.push(line));
    const loaded = await loadGallery(g, await loadFaceModels(runtime), logger);
    expect(loaded.people).toEqual([{ name: 'Alice', photos: 1 }]);
    expect(loaded.entries.map((e) => e.file)).toEqual(['Alice/good.jpg']);
    const reasons = Object.fromEntries(loaded.problems.map((p) => [path.relative(g, p.file), p.reason]));
    expect(reasons['Alice/empty.jpg']).toBe('the file is empty');
    expect(reasons['Alice/notes.jpg']).toMatch(/^not a readable image/);
    expect(reasons['Group/three.jpg']).toMatch(/^3 faces of similar size/);
    expect(reasons['Nobody/mesh.png']).toBe('no face found');
    expect(warnings.filter((w) => w.includes('gallery photo skipped'))).toHaveLength(4);
  }, 120_000);

  it('caches descriptors beside the photos and recomputes a photo that changed', async () => {
    const models = await loadFaceModels(runtime);
    const first = await loadGallery(gallery, models);
    const cachePath = path.join(gallery, GALLERY_CACHE);
    const cache = JSON.parse(await fs.readFile(cachePath, 'utf8')) as { photos: Record<string, { descriptor: number[] }> };
    expect(cache.photos['Alice/alice.jpg']!.descriptor).toEqual(first.entries.find((e) => e.name === 'Alice')!.descriptor);
    // A marked descriptor in the cache is what the next load returns: the photo was not re-read...
    cache.photos['Alice/alice.jpg']!.descriptor = new Array(128).fill(0.5);
    await fs.writeFile(cachePath, JSON.stringify(cache));
    expect((await loadGallery(gallery, models)).entries.find((e) => e.name === 'Alice')!.descriptor[0]).toBe(0.5);
    // ...until the photo changes (new mtime): then it is described again.
    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(gallery, 'Alice', 'alice.jpg'), later, later);
    const again = await loadGallery(gallery, models);
    expect(again.entries.find((e) => e.name === 'Alice')!.descriptor).toEqual(first.entries.find((e) => e.name === 'Alice')!.descriptor);
  }, 120_000);
});

describe('analysis of a clip with enrolled, unknown and no faces', () => {
  let analyzer: FaceAnalyzer;
  let summary: CharacterSummary;
  let shots: Shot[];
  let observed: FrameFaces[];

  beforeAll(async () => {
    analyzer = await createFaceAnalyzer({ gallery, runtime });
    const every = 10;
    const height = Math.round((analyzer.frameWidth * 360) / 640 / 2) * 2;
    observed = [];
    for await (const decoded of decodeFrames(clip, { outputs: [{ name: 'small', width: 64, height: 36 }, { name: 'faces', width: analyzer.frameWidth, height, every }] })) {
      const frame = decoded.frames.faces;
      if (frame) observed.push({ frame: decoded.index, faces: await analyzer.analyzeFrame(frame) });
    }
    shots = starts.map((start, index) => ({
      index, startFrame: start, endFrame: start + SHOT_FRAMES, transition: { type: index === 0 ? 'start' : 'cut' },
      keyframe: { frame: start, image: '' }, labels: {}, characters: [], scale: null,
    }) as Shot);
    summary = summarizeCharacters(observed, shots, { fps: rational(25), gallery: analyzer.gallery, threshold: analyzer.threshold });
  }, 300_000);

  it('observations are plain data that survive a structured clone (the worker-thread boundary)', () => {
    const withFace = observed.find((o) => o.faces.length > 0)!;
    const copy = structuredClone(withFace);
    expect(copy).toEqual(withFace);
    expect(copy.faces[0]!.descriptor).toHaveLength(128);
    expect(copy.faces[0]!.crop.data.length).toBe(copy.faces[0]!.crop.width * copy.faces[0]!.crop.height * 3);
  });

  it('names the enrolled people and keeps the shot with no one empty', () => {
    const names = summary.shots.map((s) => s.characters.map((c) => c.name));
    expect(names).toEqual([['Alice'], ['Unknown 1'], [], ['Alice'], ['Unknown 1'], ['Bea']]);
    for (const s of summary.shots) {
      for (const c of s.characters) {
        expect(c.confidence).toBeGreaterThan(0.5);
        expect(c.seconds).toBeGreaterThan(1.5);
        expect(c.seconds).toBeLessThanOrEqual(2);
      }
    }
  });

  it('clusters the unknown face across shots into one Unknown with a crop and descriptors', () => {
    expect(summary.unknowns).toHaveLength(1);
    const u = summary.unknowns[0]!;
    expect(u.name).toBe('Unknown 1');
    expect(u.shots).toEqual([1, 4]);
    expect(u.firstFrame).toBe(starts[1]);
    expect(u.descriptors.length).toBeGreaterThanOrEqual(2);
    expect(u.crop.width).toBeGreaterThan(0);
  });

  it('gives each shot the scale of its largest face', () => {
    expect(summary.shots.map((s) => s.scale)).toEqual(['close-up', 'medium close-up', 'no face', 'medium close-up', 'close-up', 'medium close-up']);
    expect(shotScaleFor(0.6)).toBe('extreme close-up');
    expect(shotScaleFor(0.1)).toBe('medium');
    expect(shotScaleFor(0.05)).toBe('wide');
  });

  it('writes character and scale segments over whole shots', () => {
    const alice = summary.segments.filter((s) => s.kind === 'character' && s.label === 'Alice');
    expect(alice.map((s) => [s.startFrame, s.endFrame])).toEqual([[0, 50], [150, 200]]);
    const scale = summary.segments.filter((s) => s.kind === 'scale');
    expect(scale.map((s) => s.label)).toEqual(['close-up', 'medium close-up', 'no face', 'medium close-up', 'close-up', 'medium close-up']);
  });

  it('names an unknown in analysis.json and enrols the face, which the next analysis recognises', async () => {
    const out = path.join(dir, 'out');
    const records = await writeUnknownFaces(summary.unknowns, out);
    expect(records.map((r) => r.image)).toEqual(['faces/unknown-1.jpg']);
    expect(existsSync(path.join(out, 'faces', 'unknown-1.jpg'))).toBe(true);
    const analysisPath = path.join(out, 'analysis.json');
    const analysis = {
      version: 1, source: { fps: { num: 25, den: 1 } },
      shots: shots.map((s, i) => ({ ...s, characters: summary.shots[i]!.characters, scale: summary.shots[i]!.scale })),
      segments: summary.segments,
      characters: charactersBlock(analyzer.gallery, records, { detector: analyzer.detector, threshold: analyzer.threshold }),
    };
    await fs.writeFile(analysisPath, JSON.stringify(analysis));

    const missing = await runCli(['characters', 'name', analysisPath, 'Unknown 7', 'Cleo']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no shot has a character "Unknown 7"');

    const run = await runCli(['characters', 'name', analysisPath, 'Unknown 1', 'Cleo']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const named = JSON.parse(await fs.readFile(analysisPath, 'utf8')) as typeof analysis;
    expect(named.shots.map((s) => s.characters.map((c) => c.name))).toEqual([['Alice'], ['Cleo'], [], ['Alice'], ['Cleo'], ['Bea']]);
    expect(named.segments.filter((s) => s.label === 'Cleo').map((s) => [s.startFrame, s.endFrame])).toEqual([[50, 100], [200, 250]]);
    expect(named.segments.some((s) => s.label === 'Unknown 1')).toBe(false);
    expect(named.characters.unknowns[0]!.name).toBe('Cleo');
    const enrolled = await fs.readdir(path.join(gallery, 'Cleo'));
    expect(enrolled).toHaveLength(1);

    const reloaded = await loadGallery(gallery, await loadFaceModels(runtime));
    expect(reloaded.people.map((p) => p.name)).toEqual(['Alice', 'Bea', 'Cleo']);
    const again = summarizeCharacters(observed, shots, { fps: rational(25), gallery: reloaded, threshold: analyzer.threshold });
    expect(again.shots.map((s) => s.characters.map((c) => c.name))).toEqual([['Alice'], ['Cleo'], [], ['Alice'], ['Cleo'], ['Bea']]);
    expect(again.unknowns).toHaveLength(0);
  }, 120_000);
});

describe('roughcut characters add', () => {
  it('adds a photo and a video frame, refuses images without a usable face, and says why', async () => {
    const g = path.join(dir, 'add-gallery');
    const photo = await galleryPhoto('bea', path.join(dir, 'bea-photo.jpg'));
    const text = path.join(dir, 'readme.jpg');
    await fs.writeFile(text, 'not an image');
    const run = await runCli(['characters', 'add', 'Bea', photo, `${clip}@00:00:10:05`, text, demoPhoto('sample1.jpg'), '--gallery', g]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`${text}: not added: not a readable image`);
    expect(run.stderr).toContain('sample1.jpg: not added: 3 faces of similar size');
    expect((await fs.readdir(path.join(g, 'Bea'))).sort()).toEqual(['bea-photo.jpg', 'faces-00-00-10-05.jpg']);
    expect(run.stdout).toContain('Bea: 2 photo(s)');

    const none = await runCli(['characters', 'add', 'Bea', `${clip}@4.5`, '--gallery', g]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('not added: no face found');
  }, 120_000);
});
