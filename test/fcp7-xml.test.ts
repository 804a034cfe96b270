// FCP7 XML export: an independent parse-back of every clip to the frame, and OpenShot's real importer on generated media.
import { execFile } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { renderFcp7Xml, type Fcp7Options } from '../src/export/fcp7-xml.js';
import { findExporter } from '../src/export/registry.js';
import { makeAnalysis } from './edl-fixtures.js';
import { ffmpeg, tempDir } from './helpers/media.js';
import { kid, kids, kidText, parseXml, type XmlNode } from './helpers/xml-reader.js';
import { OPENSHOT_IMPORT, openshotSkipReason } from './helpers/nle.js';

const runFile = promisify(execFile);

/** What a reader of the XML sees for one clipitem, in frames. */
export interface Fcp7Clip { name: string; in: number; out: number; start: number; end: number; pathurl: string }

/** Reads the sequence's rate, timecode and clipitems; checks the structure OpenShot and Premiere rely on. */
export function readFcp7(text: string): { timebase: number; ntsc: boolean; tc: string; tcFrame: number; displayFormat: string; clips: Fcp7Clip[]; markers: XmlNode[] } {
  const root = parseXml(text);
  expect(root.name).toBe('xmeml');
  const sequence = kid(root, 'sequence');
  const rate = kid(sequence, 'rate');
  const timecode = kid(sequence, 'timecode');
  const track = kid(kid(kid(sequence, 'media'), 'video'), 'track');
  expect(kidText(track, 'locked')).toBe('FALSE');
  const clips = kids(track, 'clipitem').map((c) => {
    expect(c.children[0]?.name).toBe('name');
    const file = kid(c, 'file');
    return {
      name: kidText(c, 'name'), in: Number(kidText(c, 'in')), out: Number(kidText(c, 'out')),
      start: Number(kidText(c, 'start')), end: Number(kidText(c, 'end')), pathurl: kidText(file, 'pathurl'),
    };
  });
  return {
    timebase: Number(kidText(rate, 'timebase')), ntsc: kidText(rate, 'ntsc') === 'TRUE',
    tc: kidText(timecode, 'string'), tcFrame: Number(kidText(timecode, 'frame')), displayFormat: kidText(timecode, 'displayformat'),
    clips, markers: kids(sequence, 'marker'),
  };
}

const withPath = (a: AnalysisResult, file: string): AnalysisResult => ({ ...a, source: { ...a.source, path: file, name: path.basename(file) } });

describe('FCP7 XML', () => {
  it('writes every shot with source in/out and contiguous record start/end, file URL and DF timecode', () => {
    const a = withPath(makeAnalysis({ name: 'x.mp4', fps: [30000, 1001], dropFrame: true, frameCount: 5000, boundaries: [212, { type: 'dissolve', startFrame: 390, endFrame: 405 }, 3600], startTimecode: '00:59:59;28' }), '/media/in/My Show #2 100% é.mov');
    const text = renderFcp7Xml(a);
    const read = readFcp7(text);
    expect([read.timebase, read.ntsc, read.tc, read.tcFrame, read.displayFormat]).toEqual([30, true, '01:00:00;00', 107892, 'DF']);
    expect(read.clips.map((c) => [c.in, c.out, c.start, c.end])).toEqual(a.shots.map((s) => [s.startFrame, s.endFrame, s.startFrame, s.endFrame]));
    expect(read.clips.map((c) => c.name)).toEqual(['anchor', 'My Show #2 100% é.mov', 'anchor', 'My Show #2 100% é.mov']);
    for (const c of read.clips) {
      expect(c.pathurl).toBe('file:///media/in/My%20Show%20%232%20100%25%20%C3%A9.mov');
      expect(fileURLToPath(c.pathurl)).toBe('/media/in/My Show #2 100% é.mov');
    }
    expect(text).toContain('<string>00:59:59;28</string>');
    expect(text).toContain('<frame>107890</frame>');
    expect(text.match(/<file id="file-1">/g)).toHaveLength(4);
  });

  it('places selected events contiguously or at their source positions, with NDF at 25', () => {
    const a = makeAnalysis({ name: 'a.mxf', fps: [25, 1], dropFrame: false, frameCount: 1000, boundaries: [100, 300, 600] });
    const events = [{ startFrame: 310, endFrame: 400, name: 'pick 1' }, { startFrame: 650, endFrame: 900 }];
    const contiguous = readFcp7(renderFcp7Xml(a, { events, recordStart: '10:00:00:00' }));
    expect([contiguous.tc, contiguous.tcFrame, contiguous.displayFormat, contiguous.ntsc]).toEqual(['10:00:00:00', 900000, 'NDF', false]);
    expect(contiguous.clips.map((c) => [c.name, c.in, c.out, c.start, c.end])).toEqual([['pick 1', 310, 400, 0, 90], ['a.mxf', 650, 900, 90, 340]]);
    const placed = readFcp7(renderFcp7Xml(a, { events, layout: 'source' }));
    expect(placed.clips.map((c) => [c.start, c.end])).toEqual([[310, 400], [650, 900]]);
  });

  it('turns transitions below reviewBelow into sequence markers at their record frame', () => {
    const a = makeAnalysis({ name: 'a.mp4', fps: [25, 1], dropFrame: false, frameCount: 1000, boundaries: [100, { type: 'dissolve', startFrame: 390, endFrame: 405 }, 600] });
    const none = readFcp7(renderFcp7Xml(a));
    expect(none.markers).toHaveLength(0); // fixtures: cuts 0.95, dissolves 0.8
    const read = readFcp7(renderFcp7Xml(a, { reviewBelow: 0.9 }));
    expect(read.markers.map((m) => [kidText(m, 'name'), Number(kidText(m, 'in')), Number(kidText(m, 'out'))])).toEqual([['Review dissolve (0.80)', 390, 397]]); // clipped to the shot it starts in
  });

  it('is registered as fcp7 / .xml and refuses rates xmeml cannot express', () => {
    expect(findExporter('fcp7')?.suffix).toBe('.xml');
    expect(findExporter('cut.xml')?.name).toBe('fcp7');
    const odd = makeAnalysis({ name: 'a.mp4', fps: [25, 2], dropFrame: false, frameCount: 100, boundaries: [] });
    expect(() => renderFcp7Xml(odd)).toThrow(/cannot express 25\/2/);
  });
});

const skipReason = openshotSkipReason(OPENSHOT_IMPORT);

interface ImportedClip { title: string; path: string; position_frames: number; start_frames: number; end_frames: number }

/** Imports an XML through OpenShot 2.6.1's own importer; returns its status, prompts and clips. */
export async function openshotImportXml(file: string, fps: string): Promise<{ status: string; error: string | null; prompts: string[]; clips: ImportedClip[] }> {
  const { stdout } = await runFile('/usr/bin/python3', [OPENSHOT_IMPORT, file, '--fps', fps], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return JSON.parse(stdout) as { status: string; error: string | null; prompts: string[]; clips: ImportedClip[] };
}

describe.skipIf(skipReason !== undefined)(`OpenShot's FCP7 XML importer${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('roughcut-fcp7-'));
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=12', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(dir, 'clip25.mp4')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30000/1001:duration=12', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(dir, 'clip2997.mp4')]);
    await copyFile(path.join(dir, 'clip2997.mp4'), path.join(dir, 'Näme with #1 50%.mp4'));
  }, 60_000);
  afterAll(() => cleanup());

  const cases: { label: string; file: string; fps: [number, number]; fpsArg: string; drop: boolean; options: Fcp7Options; frames: number; boundaries: number[] }[] = [
    { label: '25p, generic file URL', file: 'clip25.mp4', fps: [25, 1], fpsArg: '25', drop: false, options: {}, frames: 300, boundaries: [40, 101, 211, 260] },
    { label: '29.97 DF, generic file URL', file: 'clip2997.mp4', fps: [30000, 1001], drop: true, fpsArg: '29.97', options: {}, frames: 359, boundaries: [31, 150, 299] },
    { label: '29.97 DF, openshot profile, name with space/#/%/unicode', file: 'Näme with #1 50%.mp4', fps: [30000, 1001], drop: true, fpsArg: '29.97', options: { profile: 'openshot' }, frames: 359, boundaries: [31, 150, 299] },
  ];
  for (const c of cases) {
    it(`${c.label}: every clip imported in place`, async () => {
      const a = withPath(makeAnalysis({ name: c.file, fps: c.fps, dropFrame: c.drop, frameCount: c.frames, boundaries: c.boundaries, startTimecode: '00:00:00:00' }), path.join(dir, c.file));
      const xmlFile = path.join(dir, `${c.label.replace(/\W+/g, '_')}.xml`);
      await writeFile(xmlFile, renderFcp7Xml(a, c.options));
      const result = await openshotImportXml(xmlFile, c.fpsArg);
      expect(result.status, result.error ?? '').toBe('ok');
      // The generic file URL is not a path to OpenShot: it asks for the folder once (answered with the media folder).
      expect(result.prompts.length).toBe(c.options.profile === 'openshot' ? 0 : 2);
      expect(result.clips).toHaveLength(a.shots.length);
      result.clips.forEach((clip, i) => {
        const shot = a.shots[i]!;
        expect(clip.path).toBe(path.join(dir, c.file));
        expect(Math.abs(clip.position_frames - shot.startFrame)).toBeLessThan(0.01);
        expect(Math.abs(clip.start_frames - shot.startFrame)).toBeLessThan(0.01);
        expect(Math.abs(clip.end_frames - shot.endFrame)).toBeLessThan(0.01);
      });
    }, 120_000);
  }
});
