// The face gallery: DIR/<Name>/*.jpg|png, one descriptor per photo, cached beside the photos.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { RoughcutError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import sharp from '../../frames/image-codec.js';
import type { DetectedFace, FaceModels } from './face-models.js';
import type { GalleryEntry, GallerySummary } from './types.js';

export type { GalleryEntry, GallerySummary } from './types.js';

/** The cache file written in the gallery folder. */
export const GALLERY_CACHE = '.roughcut-gallery.json';

/** Photos are scaled to at most this width before detection: enough for a face, cheap to run. */
const PHOTO_MAX_WIDTH = 1024;

/**
 * A photo with several faces is used only when its largest face has at least this many times the
 * area of the next one (a portrait with someone small behind); otherwise it is skipped with a
 * warning, since the gallery cannot know which face is meant.
 */
export const DOMINANT_FACE_AREA_RATIO = 2;

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** An empty gallery: every face becomes an Unknown. */
export const EMPTY_GALLERY: GallerySummary = { dir: null, people: [], entries: [], problems: [] };

interface CacheRecord {
  readonly size: number;
  readonly mtimeMs: number;
  readonly descriptor: number[] | null;
  readonly problem?: string;
}

interface CacheFile {
  readonly version: 1;
  readonly model: string;
  readonly photos: Record<string, CacheRecord>;
}

/**
 * Loads the gallery in `dir`: every `<Name>/*.jpg|jpeg|png`. Descriptors come from
 * `.roughcut-gallery.json` when the photo's size and mtime and the model match, and are computed
 * otherwise (SSD detector: photos are few, so the accurate one). A photo that is empty, cannot be
 * decoded, has no face, or several faces none of which dominates is skipped with a warning naming
 * the file and the cause; the rest load. The cache is rewritten only when it changed.
 *
 * @throws RoughcutError `FILE_NOT_FOUND` / `NOT_A_FILE` when `dir` is missing or not a folder.
 */
export async function loadGallery(dir: string, models: FaceModels, logger: Logger = silentLogger): Promise<GallerySummary> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new RoughcutError('FILE_NOT_FOUND', `${dir}: the character gallery folder does not exist; create DIR/<Name>/ folders of photos or use "roughcut characters add".`, { file: dir });
  if (!stat.isDirectory()) throw new RoughcutError('NOT_A_FILE', `${dir}: the character gallery must be a folder of DIR/<Name>/ photo folders.`, { file: dir });
  const cachePath = path.join(dir, GALLERY_CACHE);
  const old = await readCache(cachePath, models.modelId);
  const photos: Record<string, CacheRecord> = {};
  const entries: GalleryEntry[] = [];
  const problems: { file: string; reason: string }[] = [];
  const people: { name: string; photos: number }[] = [];
  const names = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  for (const name of names) {
    const files = (await fs.readdir(path.join(dir, name), { withFileTypes: true }))
      .filter((d) => d.isFile() && IMAGE_EXTENSIONS.has(path.extname(d.name).toLowerCase())).map((d) => d.name).sort();
    let usable = 0;
    for (const file of files) {
      const rel = `${name}/${file}`;
      const full = path.join(dir, name, file);
      const st = await fs.stat(full);
      const cached = old?.photos[rel];
      const record = cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs
        ? cached
        : { size: st.size, mtimeMs: st.mtimeMs, ...(await describePhoto(full, models)) };
      photos[rel] = record;
      if (record.descriptor) {
        entries.push({ name, file: rel, descriptor: record.descriptor });
        usable += 1;
      } else {
        const reason = record.problem ?? 'no usable face';
        problems.push({ file: full, reason });
        logger.warn('gallery photo skipped', { file: full, reason });
      }
    }
    if (usable > 0) people.push({ name, photos: usable });
  }
  const cache: CacheFile = { version: 1, model: models.modelId, photos };
  if (JSON.stringify(cache) !== JSON.stringify(old)) {
    await writeFileAtomic(cachePath, `${JSON.stringify(cache)}\n`).catch((error: unknown) => {
      logger.warn('gallery cache not written', { file: cachePath, reason: error instanceof Error ? error.message : String(error) });
    });
  }
  return { dir: path.resolve(dir), people, entries, problems };
}

/**
 * Records a descriptor already known for a photo (a face crop enrolled from an analysis), so the
 * next load takes it from the cache instead of detecting a face in a small crop again.
 */
export async function cacheGalleryDescriptor(dir: string, relativeFile: string, descriptor: readonly number[], modelId: string): Promise<void> {
  const cachePath = path.join(dir, GALLERY_CACHE);
  const old = await readCache(cachePath, modelId);
  const st = await fs.stat(path.join(dir, relativeFile));
  const cache: CacheFile = { version: 1, model: modelId, photos: { ...old?.photos, [relativeFile]: { size: st.size, mtimeMs: st.mtimeMs, descriptor: [...descriptor] } } };
  await writeFileAtomic(cachePath, `${JSON.stringify(cache)}\n`);
}

async function readCache(cachePath: string, modelId: string): Promise<CacheFile | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(cachePath, 'utf8')) as Partial<CacheFile>;
    if (parsed.version !== 1 || parsed.model !== modelId || typeof parsed.photos !== 'object' || parsed.photos === null) return undefined;
    return parsed as CacheFile;
  } catch {
    return undefined;
  }
}

/** The descriptor of the one face in a photo, or the reason there is none. */
export async function describePhoto(file: string, models: FaceModels): Promise<{ descriptor: number[] | null; problem?: string }> {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    const bytes = await fs.readFile(file);
    if (bytes.length === 0) return { descriptor: null, problem: 'the file is empty' };
    const { data, info } = await sharp(bytes).rotate().resize({ width: PHOTO_MAX_WIDTH, withoutEnlargement: true })
      .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    image = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    return { descriptor: null, problem: `not a readable image (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const faces = await models.detect(image, 'accurate', { minScore: 0.5 });
  const chosen = dominantFace(faces);
  if (faces.length === 0) return { descriptor: null, problem: 'no face found' };
  if (!chosen) return { descriptor: null, problem: `${faces.length} faces of similar size; crop the photo to the one person` };
  return { descriptor: Array.from(chosen.descriptor) };
}

/** The only face, or the largest when it clearly dominates (DOMINANT_FACE_AREA_RATIO); else none. */
export function dominantFace<T extends Pick<DetectedFace, 'width' | 'height'>>(faces: readonly T[]): T | undefined {
  const sorted = [...faces].sort((a, b) => b.width * b.height - a.width * a.height);
  const [first, second] = sorted;
  if (!first) return undefined;
  if (!second) return first;
  return first.width * first.height >= DOMINANT_FACE_AREA_RATIO * second.width * second.height ? first : undefined;
}
