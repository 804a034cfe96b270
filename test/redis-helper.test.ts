// The test Redis helper itself: a real server that answers, stops and comes back with its data.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from './helpers/redis.js';

/** Sends one inline command and returns the first reply line. */
async function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
    socket.once('data', (d) => { resolve(d.toString().split('\r\n')[0]!); socket.end(); });
    socket.once('error', reject);
  });
}

let redis: TestRedis;
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => redis.close());

describe('test redis', () => {
  it('answers, and keeps its data across a stop and start', async () => {
    expect(await command(redis.port, 'PING')).toBe('+PONG');
    expect(await command(redis.port, 'SET roughcut-test 1')).toBe('+OK');
    await redis.stop();
    await expect(command(redis.port, 'PING')).rejects.toThrow();
    await redis.start();
    expect(await command(redis.port, 'GET roughcut-test')).toBe('$1');
  });
});
