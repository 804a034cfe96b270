// One error type with a code, a retryable flag and the file it concerns; boundaries translate it.

/** What went wrong, as a stable code that the CLI, workers and API switch on. */
export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'NOT_A_FILE'
  | 'UNREADABLE'
  | 'EMPTY_FILE'
  | 'FILE_GROWING'
  | 'NOT_MEDIA'
  | 'NO_VIDEO_STREAM'
  | 'TRUNCATED'
  | 'UNSUPPORTED_FRAME_RATE'
  | 'PROBE_FAILED'
  | 'DECODE_FAILED'
  | 'FFMPEG_MISSING'
  | 'OUTPUT_FAILED'
  | 'BAD_ARGUMENT'
  | 'BAD_MODEL'
  | 'BAD_DATA'
  | 'CLASSIFIER_FAILED'
  | 'ABORTED';

/** Codes that mean the input (or the call) is wrong: exit code 2, no retry. */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FILE_NOT_FOUND', 'NOT_A_FILE', 'UNREADABLE', 'EMPTY_FILE', 'FILE_GROWING', 'NOT_MEDIA',
  'NO_VIDEO_STREAM', 'TRUNCATED', 'UNSUPPORTED_FRAME_RATE', 'BAD_ARGUMENT', 'BAD_MODEL', 'BAD_DATA',
]);

export interface RoughcutErrorOptions {
  /** The file the error is about, named in the message shown to people. */
  file?: string;
  /** True when trying again later may succeed (ffmpeg killed, file still being copied). */
  retryable?: boolean;
  /** The tail of ffmpeg's stderr, when ffmpeg failed. */
  stderr?: string;
  cause?: unknown;
}

/**
 * The error every stage throws. `message` is one sentence a person can act on: it names the
 * file, says what is wrong and what to do.
 */
export class RoughcutError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly retryable: boolean;
  readonly stderr: string | undefined;

  constructor(code: ErrorCode, message: string, options: RoughcutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RoughcutError';
    this.code = code;
    this.file = options.file;
    this.retryable = options.retryable ?? false;
    this.stderr = options.stderr;
  }

  /** True when the input or the call is at fault rather than the analysis. */
  get isInputError(): boolean {
    return INPUT_CODES.has(this.code);
  }
}

/** Wraps anything thrown into a RoughcutError, keeping one that already is. */
export function asRoughcutError(error: unknown, file?: string): RoughcutError {
  if (error instanceof RoughcutError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new RoughcutError('ABORTED', `${file ?? 'analysis'}: cancelled.`, { file, cause: error });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new RoughcutError('DECODE_FAILED', `${file ? `${file}: ` : ''}${text}`, { file, cause: error });
}
