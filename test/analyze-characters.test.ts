// analyze --characters end to end: faces from the one decode in the model thread, characters and
// shot scale per shot and as segments, an unknown named afterwards, rules on characters and scale.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { runCli } from './helpers/cli.js';
import { faceVideo, galleryPhoto, INTERVIEW_SHOTS } from './helpers/face-media.js';
import { ffmpeg, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let gallery: string;
let clip: string;

// Alice and Bea are enrolled; Cleo is not and appears twice, so she must become one Unknown.
const SHOTS = INTERVIEW_SHOTS;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('roughcut-analyze-characters-'));
  gallery = path.join(dir, 'gallery');
  await galleryPhoto('alice', path.join(gallery, 'Alice', 'alice.jpg'));
  await galleryPhoto('bea', path.join(gallery, 'Bea', 'bea.jpg'));
  clip = path.join(dir, 'interview.mp4');
  await faceVideo(clip, SHOTS, { secondsPerShot: 2 });
}, 120_000);

afterAll(async () => cleanup());

/** The interview through an ffmpeg filter, analysed with the gallery at one face sample every 5 s. */
async function analyzeFiltered(name: string, filter: string): Promise<AnalysisResult> {
  const file = path.join(dir, `${name}.mp4`);
  await ffmpeg(['-i', clip, '-vf', filter, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-g', '25', file]);
  const out = path.join(dir, `${name}-out`);
  const run = await runCli(['analyze', file, '--out', out, '--characters', gallery, '--face-fps', '0.2']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(await fs.readFile(path.join(out, name, 'analysis.json'), 'utf8')) as AnalysisResult;
}

describe('analyze --characters', () => {
  it('names the enrolled people per shot, clusters the stranger, gives each shot its scale', async () => {
    const out = path.join(dir, 'out');
    // One face sample every 5 s falls in shots 0, 2 and 5 only: shots 1, 3 and 4 are seen on their keyframes.
    const run = await runCli(['analyze', clip, '--out', out, '--characters', gallery, '--face-fps', '0.2']);
    expect(run.code, run.stderr).toBe(0);
    const folder = path.join(out, 'interview');
    const analysisPath = path.join(folder, 'analysis.json');
    const analysis = JSON.parse(await fs.readFile(analysisPath, 'utf8')) as AnalysisResult;

    expect(analysis.shots.map((s) => [s.startFrame, s.endFrame])).toEqual([[0, 50], [50, 100], [100, 150], [150, 200], [200, 250], [250, 300]]);
    expect(analysis.shots.map((s) => s.characters.map((c) => c.name))).toEqual([['Alice'], ['Unknown 1'], [], ['Alice'], ['Unknown 1'], ['Bea']]);
    expect(analysis.shots.map((s) => s.scale)).toEqual(['close-up', 'medium close-up', 'no face', 'medium close-up', 'close-up', 'medium close-up']);
    for (const c of analysis.shots.flatMap((s) => s.characters)) {
      expect(c.confidence).toBeGreaterThan(0);
      expect(c.seconds).toBeGreaterThan(0);
    }
    const characterSegments = analysis.segments.filter((s) => s.kind === 'character');
    expect(characterSegments.filter((s) => s.label === 'Alice').map((s) => [s.startFrame, s.endFrame])).toEqual([[0, 50], [150, 200]]);

    expect(analysis.characters?.people.map((p) => p.name)).toEqual(['Alice', 'Bea']);
    expect(analysis.characters?.unknowns.map((u) => [u.name, u.shots])).toEqual([['Unknown 1', [1, 4]]]);
    expect(existsSync(path.join(folder, analysis.characters!.unknowns[0]!.image))).toBe(true);
    expect(analysis.classifier.backend).not.toBeNull();

    // The EDL's default events carry characters and scale in their comments.
    const edl = await fs.readFile(path.join(folder, 'interview.edl'), 'utf8');
    expect(edl).toMatch(/CHARACTERS Alice \d\.\d\d/);
    expect(edl).toContain('SCALE close-up');

    // The editor names the stranger; the rough cut of her shots follows without analysing again.
    const named = await runCli(['characters', 'name', analysisPath, 'Unknown 1', 'Cleo']);
    expect(named.code, named.stderr).toBe(0);
    expect(await fs.readdir(path.join(gallery, 'Cleo'))).toHaveLength(1);
    const cut = await runCli(['export', analysisPath, '--format', 'edl', '--include', 'character:Cleo', '--out', path.join(dir, 'cleo')]);
    expect(cut.code, cut.stderr).toBe(0);
    const cleo = await fs.readFile(path.join(dir, 'cleo', 'interview.edl'), 'utf8');
    expect(cleo.split('\n').filter((l) => /^\d{3} /.test(l)).map((l) => l.split(/\s+/).slice(4, 6).join('-'))).toEqual(['00:00:02:00-00:00:04:00', '00:00:08:00-00:00:10:00']);

    const closeUps = await runCli(['export', analysisPath, '--format', 'edl', '--scale', 'CU', '--out', path.join(dir, 'cu')]);
    expect(closeUps.code, closeUps.stderr).toBe(0);
    const cu = await fs.readFile(path.join(dir, 'cu', 'interview.edl'), 'utf8');
    expect(cu.split('\n').filter((l) => /^\d{3} /.test(l))).toHaveLength(2);
  }, 180_000);

  it('a shot whose only face sample falls in its fade-in is seen on its keyframe', async () => {
    // The first shot (Alice, frames 0-49) fades in from black over 40 frames; at one sample every
    // 5 s its only sample is frame 0, black.
    const analysis = await analyzeFiltered('faded', 'fade=t=in:s=0:n=40');
    const first = analysis.shots[0]!;
    expect(first.transition.type).toBe('fade-in');
    expect(first.keyframe.frame).toBeGreaterThan(40);
    expect(first.characters.map((c) => c.name)).toEqual(['Alice']);
  }, 180_000);

  it('a shot whose face sample names nobody is looked at again on its keyframe', async () => {
    // Bea's shot (frames 250-299) has one face sample at one every 5 s, frame 250, and a grey box
    // hides her face until frame 262: the sample finds no face, her keyframe shows it.
    const analysis = await analyzeFiltered('hidden', "drawbox=x=260:y=90:w=120:h=120:color=0x606064:t=fill:enable='between(n,250,262)'");
    const last = analysis.shots.at(-1)!;
    expect([last.startFrame, last.endFrame]).toEqual([250, 300]);
    expect(last.keyframe.frame).toBeGreaterThan(262);
    expect(last.characters.map((c) => c.name)).toEqual(['Bea']);
    // The other shots as before (Cleo may be in the gallery by now: the first test names her).
    expect(analysis.shots.map((s) => s.characters.map((c) => c.name).filter((n) => n === 'Alice' || n === 'Bea'))).toEqual([['Alice'], [], [], ['Alice'], [], ['Bea']]);
  }, 180_000);

  it('a gallery that is not a folder is refused before decoding', async () => {
    const run = await runCli(['analyze', clip, '--out', path.join(dir, 'bad'), '--characters', path.join(dir, 'nowhere')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nowhere');
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
  });
});
