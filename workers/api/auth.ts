// Bearer-token authentication for the API: constant-time comparison and the start-up rule (no token only on loopback with --local-only).
import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { RoughcutError } from '../../src/core/errors.js';

/** True for host names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1]!.startsWith('127.');
}

/**
 * The token the server will require, or `undefined` when it may run open. Refuses (BAD_ARGUMENT)
 * to run without a token unless `localOnly` is set and `host` is loopback, and refuses
 * `localOnly` on a non-loopback host whatever the token.
 */
export function requiredToken(options: { token?: string | undefined; host: string; localOnly?: boolean | undefined }): string | undefined {
  const token = options.token === undefined || options.token === '' ? undefined : options.token;
  if (options.localOnly && !isLoopbackHost(options.host)) {
    throw new RoughcutError('BAD_ARGUMENT', `--local-only needs a loopback --host (127.0.0.1, ::1 or localhost), got "${options.host}".`);
  }
  if (token === undefined && !options.localOnly) {
    throw new RoughcutError('BAD_ARGUMENT', 'serve needs a token: pass --token or set ROUGHCUT_API_TOKEN (or use --local-only on a loopback host for an open local server).');
  }
  return token;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Compares a presented token with the expected one in constant time: both are hashed first so
 * neither the content nor the length of the expected token leaks through timing.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The token carried by an Authorization header: `Bearer <token>`, or, so that a browser can
 * open the queue dashboard, `Basic` credentials whose password is the token (any user name).
 */
export function presentedToken(header: string | undefined, allowBasic: boolean): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  if (!allowBasic) return undefined;
  const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
