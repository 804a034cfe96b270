// The model thread: load failures surface as RoughcutErrors, requests sent before a failed load fail too.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelHost } from '../src/classify/model-host.js';
import { tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterAll(async () => cleanup());

describe('model host', () => {
  it('a model folder with a broken labels.json fails start with BAD_MODEL naming the folder', async () => {
    const model = path.join(dir, 'broken');
    await fs.mkdir(model);
    await fs.writeFile(path.join(model, 'labels.json'), '{ not json');
    const error = await ModelHost.start({ model }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_MODEL' });
    expect((error as Error).message).toContain(model);
  }, 60_000);

  it('requests sent while the thread loads fail with the load error instead of hanging', async () => {
    const host = ModelHost.launch({ model: path.join(dir, 'missing') });
    const frame = { index: 0, ptsSeconds: 0, width: 4, height: 2, data: new Uint8Array(24) };
    const answers = await Promise.allSettled([host.classify([frame]), host.ready]);
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    expect((answers[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'BAD_MODEL' });
    await host.close();
  }, 60_000);
});
