// Progress reporting: one callback shape shared by the CLI bar, the worker and the API stream.

/** The pipeline stage a progress event belongs to. */
export type Stage = 'probe' | 'decode' | 'detect' | 'keyframes' | 'export';

/** One progress event: `done` of `total` units of `stage` for `file`. */
export interface ProgressEvent {
  readonly file: string;
  readonly stage: Stage;
  readonly done: number;
  readonly total: number;
}

export type ProgressCallback = (event: ProgressEvent) => void;
