// The deployment files parse and say what docs/deploy.md promises (Docker itself is not run here).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// js-yaml is already in node_modules (through eslint); loaded untyped rather than adding a dependency.
const yaml = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => unknown };

type Service = {
  command?: string[]; environment?: Record<string, string>; volumes?: string[]; profiles?: string[];
  deploy?: { replicas?: number; resources?: { reservations?: { devices?: { capabilities?: string[]; driver?: string }[] } } };
  build?: { args?: Record<string, string> };
};
const compose = yaml.load(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };

describe('docker-compose.yml', () => {
  it('has redis with persistence, the API, scalable CPU workers and a GPU worker', () => {
    const { redis, api, worker, 'worker-gpu': gpu } = compose.services;
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(api?.command?.[0]).toBe('serve');
    expect(api?.environment?.ROUGHCUT_API_TOKEN).toMatch(/^\$\{ROUGHCUT_API_TOKEN:\?/);
    expect(worker?.command?.[0]).toBe('worker');
    expect(worker?.deploy?.replicas).toBeGreaterThanOrEqual(1);
    const devices = gpu?.deploy?.resources?.reservations?.devices ?? [];
    expect(devices[0]?.capabilities).toEqual(['gpu']);
    expect(gpu?.build?.args?.EXTRA_NPM_PACKAGES).toBe('@tensorflow/tfjs-node-gpu');
    expect(gpu?.environment?.ROUGHCUT_FFMPEG_HWACCEL).toBe('cuda');
  });

  it('mounts the media volume at the same path in every roughcut service, with one Redis URL', () => {
    for (const name of ['api', 'worker', 'worker-gpu']) {
      const service = compose.services[name]!;
      expect(service.volumes, name).toContain('media:/media/roughcut');
      expect(service.environment?.REDIS_URL, name).toMatch(/redis:\/\/redis:6379/);
    }
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['media', 'redis-data']));
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  it('is multi-stage on node:20-bookworm-slim, installs ffmpeg, falls back to npm install, runs as non-root', () => {
    expect(text).toMatch(/ARG NODE_IMAGE=node:20-bookworm-slim/);
    expect(text.match(/^FROM /gm)?.length).toBe(2);
    expect(text).toMatch(/apt-get install[^\n]*ffmpeg/);
    expect(text).toMatch(/npm ci[\s\S]*\|\|[\s\S]*npm install/);
    expect(text).toMatch(/^USER roughcut$/m);
  });
});
