// Bad input through the CLI: one clear sentence naming the file, the right exit code, no partial
// output, and the other inputs of the same call still analysed.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ffmpeg, tempDir } from './helpers/media.js';

let dir: string;
let cleanup: () => Promise<void>;
let good: string;

async function tinyClip(file: string, extra: string[] = []): Promise<string> {
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=1', ...extra, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
  return file;
}

/** Output folders and stray staging entries under `out`. */
async function outputsIn(out: string): Promise<string[]> {
  return existsSync(out) ? (await fs.readdir(out)).sort() : [];
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  good = await tinyClip(path.join(dir, 'good.mp4'));
}, 60_000);

afterAll(async () => cleanup());

interface Case {
  readonly name: string;
  readonly make: () => Promise<string>;
  readonly message: RegExp;
}

const CASES: Case[] = [
  { name: 'zero-byte file', make: async () => { const f = path.join(dir, 'empty.mp4'); await fs.writeFile(f, ''); return f; }, message: /empty/i },
  { name: 'text file named .mp4', make: async () => { const f = path.join(dir, 'notes.mp4'); await fs.writeFile(f, 'shot list\nscene 1\n'.repeat(50)); return f; }, message: /not a (video|media)|not recogni|no video|cannot read/i },
  { name: 'truncated MP4 (moov at the end, cut in half)', make: async () => {
    const whole = await tinyClip(path.join(dir, 'whole.mp4'));
    const bytes = await fs.readFile(whole);
    const f = path.join(dir, 'truncated.mp4');
    await fs.writeFile(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
    return f;
  }, message: /truncat|incomplete|damaged|moov/i },
  { name: 'audio-only file', make: async () => {
    const f = path.join(dir, 'tone.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', f]);
    return f;
  }, message: /no video/i },
  { name: 'directory', make: async () => { const f = path.join(dir, 'a folder.mp4'); await fs.mkdir(f, { recursive: true }); return f; }, message: /folder|directory|not a file/i },
  { name: 'missing path', make: async () => path.join(dir, 'nowhere', 'missing.mp4'), message: /not (found|exist)|no such/i },
];

describe('bad input', () => {
  for (const c of CASES) {
    it(`${c.name}: exit 2, one sentence naming the file, no output, the good input still analysed`, async () => {
      const bad = await c.make();
      const out = path.join(dir, `out-${c.name.replace(/\W+/g, '-')}`);
      const run = await runCli(['analyze', bad, good, '--out', out]);
      expect(run.code).toBe(2);
      const errors = run.stderr.trim().split('\n');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(bad);
      expect(errors[0]).toMatch(c.message);
      expect(await outputsIn(out)).toEqual(['good']);
      expect(existsSync(path.join(out, 'good', 'analysis.json'))).toBe(true);
    });
  }

  it.skipIf(process.getuid?.() === 0)('unreadable file: exit 2 naming the file', async () => {
    const f = await tinyClip(path.join(dir, 'locked.mp4'));
    await fs.chmod(f, 0o000);
    const out = path.join(dir, 'out-locked');
    const run = await runCli(['analyze', f, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(f);
    expect(run.stderr).toMatch(/permission|readable|read/i);
    expect(await outputsIn(out)).toEqual([]);
  });

  it('a file still being written: exit 2, says to wait, nothing written', async () => {
    const f = path.join(dir, 'copying.mp4');
    await fs.copyFile(good, f);
    const writer = setInterval(() => { void fs.appendFile(f, Buffer.alloc(4096)); }, 50);
    try {
      const out = path.join(dir, 'out-copying');
      const run = await runCli(['analyze', f, '--out', out]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(f);
      expect(run.stderr).toMatch(/still being (written|copied)|growing|changing/i);
      expect(await outputsIn(out)).toEqual([]);
    } finally {
      clearInterval(writer);
    }
  });

  it('names with spaces, quotes, unicode and a leading dash are analysed', async () => {
    const names = ['with space.mp4', `it's "quoted".mp4`, 'Ünïcødé 日本.mp4', '-dash.mp4'];
    const files = [];
    for (const n of names) {
      const f = path.join(dir, 'names', n);
      await fs.mkdir(path.dirname(f), { recursive: true });
      await fs.copyFile(good, f);
      files.push(f);
    }
    const out = path.join(dir, 'out-names');
    const cwd = process.cwd();
    process.chdir(path.join(dir, 'names'));
    try {
      // The leading-dash name is given relative, after --, as a user would type it.
      const run = await runCli(['analyze', '--out', out, '--', ...files.slice(0, 3), '-dash.mp4']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(await outputsIn(out)).toEqual(['-dash', 'with space', `it's "quoted"`, 'Ünïcødé 日本'].sort());
    const edl = await fs.readFile(path.join(out, 'Ünïcødé 日本', 'Ünïcødé 日本.edl'), 'utf8');
    expect(edl).toContain('* FROM CLIP NAME: Ünïcødé 日本.mp4');
  });

  it('usage errors exit 2 with help pointer', async () => {
    const none = await runCli(['analyze']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing required argument/i);
    const unknown = await runCli(['analyze', good, '--no-such-flag']);
    expect(unknown.code).toBe(2);
    const badValue = await runCli(['analyze', good, '--min-shot', 'abc']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('--min-shot');
    const help = await runCli(['analyze', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--edl-profile');
  });
});

