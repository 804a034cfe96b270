// Faces to characters: tracks within a shot, identity per track, unknowns clustered, shot scale.
import { framesToSeconds, type Rational } from '../../core/rational.js';
import type { CharacterAppearance, Segment, Shot } from '../../core/types.js';
import { descriptorDistance, meanDescriptor } from './face-models.js';
import { boxIou, CONFIRMED_FACE_SCORE, DEFAULT_MATCH_THRESHOLD, type FaceObservation, type FrameFaces, type GallerySummary, type UnknownFace } from './types.js';

/**
 * Editorial shot scale from the largest face's height as a fraction of the frame height (face
 * box: brow to chin as face-api draws it). Checked top down; below the last, `wide`.
 */
export const SHOT_SCALES: readonly { readonly name: string; readonly abbreviation: string; readonly minFaceHeight: number }[] = [
  { name: 'extreme close-up', abbreviation: 'ECU', minFaceHeight: 0.55 },
  { name: 'close-up', abbreviation: 'CU', minFaceHeight: 0.30 },
  { name: 'medium close-up', abbreviation: 'MCU', minFaceHeight: 0.18 },
  { name: 'medium', abbreviation: 'MS', minFaceHeight: 0.09 },
  { name: 'wide', abbreviation: 'WS', minFaceHeight: 0 },
];
/** The scale of a shot in which no face was seen (on too few of its sampled frames). */
export const NO_FACE = 'no face';
/** A shot counts as `no face` unless faces are on at least this share of its sampled frames. */
const MIN_FACE_SHARE = 0.3;
/** Two detections on consecutive samples are one face when their boxes overlap this much... */
const LINK_IOU = 0.3;
/** ...and their descriptors are not clearly different people; */
const LINK_IOU_MAX_DISTANCE = 0.7;
/** without overlap (the face moved), when the descriptors are this close. */
const LINK_DISTANCE = 0.45;
/** A track's distance to a person is the mean over this many of its faces nearest to them (trackDistances). */
const TRACK_BEST_FACES = 2;
/**
 * Unknown tracks are clustered while their average distance is under the match threshold, but
 * never above this: the match threshold was raised to 0.55 on measurements against gallery
 * photos; merging two unknown faces was not measured above 0.5.
 */
const UNKNOWN_MERGE_DISTANCE = 0.5;

export interface SummarizeOptions {
  readonly fps: Rational;
  /** The analyzer's gallery (names and descriptors). */
  readonly gallery: GallerySummary;
  /** Same-person descriptor distance; default DEFAULT_MATCH_THRESHOLD. */
  readonly threshold?: number;
  /** Not needed (each observation carries its frame size); accepted for callers that have it. */
  readonly frameHeight?: number;
}

/** Per-shot characters and scale, in the order of the `shots` given. */
export interface ShotCharacters {
  readonly index: number;
  readonly characters: readonly CharacterAppearance[];
  /** A SHOT_SCALES name or `no face`; null when no frame of the shot was analysed. */
  readonly scale: string | null;
}

export interface CharacterSummary {
  readonly shots: readonly ShotCharacters[];
  /** `kind: 'character'` (label = name) and `kind: 'scale'` segments, each over whole shots. */
  readonly segments: readonly Segment[];
  readonly unknowns: readonly UnknownFace[];
}

/**
 * A shot as the summary needs it. `clean`: its frames outside transitions (ShotSpan.clean); when
 * given, only samples there count. A frame inside a dissolve or a fade shows two shots at once,
 * or one dimmed, and its face cannot be told to belong to the shot the frame is filed under: on
 * ../shared/media a face sampled at the middle of a fade-through-black (the first frame of the
 * next shot) named the heroine in the two shots after hers. Every shot with no sample in its
 * clean frames has its keyframe looked at, which is picked there.
 */
export type SummaryShot = Pick<Shot, 'index' | 'startFrame' | 'endFrame'> & { readonly clean?: { readonly startFrame: number; readonly endFrame: number } };

interface Track {
  readonly shot: number;
  readonly frames: number[];
  readonly faces: FaceObservation[];
  name?: string;
  confidence: number;
}

/** The SHOT_SCALES name for a face height / frame height ratio. */
export function shotScaleFor(faceHeightRatio: number): string {
  return (SHOT_SCALES.find((s) => faceHeightRatio >= s.minFaceHeight) ?? SHOT_SCALES[SHOT_SCALES.length - 1]!).name;
}

/**
 * Turns per-frame faces into characters per shot. Within a shot, detections on consecutive
 * samples are linked into tracks (box overlap, or close descriptors when the face moved); each
 * track is matched against the gallery face by face (trackDistances: the mean of its two faces
 * nearest to a person's nearest photo; the nearest person within `threshold` wins), so one
 * blurred frame cannot flip an identity. Tracks that match nobody are clustered across the whole
 * video (average linkage of their mean descriptors, merged while closer than `threshold`, at
 * most UNKNOWN_MERGE_DISTANCE) into `Unknown 1..n` by first appearance. Confidence is
 * `1 - 0.5 * distance / threshold` (0.5 at the limit), frame-weighted over a character's tracks
 * in the shot; screen time is the sampled frames it is on times the sampling interval, at most
 * the shot's length. A track of weak detections only (score under CONFIRMED_FACE_SCORE: the
 * fast detector's small faces) that matches nobody in the gallery is dropped, and its faces do
 * not count for the shot's scale. `observations` must list every analysed frame, also
 * those with no face.
 */
export function summarizeCharacters(observations: readonly FrameFaces[], shots: readonly SummaryShot[], options: SummarizeOptions): CharacterSummary {
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  const sorted = [...observations].sort((a, b) => a.frame - b.frame);
  const intervalFrames = samplingInterval(sorted);
  const tracks: Track[] = [];
  const perShot = shots.map((shot) => {
    const range = shot.clean ?? shot;
    const samples = sorted.filter((o) => o.frame >= range.startFrame && o.frame < range.endFrame);
    const shotTracks = buildTracks(samples, shot.index);
    tracks.push(...shotTracks);
    return { shot, samples, shotTracks };
  });
  for (const track of tracks) identify(track, options.gallery, threshold);
  // Weak detections (under CONFIRMED_FACE_SCORE) count only when their track confirms them.
  const dropped = new Set(tracks.filter((t) => !confirmed(t)));
  const weakFaces = new Set([...dropped].flatMap((t) => t.faces));
  const unknowns = clusterUnknowns(tracks.filter((t) => t.name === undefined && !dropped.has(t)), Math.min(threshold, UNKNOWN_MERGE_DISTANCE), threshold);

  const result: ShotCharacters[] = perShot.map(({ shot, samples, shotTracks }) => {
    const shotSeconds = framesToSeconds(shot.endFrame - shot.startFrame, options.fps);
    const byName = new Map<string, { frames: Set<number>; weighted: number; count: number }>();
    for (const track of shotTracks) {
      if (dropped.has(track)) continue;
      const name = track.name!;
      const entry = byName.get(name) ?? { frames: new Set<number>(), weighted: 0, count: 0 };
      for (const f of track.frames) entry.frames.add(f);
      entry.weighted += track.confidence * track.frames.length;
      entry.count += track.frames.length;
      byName.set(name, entry);
    }
    const characters: CharacterAppearance[] = [...byName.entries()].map(([name, e]) => ({
      name,
      confidence: round3(e.weighted / e.count),
      seconds: round3(Math.min(shotSeconds, framesToSeconds(e.frames.size * intervalFrames, options.fps))),
    })).sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name));
    return { index: shot.index, characters, scale: scaleOf(samples, weakFaces) };
  });
  return { shots: result, segments: segmentsFor(shots, result), unknowns };
}

/**
 * Shots worth a second look, on their keyframe: those in which nobody in the gallery was named.
 * A face is seen on a couple of samples in a short shot, and a sample may catch it turned away,
 * blurred or behind a hand (on ../shared/media, one close-up came to 0.60-0.62 from the enrolled
 * photo on its samples and 0.43 on a frame between them). Without people in the gallery there is no one
 * to look for: none. Indexes into `summary.shots`.
 */
export function shotsToLookAgain(summary: Pick<CharacterSummary, 'shots'>, gallery: Pick<GallerySummary, 'people'>): number[] {
  const people = new Set(gallery.people.map((p) => p.name));
  if (people.size === 0) return [];
  return summary.shots.flatMap((shot, i) => (shot.characters.some((c) => people.has(c.name)) ? [] : [i]));
}

/** The usual gap between analysed frames (median), so each sample stands for that much screen time. */
function samplingInterval(sorted: readonly FrameFaces[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i += 1) gaps.push(sorted[i]!.frame - sorted[i - 1]!.frame);
  gaps.sort((a, b) => a - b);
  return gaps.length > 0 ? Math.max(1, gaps[Math.floor(gaps.length / 2)]!) : 1;
}

function buildTracks(samples: readonly FrameFaces[], shot: number): Track[] {
  const tracks: Track[] = [];
  let active: Track[] = [];
  for (const sample of samples) {
    const next: Track[] = [];
    const free = new Set(active);
    for (const face of [...sample.faces].sort((a, b) => b.height - a.height)) {
      let best: Track | undefined;
      let bestKey = -Infinity;
      for (const track of free) {
        const last = track.faces[track.faces.length - 1]!;
        const overlap = boxIou(last, face);
        const distance = descriptorDistance(last.descriptor, face.descriptor);
        const linked = (overlap >= LINK_IOU && distance < LINK_IOU_MAX_DISTANCE) || distance < LINK_DISTANCE;
        const key = overlap - distance;
        if (linked && key > bestKey) { best = track; bestKey = key; }
      }
      if (best) {
        free.delete(best);
        best.frames.push(sample.frame);
        best.faces.push(face);
        next.push(best);
      } else {
        const track: Track = { shot, frames: [sample.frame], faces: [face], confidence: 0 };
        tracks.push(track);
        next.push(track);
      }
    }
    // A face missed on one sample (turned away, motion blur) may continue its track on the next.
    active = [...next, ...[...free].filter((t) => t.frames[t.frames.length - 1]! >= (samples[samples.indexOf(sample) - 1]?.frame ?? -1))];
  }
  return tracks;
}

function identify(track: Track, gallery: GallerySummary, threshold: number): void {
  let bestName: string | undefined;
  let bestDistance = Infinity;
  for (const [name, distance] of trackDistances(track.faces, gallery)) {
    if (distance < bestDistance) { bestDistance = distance; bestName = name; }
  }
  if (bestName !== undefined && bestDistance < threshold) {
    track.name = bestName;
    track.confidence = confidenceFor(bestDistance, threshold);
  }
}

/**
 * A track's distance to each person in the gallery: every face's distance to that person's
 * nearest photo, then the mean of the TRACK_BEST_FACES smallest. Faces are compared one by one,
 * not through the track's mean descriptor: averaging a stranger's descriptors pulls them towards
 * everyone (on ../shared/media, tracks of two women over 3-8 samples came to 0.58-0.59 from an
 * enrolled photo by their mean, 0.62-0.66 face by face), and the best few faces carry a track
 * whose other samples are turned away or blurred. Exported for tests.
 */
export function trackDistances(faces: readonly Pick<FaceObservation, 'descriptor'>[], gallery: GallerySummary): Map<string, number> {
  const nearest = new Map<string, number[]>();
  for (const face of faces) {
    const perPerson = new Map<string, number>();
    for (const entry of gallery.entries) {
      const d = descriptorDistance(face.descriptor, entry.descriptor);
      if (d < (perPerson.get(entry.name) ?? Infinity)) perPerson.set(entry.name, d);
    }
    for (const [name, d] of perPerson) {
      const ds = nearest.get(name);
      if (ds) ds.push(d);
      else nearest.set(name, [d]);
    }
  }
  const out = new Map<string, number>();
  for (const [name, ds] of nearest) {
    const best = ds.sort((a, b) => a - b).slice(0, TRACK_BEST_FACES);
    out.set(name, best.reduce((a, b) => a + b, 0) / best.length);
  }
  return out;
}

/**
 * A track is a face when one of its detections scored CONFIRMED_FACE_SCORE or more, or when it
 * matched someone in the gallery (call after identify). Being seen on several samples is no
 * confirmation: on ../shared/media the fast detector put weak boxes (0.1-0.3) on the same
 * background spot sample after sample, but none of them came within the threshold of anyone.
 */
function confirmed(track: Track): boolean {
  return track.name !== undefined || track.faces.some((f) => f.score >= CONFIRMED_FACE_SCORE);
}

function confidenceFor(distance: number, threshold: number): number {
  return Math.max(0, Math.min(1, 1 - 0.5 * distance / threshold));
}

function clusterUnknowns(tracks: Track[], mergeDistance: number, threshold: number): UnknownFace[] {
  let clusters = tracks.map((t) => ({ tracks: [t], means: [meanDescriptor(t.faces.map((f) => f.descriptor))] }));
  for (;;) {
    let best: [number, number] | undefined;
    let bestDistance = mergeDistance;
    for (let i = 0; i < clusters.length; i += 1) {
      for (let j = i + 1; j < clusters.length; j += 1) {
        const a = clusters[i]!;
        const b = clusters[j]!;
        let sum = 0;
        for (const x of a.means) for (const y of b.means) sum += descriptorDistance(x, y);
        const average = sum / (a.means.length * b.means.length);
        if (average < bestDistance) { bestDistance = average; best = [i, j]; }
      }
    }
    if (!best) break;
    const [i, j] = best;
    const merged = { tracks: [...clusters[i]!.tracks, ...clusters[j]!.tracks], means: [...clusters[i]!.means, ...clusters[j]!.means] };
    clusters = clusters.filter((_, k) => k !== i && k !== j);
    clusters.push(merged);
  }
  const firstFrame = (c: { tracks: Track[] }): number => Math.min(...c.tracks.map((t) => t.frames[0]!));
  clusters.sort((a, b) => firstFrame(a) - firstFrame(b));
  return clusters.map((cluster, n) => {
    const name = `Unknown ${n + 1}`;
    const distances: number[] = [];
    const mean = meanDescriptor(cluster.means);
    for (const track of cluster.tracks) {
      track.name = name;
      const d = descriptorDistance(mean, meanDescriptor(track.faces.map((f) => f.descriptor)));
      distances.push(d);
      track.confidence = cluster.tracks.length > 1 ? confidenceFor(d, threshold) : meanScore(track);
    }
    const faces = cluster.tracks.flatMap((t) => t.faces);
    const representative = faces.reduce((a, b) => (b.height * b.score > a.height * a.score ? b : a));
    return {
      name, firstFrame: firstFrame(cluster),
      shots: [...new Set(cluster.tracks.map((t) => t.shot))].sort((a, b) => a - b),
      descriptor: mean.map(round6), descriptors: cluster.means.map((m) => m.map(round6)), crop: representative.crop,
    };
  });
}

function meanScore(track: Track): number {
  return track.faces.reduce((s, f) => s + f.score, 0) / track.faces.length;
}

function scaleOf(samples: readonly FrameFaces[], ignore: ReadonlySet<FaceObservation>): string | null {
  if (samples.length === 0) return null;
  const ratios = samples.map((s) => s.faces.filter((f) => !ignore.has(f))).filter((faces) => faces.length > 0).map((faces) => Math.max(...faces.map((f) => f.height / f.frameHeight)));
  if (ratios.length === 0 || ratios.length < MIN_FACE_SHARE * samples.length) return NO_FACE;
  ratios.sort((a, b) => a - b);
  return shotScaleFor(ratios[Math.floor(ratios.length / 2)]!);
}


/**
 * Segments over whole shots: one `character` segment per run of adjacent shots a character is
 * in (confidence: the run's mean), one `scale` segment per run of adjacent shots of one scale.
 */
export function segmentsFor(shots: readonly Pick<Shot, 'index' | 'startFrame' | 'endFrame'>[], perShot: readonly ShotCharacters[]): Segment[] {
  const segments: Segment[] = [];
  const open = new Map<string, { start: number; end: number; sum: number; n: number }>();
  const flush = (key: string, kind: 'character' | 'scale'): void => {
    const run = open.get(key)!;
    segments.push({ startFrame: run.start, endFrame: run.end, label: key.slice(key.indexOf(':') + 1), confidence: round3(run.sum / run.n), kind });
    open.delete(key);
  };
  shots.forEach((shot, i) => {
    const info = perShot[i];
    const here = new Map<string, number>();
    for (const c of info?.characters ?? []) here.set(`character:${c.name}`, c.confidence);
    if (info?.scale) here.set(`scale:${info.scale}`, 1);
    for (const [key, run] of [...open.entries()]) {
      if (!here.has(key) || run.end !== shot.startFrame) flush(key, key.startsWith('character:') ? 'character' : 'scale');
    }
    for (const [key, confidence] of here) {
      const run = open.get(key);
      if (run) { run.end = shot.endFrame; run.sum += confidence; run.n += 1; } else open.set(key, { start: shot.startFrame, end: shot.endFrame, sum: confidence, n: 1 });
    }
  });
  for (const key of [...open.keys()]) flush(key, key.startsWith('character:') ? 'character' : 'scale');
  return segments.sort((a, b) => a.startFrame - b.startFrame || (a.kind ?? '').localeCompare(b.kind ?? '') || a.label.localeCompare(b.label));
}

function round3(x: number): number { return Math.round(x * 1000) / 1000; }
function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }
