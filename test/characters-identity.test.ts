// Identity of a track against the gallery: face by face, the two nearest faces, the calibrated threshold.
import { describe, expect, it } from 'vitest';
import { summarizeCharacters, trackDistances } from '../src/classify/faces/characters.js';
import { descriptorDistance } from '../src/classify/faces/face-models.js';
import { DEFAULT_MATCH_THRESHOLD, type FaceObservation, type FrameFaces, type GallerySummary } from '../src/classify/faces/types.js';
import { rational } from '../src/core/rational.js';
import type { Shot } from '../src/core/types.js';

const DIMS = 128;
// Alice's photo, and two orthogonal unit directions away from it.
const alice = new Array<number>(DIMS).fill(0.1);
const u = Array.from({ length: DIMS }, (_, i) => (i % 2 === 0 ? 1 : -1) / Math.sqrt(DIMS));
const w = Array.from({ length: DIMS }, (_, i) => (i % 4 < 2 ? 1 : -1) / Math.sqrt(DIMS));
/** A descriptor `distance` from Alice's photo, at `angle` in the plane of u and w. */
const near = (distance: number, angle = 0): number[] => alice.map((v, i) => v + distance * (Math.cos(angle) * u[i]! + Math.sin(angle) * w[i]!));

const gallery: GallerySummary = { dir: '/gallery', people: [{ name: 'Alice', photos: 1 }], entries: [{ name: 'Alice', file: 'Alice/a.jpg', descriptor: alice }], problems: [] };
const face = (descriptor: number[]): FaceObservation => ({
  x: 200, y: 80, width: 90, height: 90, frameWidth: 640, frameHeight: 360, score: 0.9, descriptor,
  crop: { width: 1, height: 1, data: new Uint8Array(3) },
});
const shot: Shot = { index: 0, startFrame: 0, endFrame: 400, transition: { type: 'cut' }, keyframe: { frame: 0, image: '' }, labels: {}, characters: [], scale: null } as Shot;
/** One face a sample, every 50 frames, all in one shot at the same place (one track). */
const names = (descriptors: number[][]): string[] => {
  const observations: FrameFaces[] = descriptors.map((d, i) => ({ frame: i * 50, faces: [face(d)] }));
  return summarizeCharacters(observations, [shot], { fps: rational(25), gallery }).shots[0]!.characters.map((c) => c.name);
};

describe('track identity', () => {
  it('is decided face by face: a stranger whose faces lie all around a photo is not named by their mean', () => {
    // Six samples of a stranger, each 0.6 from Alice's photo, on a circle around it: consecutive
    // faces are 0.6 apart (one track), and their mean descriptor is Alice's photo itself.
    const faces = Array.from({ length: 6 }, (_, k) => near(0.6, (k * Math.PI) / 3));
    const mean = alice.map((_, i) => faces.reduce((s, f) => s + f[i]!, 0) / faces.length);
    expect(descriptorDistance(mean, alice)).toBeLessThan(1e-9);
    expect(names(faces)).toEqual(['Unknown 1']);
  });

  it('is the mean of the two faces nearest to a person, so a few turned-away samples do not hide them', () => {
    expect(trackDistances([near(0.45), near(0.5), near(0.7), near(0.72)].map((d) => ({ descriptor: d })), gallery).get('Alice')).toBeCloseTo(0.475, 6);
    expect(names([near(0.7), near(0.45), near(0.72), near(0.5)])).toEqual(['Alice']);
    // One close face among distant ones is not enough: 0.45 and 0.66 average to 0.555.
    expect(names([near(0.45), near(0.66), near(0.7)])).toEqual(['Unknown 1']);
  });

  it('names a face 0.53 from the photo (half hidden, as on ../shared/media) and not one 0.57 away', () => {
    expect(DEFAULT_MATCH_THRESHOLD).toBe(0.55);
    expect(names([near(0.53)])).toEqual(['Alice']);
    expect(names([near(0.57)])).toEqual(['Unknown 1']);
  });

  it('keeps two unknown faces 0.52 apart as two Unknowns: unknowns merge at 0.5 at most, under the 0.55 match threshold', () => {
    const shots = [shot, { ...shot, index: 1, startFrame: 400, endFrame: 800 }];
    const a = near(1.2);
    const b = a.map((v, i) => v + 0.52 * w[i]!);
    const observations: FrameFaces[] = [{ frame: 0, faces: [face(a)] }, { frame: 400, faces: [face(b)] }];
    const summary = summarizeCharacters(observations, shots, { fps: rational(25), gallery });
    expect(summary.shots.map((s) => s.characters.map((c) => c.name))).toEqual([['Unknown 1'], ['Unknown 2']]);
    // A stricter match threshold still merges no further apart than itself.
    expect(summarizeCharacters(observations, shots, { fps: rational(25), gallery, threshold: 0.53 }).unknowns).toHaveLength(2);
  });

  it('leaves out faces sampled inside a transition when the shot says where its clean frames are', () => {
    // Alice fades out of shot 0; the fade-through-black runs over frames 380-420 and shot 1 starts
    // at its middle, 400. Her face, still visible at 400, is filed under shot 1 by frame number.
    const shots = [{ ...shot, endFrame: 400 }, { ...shot, index: 1, startFrame: 400, endFrame: 800 }];
    const observations: FrameFaces[] = [{ frame: 200, faces: [face(near(0.4))] }, { frame: 400, faces: [face(near(0.4))] }, { frame: 600, faces: [] }];
    const byFrame = summarizeCharacters(observations, shots, { fps: rational(25), gallery });
    expect(byFrame.shots.map((s) => s.characters.map((c) => c.name))).toEqual([['Alice'], ['Alice']]);
    const clean = [{ ...shots[0]!, clean: { startFrame: 0, endFrame: 380 } }, { ...shots[1]!, clean: { startFrame: 421, endFrame: 800 } }];
    const summary = summarizeCharacters(observations, clean, { fps: rational(25), gallery });
    expect(summary.shots.map((s) => s.characters.map((c) => c.name))).toEqual([['Alice'], []]);
    expect(summary.shots.map((s) => s.scale)).toEqual(['medium close-up', 'no face']);
    expect(summary.unknowns).toEqual([]);
  });
});
