// Unknown faces in the output folder (crops and descriptors), and naming one after the fact.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { RoughcutError } from '../../core/errors.js';
import type { AnalysisResult, CharacterAppearance, Segment } from '../../core/types.js';
import sharp from '../../frames/image-codec.js';
import { segmentsFor } from './characters.js';
import { cacheGalleryDescriptor } from './gallery.js';
import { FACE_MODEL_ID, meanDescriptor } from './face-models.js';
import type { GallerySummary, UnknownFace } from './types.js';

/** Where unknown faces go inside an analysis output folder. */
export const FACES_DIR = 'faces';
/** The descriptors file, relative to the output folder. */
export const UNKNOWNS_FILE = `${FACES_DIR}/unknowns.json`;

/** One entry of faces/unknowns.json. */
export interface UnknownFaceRecord {
  readonly name: string;
  /** JPEG of the representative crop, relative to the output folder. */
  readonly image: string;
  readonly firstFrame: number;
  readonly shots: readonly number[];
  readonly descriptor: readonly number[];
  readonly descriptors: readonly (readonly number[])[];
  /** Set once `roughcut characters name` gave it a name. */
  readonly namedAs?: string;
}

/** The `characters` block of analysis.json (src/core/types.ts), which `characters name` reads. */
export type CharactersBlock = NonNullable<AnalysisResult['characters']>;

/**
 * Writes each unknown's representative crop as `faces/unknown-<n>.jpg` and all their
 * descriptors to `faces/unknowns.json` in `outDir` (atomically), and returns the records with
 * image paths relative to `outDir`.
 */
export async function writeUnknownFaces(unknowns: readonly UnknownFace[], outDir: string): Promise<UnknownFaceRecord[]> {
  await fs.mkdir(path.join(outDir, FACES_DIR), { recursive: true });
  const records: UnknownFaceRecord[] = [];
  for (const unknown of unknowns) {
    const image = `${FACES_DIR}/${unknown.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.jpg`;
    const jpeg = await sharp(unknown.crop.data, { raw: { width: unknown.crop.width, height: unknown.crop.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    await writeFileAtomic(path.join(outDir, image), jpeg);
    records.push({ name: unknown.name, image, firstFrame: unknown.firstFrame, shots: unknown.shots, descriptor: unknown.descriptor, descriptors: unknown.descriptors });
  }
  await writeFileAtomic(path.join(outDir, UNKNOWNS_FILE), `${JSON.stringify({ version: 1, unknowns: records }, null, 1)}\n`);
  return records;
}

/** The analysis.json `characters` block for a run (gallery names without descriptors). */
export function charactersBlock(gallery: GallerySummary, records: readonly UnknownFaceRecord[], settings: { detector: string; threshold: number }): CharactersBlock {
  return {
    gallery: gallery.dir, people: gallery.people, detector: settings.detector, threshold: settings.threshold,
    unknownsFile: UNKNOWNS_FILE, unknowns: records.map((r) => ({ name: r.name, image: r.image, shots: r.shots })),
  };
}

/** What naming changed. */
export interface NameResult {
  readonly shots: number;
  readonly segments: number;
  /** The enrolled photo, when a gallery was given or recorded in the analysis. */
  readonly enrolled?: string;
}

interface AnalysisLike {
  shots: { index: number; startFrame: number; endFrame: number; characters: CharacterAppearance[]; scale: string | null }[];
  segments: Segment[];
  characters?: { -readonly [K in keyof CharactersBlock]?: CharactersBlock[K] };
  source?: { fps?: { num: number; den: number } };
  [key: string]: unknown;
}

/**
 * Renames the character `from` (an `Unknown n`, or any name) to `to` in `analysisPath`: per-shot
 * characters (merged when the shot already has `to`), `character` segments (rebuilt from the
 * shots) and the `characters` block; then, when `from` is an unknown face and a gallery is known
 * (`gallery`, or the one the analysis used), copies its crop into `<gallery>/<to>/` and caches
 * its descriptor there, so the next analysis recognises the face. analysis.json and
 * unknowns.json are rewritten atomically.
 *
 * @throws RoughcutError `BAD_DATA` when the file is not an analysis or has no character `from`;
 *   `BAD_ARGUMENT` when `to` is empty or not usable as a folder name.
 */
export async function nameCharacter(analysisPath: string, from: string, to: string, options: { gallery?: string } = {}): Promise<NameResult> {
  const name = to.trim();
  if (name === '' || /[/\\]/.test(name) || name.startsWith('.')) {
    throw new RoughcutError('BAD_ARGUMENT', `"${to}" cannot be a character name: use letters, digits and spaces, no slashes or leading dot.`);
  }
  let analysis: AnalysisLike;
  try {
    analysis = JSON.parse(await fs.readFile(analysisPath, 'utf8')) as AnalysisLike;
  } catch (error) {
    throw new RoughcutError('BAD_DATA', `${analysisPath}: not a readable analysis.json (${error instanceof Error ? error.message : String(error)}).`, { file: analysisPath, cause: error });
  }
  if (!Array.isArray(analysis.shots) || !Array.isArray(analysis.segments)) {
    throw new RoughcutError('BAD_DATA', `${analysisPath}: not an analysis.json (no shots or segments).`, { file: analysisPath });
  }
  let shots = 0;
  for (const shot of analysis.shots) {
    const mine = shot.characters.find((c) => c.name === from);
    if (!mine) continue;
    shots += 1;
    const existing = shot.characters.find((c) => c.name === name);
    const fps = analysis.source?.fps;
    const shotSeconds = fps && fps.num > 0 ? ((shot.endFrame - shot.startFrame) * fps.den) / fps.num : Number.POSITIVE_INFINITY;
    shot.characters = shot.characters.filter((c) => c !== mine && c !== existing);
    shot.characters.push(existing
      ? { name, confidence: Math.max(existing.confidence, mine.confidence), seconds: Math.round(Math.min(shotSeconds, existing.seconds + mine.seconds) * 1000) / 1000 }
      : { ...mine, name });
    shot.characters.sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name));
  }
  if (shots === 0) {
    throw new RoughcutError('BAD_DATA', `${analysisPath}: no shot has a character "${from}"; the names it has: ${[...new Set(analysis.shots.flatMap((s) => s.characters.map((c) => c.name)))].join(', ') || 'none'}.`, { file: analysisPath });
  }
  const rebuilt = segmentsFor(analysis.shots, analysis.shots.map((s) => ({ index: s.index, characters: s.characters, scale: null })));
  analysis.segments = [...analysis.segments.filter((s) => s.kind !== 'character'), ...rebuilt]
    .sort((a, b) => a.startFrame - b.startFrame || (a.kind ?? '').localeCompare(b.kind ?? '') || a.label.localeCompare(b.label));

  const outDir = path.dirname(analysisPath);
  const block = analysis.characters;
  const unknownsPath = path.join(outDir, block?.unknownsFile ?? UNKNOWNS_FILE);
  const unknowns = await fs.readFile(unknownsPath, 'utf8').then((t) => JSON.parse(t) as { version: 1; unknowns: UnknownFaceRecord[] }).catch(() => undefined);
  const record = unknowns?.unknowns.find((u) => u.name === from && u.namedAs === undefined);
  if (block?.unknowns) {
    block.unknowns = block.unknowns.map((u) => (u.name === from ? { ...u, name } : u));
  }
  let enrolled: string | undefined;
  const galleryDir = options.gallery ?? block?.gallery ?? undefined;
  if (record && galleryDir) {
    const personDir = path.join(galleryDir, name);
    await fs.mkdir(personDir, { recursive: true });
    const file = `${path.basename(outDir).replace(/[^A-Za-z0-9_-]+/g, '_')}-${path.basename(record.image)}`;
    await fs.copyFile(path.join(outDir, record.image), path.join(personDir, file));
    await cacheGalleryDescriptor(galleryDir, `${name}/${file}`, record.descriptors.length > 0 ? meanDescriptor(record.descriptors) : record.descriptor, FACE_MODEL_ID);
    enrolled = path.join(personDir, file);
  }
  await writeFileAtomic(analysisPath, `${JSON.stringify(analysis, null, 2)}\n`);
  if (record && unknowns) {
    const updated = { ...unknowns, unknowns: unknowns.unknowns.map((u) => (u === record ? { ...u, namedAs: name } : u)) };
    await writeFileAtomic(unknownsPath, `${JSON.stringify(updated, null, 1)}\n`);
  }
  return { shots, segments: rebuilt.filter((s) => s.label === name).length, ...(enrolled ? { enrolled } : {}) };
}
