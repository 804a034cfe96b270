// What every roughcut worker shares: its Redis connection, concurrency and lock/stall timings.
import type { WorkerOptions } from 'bullmq';
import { redisOptions, type QueueConnection } from './connection.js';

/** How long a job's lock lasts before it must be extended; it is extended every half of it. */
export const DEFAULT_LOCK_DURATION_MS = 60_000;
/** How often a worker looks for jobs whose lock expired (their worker died). */
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
/** A job that stalls more often than this is failed instead of being taken again. */
export const DEFAULT_MAX_STALLED_COUNT = 2;

/** Options every worker takes. */
export interface WorkerBaseOptions {
  readonly connection: QueueConnection;
  readonly concurrency?: number;
  /** Lock duration in ms; default {@link DEFAULT_LOCK_DURATION_MS}. */
  readonly lockDurationMs?: number;
  /** Default {@link DEFAULT_STALLED_INTERVAL_MS}. */
  readonly stalledIntervalMs?: number;
  /** Default {@link DEFAULT_MAX_STALLED_COUNT}. */
  readonly maxStalledCount?: number;
}

/** The BullMQ Worker options for `options`, with `defaultConcurrency` when none is given. */
export function bullWorkerOptions(options: WorkerBaseOptions, defaultConcurrency: number): WorkerOptions {
  return {
    connection: redisOptions(options.connection, 'worker'),
    prefix: options.connection.prefix,
    concurrency: options.concurrency ?? defaultConcurrency,
    lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
  };
}
