// Progress on stderr: a redrawn bar on a terminal, JSON lines with --json, nothing otherwise.
import path from 'node:path';
import type { ProgressCallback, ProgressEvent } from '../core/progress.js';

/** Makes the progress callback for the CLI: `json` lines, a terminal bar, or silence. */
export function createProgressReporter(mode: 'json' | 'bar' | 'none', stream: NodeJS.WriteStream = process.stderr): { onProgress: ProgressCallback; done(): void } {
  if (mode === 'none') return { onProgress: () => {}, done: () => {} };
  if (mode === 'json') {
    return {
      onProgress: (e: ProgressEvent) => stream.write(`${JSON.stringify({ type: 'progress', ...e })}\n`),
      done: () => {},
    };
  }
  let lastDraw = 0;
  let drawn = false;
  return {
    onProgress: (e: ProgressEvent) => {
      const now = Date.now();
      if (now - lastDraw < 100 && e.done !== e.total) return;
      lastDraw = now;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
      const share = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
      const filled = Math.round(share * width);
      const name = path.basename(e.file).slice(0, 24);
      stream.write(`\r\x1b[2K${name} ${e.stage.padEnd(9)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${e.done}/${e.total}`);
      drawn = true;
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
