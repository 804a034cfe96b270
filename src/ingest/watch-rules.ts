// What the watched folder takes, skips and writes where: video names, temporary names, own folders, output paths.
import path from 'node:path';

/** File extensions (lower case, without the dot) the watched folder analyses. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp4', 'mov', 'mxf', 'mkv', 'avi', 'm4v', 'mts', 'm2ts', 'ts', 'webm', 'mpg', 'mpeg', 'm2v', 'wmv',
  'dv', 'y4m', '3gp', 'flv', 'ogv', 'vob', 'mjpeg', 'h264', 'hevc', 'r3d', 'braw', 'crm',
]);

/** Name endings of files that are still being downloaded or written by another program. */
const TEMPORARY_SUFFIXES = ['.part', '.partial', '.crdownload', '.download', '.tmp', '.temp', '.filepart', '.opdownload', '~'];

/** Folders inside the watched folder that hold the sources already handled; never watched. */
export const DONE_FOLDER = 'done';
/** Folder that failed sources are moved to, each with a `<name>.error.txt`. */
export const FAILED_FOLDER = 'failed';
/** Hidden folder inside the watched folder that holds the watcher's state. */
export const STATE_FOLDER = '.roughcut';
/** Suffix of the results folder written beside a source: `<stem>.roughcut/`. */
export const BESIDE_SUFFIX = '.roughcut';

/** True for hidden files (dotfiles, AppleDouble `._*`) and names that say the file is still arriving. */
export function isTemporaryOrHidden(name: string): boolean {
  if (name.startsWith('.')) return true;
  const lower = name.toLowerCase();
  return TEMPORARY_SUFFIXES.some((s) => lower.endsWith(s));
}

/** True when `name` has one of {@link VIDEO_EXTENSIONS} and is not temporary or hidden. */
export function isVideoCandidate(name: string): boolean {
  if (isTemporaryOrHidden(name)) return false;
  const ext = path.extname(name).slice(1).toLowerCase();
  return VIDEO_EXTENSIONS.has(ext);
}

/**
 * True when a path under the watched folder belongs to roughcut itself or lies in a hidden folder,
 * so nothing there is watched: hidden folders (the state folder, analyze's `.partial-` staging
 * folders), `*.roughcut` result folders, `done/` and `failed/` at the top, and the output tree
 * when it lies inside the watched folder. A hidden *file* is not excluded here: inside a dropped
 * folder it still has to be quiet before the folder is taken (rsync writes hidden temporaries).
 * `relative` is relative to the watched folder; `''` is the folder itself.
 */
export function isOwnFolderPath(relative: string, outTreeRelative?: string): boolean {
  if (relative === '') return false;
  const parts = relative.split(path.sep);
  if (parts[0] === DONE_FOLDER || parts[0] === FAILED_FOLDER || parts[0] === STATE_FOLDER) return true;
  if (outTreeRelative !== undefined && (relative === outTreeRelative || relative.startsWith(`${outTreeRelative}${path.sep}`))) return true;
  const last = parts.length - 1;
  return parts.some((p, i) => p.endsWith(BESIDE_SUFFIX) || p.includes(`${BESIDE_SUFFIX}.partial-`) || (i < last && p.startsWith('.')));
}

/**
 * Where the results of `file` go: beside it (`<file-dir>/<stem>.roughcut/`) when `outDir` is not
 * given, otherwise in an output tree mirroring the watched folder (`<outDir>/<relative-dir>/<stem>/`).
 */
export function resultsDirFor(watchDir: string, file: string, outDir?: string): string {
  const stem = path.parse(file).name.replace(/^\.+/, '') || 'video';
  if (outDir === undefined) return path.join(path.dirname(file), `${stem}${BESIDE_SUFFIX}`);
  return path.join(path.resolve(outDir), path.dirname(path.relative(watchDir, file)), stem);
}

/**
 * The unit a file is taken with: the top-level folder it was dropped in (a camera card is taken as
 * a whole), or the file itself when it lies directly in the watched folder.
 */
export function groupOf(relative: string): string {
  const sep = relative.indexOf(path.sep);
  return sep === -1 ? relative : relative.slice(0, sep);
}
