// `roughcut export` and `analyze --format`: every format written from analysis.json, bad analysis files as exit 2.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAnalysis } from './edl-fixtures.js';
import { runCli } from './helpers/cli.js';
import { renderGraph, tempDir } from './helpers/media.js';
import { validateFcpxml } from './helpers/fcpxml-dtd.js';
import { parseXml } from './helpers/xml-reader.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => { ({ dir, cleanup } = await tempDir('roughcut-export-')); });
afterAll(() => cleanup());

describe('roughcut export', () => {
  it('writes every format atomically into --out, one path per line on stdout', async () => {
    const analysis = makeAnalysis({ name: 'news cut.mp4', fps: [30000, 1001], dropFrame: true, frameCount: 3000, boundaries: [212, 1800] });
    const file = path.join(dir, 'analysis.json');
    await writeFile(file, JSON.stringify(analysis));
    const out = path.join(dir, 'out');
    const run = await runCli(['export', file, '--format', 'edl,fcp7,fcpxml,otio,markers,csv,json,html', '--out', out, '--review-below', '0.99', '--fcpxml-version', '1.11']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const names = ['news cut.edl', 'news cut.xml', 'news cut.fcpxml', 'news cut.otio', 'news cut.markers.edl', 'news cut.markers.csv', 'news cut.csv', 'news cut.json', 'news cut.html'];
    expect(run.stdout.trim().split('\n')).toEqual(names.map((n) => path.join(out, n)));
    expect((await readdir(out)).sort()).toEqual([...names].sort());
    const fcpxml = parseXml(await readFile(path.join(out, 'news cut.fcpxml'), 'utf8'));
    expect(validateFcpxml(fcpxml)).toEqual([]);
    expect(fcpxml.attrs.version).toBe('1.11');
    expect(await readFile(path.join(out, 'news cut.markers.edl'), 'utf8')).toMatch(/\* LOC: 01:00:07;02 RED/);
    expect(JSON.parse(await readFile(path.join(out, 'news cut.json'), 'utf8'))).toEqual(analysis);
    expect(JSON.parse(await readFile(path.join(out, 'news cut.otio'), 'utf8')).OTIO_SCHEMA).toBe('Timeline.1');
  });

  it('answers a missing, invalid or wrong-version analysis.json and an unknown format with exit 2 and the file name', async () => {
    const bad = path.join(dir, 'bad.json');
    const old = path.join(dir, 'old.json');
    await writeFile(bad, '{ "version": 1, ');
    await writeFile(old, JSON.stringify({ version: 7 }));
    const cases: [string[], RegExp][] = [
      [['export', path.join(dir, 'missing.json')], /missing\.json: no such file/],
      [['export', bad, '--format', 'fcp7'], /bad\.json: not valid JSON/],
      [['export', old, '--format', 'otio'], /old\.json: not a roughcut analysis of version 1 \(version 7\)/],
      [['export', old, '--format', 'aaf'], /unknown export format "aaf"/],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });
});

describe('roughcut analyze --format', () => {
  it('writes the chosen formats beside the EDL, report and analysis.json in the same run', async () => {
    const video = await renderGraph(path.join(dir, 'two shots.mp4'),
      'color=c=red:s=160x90:r=25:d=1[a];color=c=blue:s=160x90:r=25:d=1[b];[a][b]concat=n=2:v=1:a=0[v]');
    const out = path.join(dir, 'analyzed');
    const run = await runCli(['analyze', video, '--out', out, '--format', 'fcp7,fcpxml,otio,markers,csv,edl']);
    expect(run.code, run.stderr).toBe(0);
    const files = (await readdir(path.join(out, 'two shots'))).sort();
    expect(files).toEqual(['analysis.json', 'contact-sheet.jpg', 'keyframes', 'report.html', 'two shots.csv', 'two shots.edl', 'two shots.fcpxml', 'two shots.markers.csv', 'two shots.markers.edl', 'two shots.otio', 'two shots.xml']);
    const analysis = JSON.parse(await readFile(path.join(out, 'two shots', 'analysis.json'), 'utf8')) as { shots: unknown[] };
    const xml = await readFile(path.join(out, 'two shots', 'two shots.xml'), 'utf8');
    expect(xml.match(/<clipitem /g)).toHaveLength(analysis.shots.length);
    expect((await runCli(['analyze', video, '--out', out, '--format', 'nope'])).code).toBe(2);
  }, 60_000);
});
