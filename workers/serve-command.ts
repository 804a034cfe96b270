// `roughcut serve`: the HTTP API for editor toolchains, over the BullMQ analysis queue; logs JSON lines on stderr.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Command } from 'commander';
import { asRoughcutError, RoughcutError } from '../src/core/errors.js';
import { createLogger, type Logger } from '../src/core/logger.js';
import { EXIT, type CommandPlugin, type Io } from '../src/cli/main.js';
import { requiredToken } from './api/auth.js';
import type { JobBackend } from './api/job-backend.js';
import { realRoots } from './api/media-paths.js';
import { buildApiServer } from './api/server.js';
import { openQueueBackend } from './api/queue-backend.js';
import { describeRedisUrl, resolveConnection, type QueueConnection } from './connection.js';

/** The options of `roughcut serve`, as parsed from flags and environment. */
export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly redisUrl: string | undefined;
  /** Queue key prefix (`--prefix`); default ROUGHCUT_QUEUE_PREFIX or `roughcut`, as the workers use. */
  readonly prefix?: string | undefined;
  readonly mediaRoots: readonly string[];
  readonly uploadRoot: string | undefined;
  /** Where job results go (default `<first media root>/roughcut-out`); workers must see it at the same path. */
  readonly outRoot: string | undefined;
  readonly token: string | undefined;
  readonly localOnly: boolean;
  readonly uploadLimitMb: number;
}

/** Opens the job backend on a queue connection with results under `outRoot`; tests may pass their own. */
export type BackendOpener = (connection: QueueConnection, outRoot: string, logger: Logger) => Promise<JobBackend>;

function parsePositiveInt(text: string, flag: string, max: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RoughcutError('BAD_ARGUMENT', `--${flag} must be an integer from 1 to ${max}, got "${text}".`);
  return v;
}

/** Reads serve's flags with their environment fallbacks (ROUGHCUT_API_TOKEN, ROUGHCUT_MEDIA_ROOT, REDIS_URL). */
export function serveOptions(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): ServeOptions {
  const roots = Array.isArray(opts.mediaRoot) ? (opts.mediaRoot as string[])
    : (env.ROUGHCUT_MEDIA_ROOT ?? '').split(path.delimiter).filter(Boolean);
  return {
    port: opts.port === '0' ? 0 : parsePositiveInt(String(opts.port ?? '8080'), 'port', 65535),
    host: String(opts.host ?? '127.0.0.1'),
    redisUrl: typeof opts.redis === 'string' ? opts.redis : undefined,
    prefix: typeof opts.prefix === 'string' ? opts.prefix : undefined,
    mediaRoots: roots,
    uploadRoot: typeof opts.uploadRoot === 'string' ? opts.uploadRoot : undefined,
    outRoot: typeof opts.outRoot === 'string' ? opts.outRoot : undefined,
    token: typeof opts.token === 'string' ? opts.token : env.ROUGHCUT_API_TOKEN,
    localOnly: opts.localOnly === true,
    uploadLimitMb: parsePositiveInt(String(opts.uploadLimit ?? '2048'), 'upload-limit', 1024 * 1024),
  };
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  } catch {
    // dist/workers sits one level deeper than workers/.
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  }
}

/**
 * Checks everything that can be checked before touching Redis (token rule, media roots,
 * upload folder), then opens the queue, listens, and runs until SIGINT/SIGTERM.
 */
export async function runServe(options: ServeOptions, io: Io, openBackend: BackendOpener = openQueueBackend, stop?: Promise<void>): Promise<number> {
  const logger = createLogger('info', (line) => io.stderr.write(line));
  const token = requiredToken(options);
  if (options.mediaRoots.length === 0) {
    throw new RoughcutError('BAD_ARGUMENT', 'serve needs at least one --media-root DIR (or ROUGHCUT_MEDIA_ROOT): the API only reads files under them.');
  }
  let roots: string[];
  try {
    roots = await realRoots(options.mediaRoots);
  } catch (error) {
    throw new RoughcutError('BAD_ARGUMENT', `--media-root must name existing folders: ${(error as Error).message}.`, { cause: error });
  }
  const uploadDir = path.resolve(options.uploadRoot ?? path.join(roots[0]!, 'uploads'));
  await fs.mkdir(uploadDir, { recursive: true });
  const uploadRoot = await fs.realpath(uploadDir);
  const outRoot = path.resolve(options.outRoot ?? path.join(roots[0]!, 'roughcut-out'));
  await fs.mkdir(outRoot, { recursive: true });
  const connection = await resolveConnection({ ...(options.redisUrl ? { redis: options.redisUrl } : {}), ...(options.prefix ? { prefix: options.prefix } : {}) });
  const backend = await openBackend(connection, outRoot, logger);
  const app = await buildApiServer({
    backend, mediaRoots: roots, uploadRoot, token, uploadLimitBytes: options.uploadLimitMb * 1024 * 1024, version: packageVersion(), logger,
  });
  try {
    const address = await app.listen({ port: options.port, host: options.host });
    logger.info('listening', {
      address, redis: describeRedisUrl(connection.url), prefix: connection.prefix, mediaRoots: roots, uploadRoot, outRoot,
      auth: token === undefined ? 'off (local only)' : 'bearer',
    });
    await (stop ?? new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }));
    logger.info('shutting down', {});
  } finally {
    await app.close();
  }
  return EXIT.ok;
}

/** Registers `roughcut serve` on the program. */
export const serveCommand: CommandPlugin = (program: Command, io: Io, setExit: (code: number) => void) => {
  program.command('serve')
    .description('HTTP API for editor toolchains: queue analyses of files under the media roots or uploads, follow progress (SSE), download outputs')
    .option('--port <port>', 'TCP port', '8080')
    .option('--host <host>', 'address to listen on; anything but loopback needs a token', '127.0.0.1')
    .option('--redis <url>', 'Redis URL (default: REDIS_URL, roughcut.config.json, else redis://127.0.0.1:6379; key prefix from ROUGHCUT_QUEUE_PREFIX)')
    .option('--prefix <name>', 'queue key prefix, the same as the workers\' (default: ROUGHCUT_QUEUE_PREFIX or "roughcut")')
    .option('--media-root <dir...>', 'folders jobs may read from (repeatable; default: ROUGHCUT_MEDIA_ROOT, separated by ":")')
    .option('--upload-root <dir>', 'where uploads are stored; must be on storage the workers share (default: <first media root>/uploads)')
    .option('--out-root <dir>', 'where job results go; must be on storage the workers share (default: <first media root>/roughcut-out)')
    .option('--token <token>', 'bearer token clients must send (default: ROUGHCUT_API_TOKEN)')
    .option('--local-only', 'allow running without a token, on a loopback --host only')
    .option('--upload-limit <MB>', 'largest upload in megabytes', '2048')
    .action(async (opts: Record<string, unknown>) => {
      try {
        setExit(await runServe(serveOptions(opts, process.env), io));
      } catch (thrown) {
        const error = asRoughcutError(thrown);
        io.stderr.write(`roughcut serve: ${error.message}\n`);
        setExit(error.isInputError ? EXIT.usage : EXIT.failed);
      }
    });
};
