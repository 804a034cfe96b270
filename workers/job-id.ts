// Job ids from what a job computes: the sha256 of the file's content plus a canonical JSON of its parameters.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Read size for hashing: large reads keep sha256 near disk speed (about 1 GB/s). */
const HASH_CHUNK_BYTES = 4 << 20;

/** sha256 (hex) of the whole content of `file`, streamed so a many-GB file never sits in memory. */
export async function hashFileContent(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: HASH_CHUNK_BYTES, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * JSON with object keys sorted at every level and `undefined` members dropped, so equal
 * parameters always give the same text whatever order they were written in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The key of one analysis: sha256 over the content hash and the canonical parameters (settings,
 * formats, export options). Equal content with equal parameters gives an equal key wherever the
 * file lies or whatever it is called.
 */
export function analysisKey(contentHash: string, parameters: unknown): string {
  return createHash('sha256').update(contentHash).update('\n').update(canonicalJson(parameters)).digest('hex');
}

/** BullMQ id of the analyze job of `key` (no `:`, not an integer, as BullMQ requires). */
export function analyzeJobId(key: string): string {
  return `analyze-${key}`;
}

/** BullMQ id of the export job (the flow's parent) of `key`. */
export function exportJobId(key: string): string {
  return `export-${key}`;
}
