// Reading analysis.json back and writing a set of exports beside it: the I/O around the pure renderers.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { RoughcutError } from '../core/errors.js';
import type { AnalysisResult } from '../core/types.js';
import type { Exporter } from './exporter.js';

/**
 * Reads and checks an analysis.json: it must exist, be JSON, be version 1 and have the
 * `source`, `shots` and `transitions` the exporters need.
 *
 * @throws RoughcutError `FILE_NOT_FOUND` / `BAD_ARGUMENT`, with a sentence naming the file.
 */
export async function loadAnalysis(file: string): Promise<AnalysisResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RoughcutError(missing ? 'FILE_NOT_FOUND' : 'UNREADABLE', `${file}: ${missing ? 'no such file' : `cannot be read (${(cause as Error).message})`}; give the analysis.json that roughcut analyze wrote.`, { file, cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new RoughcutError('BAD_ARGUMENT', `${file}: not valid JSON (${(cause as Error).message}); give the analysis.json that roughcut analyze wrote.`, { file, cause });
  }
  const a = data as Partial<AnalysisResult> | null;
  if (typeof a !== 'object' || a === null || a.version !== 1) {
    const version = typeof a === 'object' && a !== null ? JSON.stringify(a.version) : 'none';
    throw new RoughcutError('BAD_ARGUMENT', `${file}: not a roughcut analysis of version 1 (version ${version}); analyse the video again with this roughcut.`, { file });
  }
  const s = a.source;
  if (!s || typeof s.name !== 'string' || typeof s.fps?.num !== 'number' || typeof s.fps?.den !== 'number' || !Array.isArray(a.shots) || !Array.isArray(a.transitions)) {
    throw new RoughcutError('BAD_ARGUMENT', `${file}: analysis is missing its source, shots or transitions; analyse the video again.`, { file });
  }
  return { segments: [], keyframes: [], ...a } as AnalysisResult;
}

/** The file name an exporter writes for a source: `<stem><suffix>` (`news.fcpxml`, `news.markers.edl`). */
export function exportFileName(exporter: Exporter, sourceName: string): string {
  return `${path.parse(sourceName).name || 'roughcut'}${exporter.suffix}`;
}

/**
 * Renders `analysis` with each exporter (all given the same option bag; each reads the fields it
 * knows) and writes the files into `outDir` atomically. Returns the paths written, in order.
 */
export async function writeExports(analysis: AnalysisResult, exporters: readonly Exporter[], outDir: string, options: object = {}): Promise<string[]> {
  const rendered = exporters.map((e) => [path.join(outDir, exportFileName(e, analysis.source.name)), e.render(analysis, options)] as const);
  await fs.mkdir(outDir, { recursive: true });
  for (const [file, text] of rendered) {
    try {
      await writeFileAtomic(file, text);
    } catch (cause) {
      throw new RoughcutError('OUTPUT_FAILED', `${file}: could not be written (${(cause as Error).message}); check the folder's permissions and free space.`, { file, cause });
    }
  }
  return rendered.map(([file]) => file);
}
