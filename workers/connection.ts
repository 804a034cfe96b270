// Where the queue lives: the Redis URL (flag, env, config file, default) and a Cluster-safe key prefix.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RedisOptions } from 'bullmq';
import { RoughcutError } from '../src/core/errors.js';

/** Redis used when neither `--redis`, `REDIS_URL` nor roughcut.config.json names one. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Key prefix used when neither `--prefix` nor `ROUGHCUT_QUEUE_PREFIX` names one; wrapped in `{}`. */
export const DEFAULT_QUEUE_PREFIX = 'roughcut';
/** The config file read from the current folder for `redis.url` / `redis.prefix`. */
export const CONFIG_FILE = 'roughcut.config.json';

/** A resolved queue location: what every queue, worker and event stream of roughcut is opened with. */
export interface QueueConnection {
  /** `redis://` or `rediss://` URL. */
  readonly url: string;
  /** BullMQ key prefix, always holding a `{hash tag}` so a queue's keys share one Cluster slot. */
  readonly prefix: string;
}

/** Where {@link resolveConnection} looks, first match wins: flags, then env, then the config file. */
export interface ResolveConnectionOptions {
  /** `--redis URL`. */
  readonly redis?: string;
  /** `--prefix P`. */
  readonly prefix?: string;
  /** Environment to read `REDIS_URL` and `ROUGHCUT_QUEUE_PREFIX` from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder holding roughcut.config.json; default `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Wraps `prefix` in a Redis Cluster hash tag (`roughcut` → `{roughcut}`) unless it already holds
 * one, so every key BullMQ makes for a queue (`{roughcut}:roughcut-analyze:...`) hashes to one slot.
 */
export function hashTagPrefix(prefix: string): string {
  return /\{[^{}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}

async function readConfig(cwd: string): Promise<{ url?: string; prefix?: string }> {
  const file = path.join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const redis = (JSON.parse(text) as { redis?: { url?: unknown; prefix?: unknown } } | null)?.redis;
    return {
      ...(typeof redis?.url === 'string' ? { url: redis.url } : {}),
      ...(typeof redis?.prefix === 'string' ? { prefix: redis.prefix } : {}),
    };
  } catch (cause) {
    throw new RoughcutError('BAD_ARGUMENT', `${file}: not valid JSON (${(cause as Error).message}); fix it or remove it.`, { file, cause });
  }
}

/**
 * The Redis URL and key prefix to use: `--redis`, else `REDIS_URL`, else `redis.url` in
 * ./roughcut.config.json, else {@link DEFAULT_REDIS_URL}; the prefix likewise from `--prefix`,
 * `ROUGHCUT_QUEUE_PREFIX`, `redis.prefix`, {@link DEFAULT_QUEUE_PREFIX}.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for a URL that is not redis:// or rediss://.
 */
export async function resolveConnection(options: ResolveConnectionOptions = {}): Promise<QueueConnection> {
  const env = options.env ?? process.env;
  const needConfig = options.redis === undefined && !env.REDIS_URL || options.prefix === undefined && !env.ROUGHCUT_QUEUE_PREFIX;
  const config = needConfig ? await readConfig(options.cwd ?? process.cwd()) : {};
  const url = options.redis ?? (env.REDIS_URL || undefined) ?? config.url ?? DEFAULT_REDIS_URL;
  const prefix = options.prefix ?? (env.ROUGHCUT_QUEUE_PREFIX || undefined) ?? config.prefix ?? DEFAULT_QUEUE_PREFIX;
  redisOptions({ url, prefix: hashTagPrefix(prefix) });
  if (prefix.includes(':')) throw new RoughcutError('BAD_ARGUMENT', `queue prefix "${prefix}" must not contain ":"; choose a plain name such as "roughcut".`);
  return { url, prefix: hashTagPrefix(prefix) };
}

/** What a connection is for: workers and event streams block and must wait out outages forever. */
export type ConnectionRole = 'worker' | 'producer';

/**
 * ioredis options for `connection.url`. Workers and QueueEvents get `maxRetriesPerRequest: null`
 * (BullMQ's blocking commands must never give up during an outage); producers keep ioredis'
 * default so a call fails instead of hanging forever when Redis stays down.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for a URL that is not redis:// or rediss://.
 */
export function redisOptions(connection: QueueConnection, role: ConnectionRole = 'worker'): RedisOptions {
  let u: URL;
  try {
    u = new URL(connection.url);
  } catch {
    throw new RoughcutError('BAD_ARGUMENT', `Redis URL "${connection.url}" is not a URL; give one like redis://127.0.0.1:6379.`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RoughcutError('BAD_ARGUMENT', `Redis URL "${connection.url}" must start with redis:// or rediss://.`);
  }
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(role === 'worker' ? { maxRetriesPerRequest: null } : {}),
    // Reconnect forever, backing off to 2 s between tries.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** The URL with any password hidden, for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
