// What the HTTP API needs from the queue: create, look up, cancel and follow analysis jobs.
import type { ModelOptions } from '../../src/cli/model-options.js';
import type { AnalysisSettings } from '../../src/core/settings.js';
import type { RoughCutRules } from '../../src/export/rules.js';

/** A validated request for one analysis: the real path of a file under a media root. */
export interface AnalysisRequest {
  readonly path: string;
  /** Only the settings the client gave, already parsed through the settings table. */
  readonly settings?: Partial<AnalysisSettings>;
  /** Export format names (registry names), beside the EDL, report and analysis.json. */
  readonly formats?: readonly string[];
  /** Scene classifier folder, character recognition (gallery a real path under a media root) and backend, already checked. */
  readonly models?: ModelOptions;
  /** Rough-cut rules for the EDL and the exports, already parsed. */
  readonly rules?: RoughCutRules;
}

/** A job as the API shows it. */
export interface JobView {
  readonly id: string;
  /** BullMQ's state (`waiting`, `active`, `completed`, `failed`, `delayed`, ...) or `unknown`. */
  readonly state: string;
  readonly progress: unknown;
  /** The media file the job analyses. */
  readonly path?: string;
  /** The folder its outputs go to, when known (from the job data or its result). */
  readonly outDir?: string;
  /** What the worker returned (paths of the outputs), once completed. */
  readonly result?: unknown;
  readonly failedReason?: string;
  /** True when a cancel was asked for while the job was running. */
  readonly cancelRequested?: boolean;
  readonly createdAt?: number;
  readonly finishedAt?: number;
}

/** One event about one job, as streamed to clients. */
export type JobEvent =
  | { readonly type: 'progress'; readonly data: unknown }
  | { readonly type: 'completed'; readonly result: unknown }
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'removed' };

/** What a cancel did: removed a queued job, asked a running one to stop, or found it finished/missing. */
export type CancelOutcome = 'removed' | 'cancelling' | 'finished' | 'missing';

/** The queue behind the API; the BullMQ one lives in bullmq-backend.ts, tests may pass another. */
export interface JobBackend {
  /** Queues an analysis; `deduplicated` when an equal job was already queued and is returned instead. */
  create(request: AnalysisRequest): Promise<{ jobId: string; deduplicated: boolean }>;
  get(id: string): Promise<JobView | undefined>;
  cancel(id: string): Promise<CancelOutcome>;
  /** Calls `listener` with the events of job `id` until the returned function is called. */
  subscribe(id: string, listener: (event: JobEvent) => void): Promise<() => void>;
  /** Registers the queues with a dashboard (bull-board), when the backend has any. */
  dashboardQueues?(): readonly unknown[];
  close(): Promise<void>;
}
