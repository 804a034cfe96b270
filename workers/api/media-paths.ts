// Path containment for the API: request paths (media, model folders, galleries) must stay under a media root, artifact names under the job's output folder, symlinks included.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ApiProblem } from './problem.js';

/** True when `child` is `parent` itself or inside it (a separator boundary: /media2 is not inside /media). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The real paths of `roots` (each must exist and be a folder); the API compares against these. */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    const real = await fs.realpath(path.resolve(root));
    if (!(await fs.stat(real)).isDirectory()) throw new Error(`${root} is not a folder`);
    out.push(real);
  }
  return out;
}

function checkText(text: unknown, field: string): string {
  if (typeof text !== 'string' || text === '') throw new ApiProblem('bad-request', `${field} must be a non-empty string.`, { field });
  if (text.includes('\0')) throw new ApiProblem('bad-request', `${field} must not contain NUL characters.`, { field });
  return text;
}

/**
 * Resolves a requested media path to its real path under one of `roots` (already real paths).
 * A relative path is taken from the first root. Refuses (403) a path that leaves every root
 * lexically (`..`, another absolute path) or through a symlink, and (404) one that does not exist.
 */
export async function resolveMediaPath(requested: unknown, roots: readonly string[], field = 'path'): Promise<string> {
  const { text, real } = await containedRealPath(requested, roots, field, 'not-found');
  const stat = await fs.stat(real);
  if (!stat.isFile()) throw new ApiProblem('bad-request', `${field} "${text}" is not a file.`, { field });
  return real;
}

/**
 * Resolves a requested folder (a model folder, a character gallery) to its real path under one
 * of `roots`, as {@link resolveMediaPath} does for files; a folder that does not exist or is a
 * file is a 400 naming `field`, since the request, not the route, is at fault.
 */
export async function resolveMediaFolder(requested: unknown, roots: readonly string[], field: string): Promise<string> {
  const { text, real } = await containedRealPath(requested, roots, field, 'bad-request');
  if (!(await fs.stat(real)).isDirectory()) throw new ApiProblem('bad-request', `${field} "${text}" is not a folder.`, { field });
  return real;
}

/** The real path of `requested` when it and its real path stay under a root; `missing` is the problem for a path that does not exist. */
async function containedRealPath(requested: unknown, roots: readonly string[], field: string, missing: 'not-found' | 'bad-request'): Promise<{ text: string; real: string }> {
  const text = checkText(requested, field);
  if (roots.length === 0) throw new ApiProblem('forbidden-path', 'The server has no media roots configured; start it with --media-root.', { field });
  const absolute = path.resolve(roots[0]!, text);
  if (!roots.some((r) => isInside(r, absolute))) {
    throw new ApiProblem('forbidden-path', `${field} "${text}" is outside the media roots; give a path under ${roots.join(' or ')}.`, { field });
  }
  let real: string;
  try {
    real = await fs.realpath(absolute);
  } catch {
    throw new ApiProblem(missing, `${field} "${text}" does not exist under the media roots.`, { field });
  }
  if (!roots.some((r) => isInside(r, real))) {
    throw new ApiProblem('forbidden-path', `${field} "${text}" leads outside the media roots through a symbolic link.`, { field });
  }
  return { text, real };
}

/**
 * Resolves an artifact name (`analysis.json`, `keyframes/shot-0001.jpg`) to a regular file
 * inside `outDir`; anything else (`..`, absolute names, symlinks out, folders, missing files)
 * is a 403 or a 404.
 */
export async function resolveArtifact(outDir: string, name: unknown): Promise<string> {
  const text = checkText(name, 'name');
  let realOut: string;
  try {
    realOut = await fs.realpath(outDir);
  } catch {
    throw new ApiProblem('not-found', 'The job has no output folder yet.');
  }
  const segments = text.split(/[\\/]/);
  if (path.isAbsolute(text) || segments.includes('..')) {
    throw new ApiProblem('forbidden-path', `Artifact name "${text}" must be a plain name inside the job's output folder.`, { field: 'name' });
  }
  const candidate = path.join(realOut, ...segments);
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch {
    throw new ApiProblem('not-found', `The job has no artifact "${text}".`, { field: 'name' });
  }
  if (!isInside(realOut, real) || real === realOut) {
    throw new ApiProblem('forbidden-path', `Artifact "${text}" leads outside the job's output folder.`, { field: 'name' });
  }
  if (!(await fs.stat(real)).isFile()) throw new ApiProblem('not-found', `Artifact "${text}" is not a file.`, { field: 'name' });
  return real;
}

/** Every file under `outDir`, as artifact names with `/` separators (hidden staging files left out). */
export async function listArtifacts(outDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isFile()) out.push(`${prefix}${e.name}`);
      else if (e.isDirectory() && depth < 2) await walk(path.join(dir, e.name), `${prefix}${e.name}/`, depth + 1);
    }
  };
  await walk(outDir, '', 0);
  return out.sort();
}
