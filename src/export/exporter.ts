// The one small interface every output format implements; formats are leaves found by name or suffix.
import type { AnalysisResult } from '../core/types.js';

/**
 * An output format: a pure `render` from an analysis (and the format's own option bag) to the
 * file's text. `name` is what `--format` takes; `suffix` is the file name ending, with its dot.
 */
export interface Exporter<Options extends object = object> {
  readonly name: string;
  readonly suffix: string;
  /** Renders the whole file. Pure: no I/O, the caller writes it (atomically). */
  render(analysis: AnalysisResult, options: Options): string;
}
