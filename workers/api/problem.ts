// HTTP problem details (RFC 9457): the one error shape the API answers with, and the mapping from RoughcutError.
import { RoughcutError, type ErrorCode } from '../../src/core/errors.js';

/** The media type of every error body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An error body: `type` is a stable URI per kind of problem, `detail` a sentence a person can act on. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The request field at fault, when one is (`path`, `settings.minShotSeconds`). */
  readonly field?: string;
  /** The RoughcutError code behind it, when there is one. */
  readonly code?: ErrorCode;
}

/** The kinds of problem the API reports, each with its status and title. */
export const PROBLEMS = {
  'unauthorized': { status: 401, title: 'Missing or wrong bearer token' },
  'forbidden-path': { status: 403, title: 'Path outside the media roots' },
  'bad-request': { status: 400, title: 'Bad request' },
  'invalid-setting': { status: 400, title: 'Invalid setting' },
  'not-found': { status: 404, title: 'Not found' },
  'conflict': { status: 409, title: 'Conflict with the job state' },
  'too-large': { status: 413, title: 'Upload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'unavailable': { status: 503, title: 'Queue unavailable' },
  'internal': { status: 500, title: 'Internal error' },
} as const;

/** One of the kinds in {@link PROBLEMS}. */
export type ProblemKind = keyof typeof PROBLEMS;

/** Thrown by route handlers; the server's error handler turns it into a problem body. */
export class ApiProblem extends Error {
  readonly kind: ProblemKind;
  readonly field: string | undefined;
  readonly code: ErrorCode | undefined;

  constructor(kind: ProblemKind, detail: string, options: { field?: string; code?: ErrorCode; cause?: unknown } = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiProblem';
    this.kind = kind;
    this.field = options.field;
    this.code = options.code;
  }

  get status(): number {
    return PROBLEMS[this.kind].status;
  }

  /** The JSON body for this problem. */
  toBody(): ProblemBody {
    return problemBody(this.kind, this.message, { field: this.field, code: this.code });
  }
}

/** A problem body of `kind` with `detail`. */
export function problemBody(kind: ProblemKind, detail: string, extra: { field?: string | undefined; code?: ErrorCode | undefined } = {}): ProblemBody {
  const { status, title } = PROBLEMS[kind];
  return {
    type: `urn:roughcut:problem:${kind}`, title, status, detail,
    ...(extra.field === undefined ? {} : { field: extra.field }),
    ...(extra.code === undefined ? {} : { code: extra.code }),
  };
}

/** Errors about the input file: the request is at fault, not the server. */
const NOT_FOUND_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['FILE_NOT_FOUND']);

/**
 * Translates anything a handler threw into a problem: ApiProblem as is, RoughcutError by its
 * code (input errors 400, a missing file 404, the rest 500), fastify's own client errors
 * (bad JSON, body too large) by their status, anything else 500 without internals.
 */
export function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof RoughcutError) {
    const kind: ProblemKind = NOT_FOUND_CODES.has(error.code) ? 'not-found'
      : error.code === 'BAD_ARGUMENT' ? 'invalid-setting' : error.isInputError ? 'bad-request' : 'internal';
    return new ApiProblem(kind, error.message, { code: error.code, cause: error });
  }
  const status = typeof (error as { statusCode?: unknown })?.statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 413) return new ApiProblem('too-large', message, { cause: error });
  if (status === 415) return new ApiProblem('unsupported-media-type', message, { cause: error });
  if (status === 404) return new ApiProblem('not-found', message, { cause: error });
  if (status >= 400 && status < 500) return new ApiProblem('bad-request', message, { cause: error });
  return new ApiProblem('internal', 'The server failed to handle the request; see its log.', { cause: error });
}
