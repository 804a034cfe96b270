// FCPXML export: every output checked against the DTD rules for its elements, and every time read back to the frame.
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { fcpxmlTime, renderFcpxml, type FcpxmlOptions } from '../src/export/fcpxml.js';
import { findExporter } from '../src/export/registry.js';
import { makeAnalysis, type FixtureSpec } from './edl-fixtures.js';
import { validateFcpxml } from './helpers/fcpxml-dtd.js';
import { kid, kids, parseXml } from './helpers/xml-reader.js';

/** An FCPXML time value as an exact fraction of seconds [num, den]. */
function seconds(value: string | undefined): [bigint, bigint] {
  const m = /^(\d+)(?:\/(\d+))?s$/.exec(value ?? '');
  if (!m) throw new Error(`not a time value: ${value}`);
  return [BigInt(m[1]!), BigInt(m[2] ?? '1')];
}

/** Time value -> frames at fpsNum/fpsDen; throws unless it is a whole number of frames. */
function toFrames(value: string | undefined, fpsNum: number, fpsDen: number): number {
  const [n, d] = seconds(value);
  const num = n * BigInt(fpsNum);
  const den = d * BigInt(fpsDen);
  if (num % den !== 0n) throw new Error(`${value} is not a whole frame at ${fpsNum}/${fpsDen}`);
  return Number(num / den);
}

export interface FcpxmlClip { name: string; source: number; record: number; duration: number; markers: { start: number; duration: number; value: string; completed?: string }[] }

/** Reads an FCPXML back: validates it, then returns each asset-clip in frames relative to the asset start and tcStart. */
export function readFcpxml(text: string): { version: string; tcFormat: string; tcStart: number; assetStart: number; src: string; clips: FcpxmlClip[]; gaps: [number, number][] } {
  const root = parseXml(text);
  expect(validateFcpxml(root)).toEqual([]);
  const resources = kid(root, 'resources');
  const format = kid(resources, 'format');
  const [fdNum, fdDen] = seconds(format.attrs.frameDuration);
  const fpsNum = Number(fdDen);
  const fpsDen = Number(fdNum);
  const asset = kid(resources, 'asset');
  const sequence = kid(kid(kid(kid(root, 'library'), 'event'), 'project'), 'sequence');
  const frames = (v: string | undefined): number => toFrames(v, fpsNum, fpsDen);
  const tcStart = frames(sequence.attrs.tcStart);
  const assetStart = frames(asset.attrs.start);
  const spine = kid(sequence, 'spine');
  const clips = kids(spine, 'asset-clip').map((c) => ({
    name: c.attrs.name ?? '', source: frames(c.attrs.start) - assetStart, record: frames(c.attrs.offset) - tcStart, duration: frames(c.attrs.duration),
    markers: kids(c, 'marker').map((m) => ({ start: frames(m.attrs.start) - assetStart, duration: frames(m.attrs.duration), value: m.attrs.value ?? '', ...(m.attrs.completed ? { completed: m.attrs.completed } : {}) })),
  }));
  const gaps = kids(spine, 'gap').map((g) => [frames(g.attrs.offset) - tcStart, frames(g.attrs.duration)] as [number, number]);
  return { version: root.attrs.version ?? '', tcFormat: sequence.attrs.tcFormat ?? '', tcStart, assetStart, src: kid(asset, 'media-rep').attrs.src ?? '', clips, gaps };
}

const RATES: { label: string; spec: FixtureSpec; tcStart: number; assetStart: number }[] = [
  { label: '23.976', spec: { name: 'a.mov', fps: [24000, 1001], dropFrame: false, frameCount: 4000, boundaries: [100, { type: 'dissolve', startFrame: 390, endFrame: 405 }, 2000], startTimecode: '10:00:00:00' }, tcStart: 86400, assetStart: 864000 },
  { label: '25', spec: { name: 'a.mxf', fps: [25, 1], dropFrame: false, frameCount: 4000, boundaries: [100, 1777, 2000], startTimecode: '10:00:00:00' }, tcStart: 90000, assetStart: 900000 },
  { label: '29.97 DF', spec: { name: 'a.mp4', fps: [30000, 1001], dropFrame: true, frameCount: 5000, boundaries: [212, 1799, 1800, 3600], startTimecode: '00:59:59;28' }, tcStart: 107892, assetStart: 107890 },
  { label: '59.94 DF', spec: { name: 'a.mp4', fps: [60000, 1001], dropFrame: true, frameCount: 9000, boundaries: [212, 3596, 7200], startTimecode: '01:00:00;00' }, tcStart: 215784, assetStart: 215784 },
];

describe('FCPXML', () => {
  it('writes exact reduced rational times', () => {
    const ntsc = { num: 30000, den: 1001 };
    expect(fcpxmlTime(1, ntsc)).toBe('1001/30000s');
    // 30 frames = 30030/30000 s, fully reduced (the brief's "3003/3000s" is the same value, reduced only by 10).
    expect(fcpxmlTime(30, ntsc)).toBe('1001/1000s');
    expect(fcpxmlTime(3, ntsc)).toBe('1001/10000s');
    expect(fcpxmlTime(90, ntsc)).toBe('3003/1000s');
    expect(fcpxmlTime(0, ntsc)).toBe('0s');
    expect(fcpxmlTime(90000, { num: 25, den: 1 })).toBe('3600s');
  });

  for (const rate of RATES) {
    it(`${rate.label}: valid, and every clip's source, record and duration come back to the frame`, () => {
      const a = makeAnalysis(rate.spec);
      const text = renderFcpxml(a);
      const read = readFcpxml(text);
      expect([read.version, read.tcFormat, read.tcStart, read.assetStart]).toEqual(['1.9', rate.spec.dropFrame ? 'DF' : 'NDF', rate.tcStart, rate.assetStart]);
      expect(read.clips.map((c) => [c.source, c.record, c.duration])).toEqual(a.shots.map((s) => [s.startFrame, s.startFrame, s.endFrame - s.startFrame]));
      expect(read.gaps).toEqual([]);
    });
  }

  it('lays out selected events with gaps in the source layout, and review markers as red to-do markers', () => {
    const a = makeAnalysis(RATES[2]!.spec);
    const withLow: AnalysisResult = { ...a, transitions: a.transitions.map((t, i) => (i === 1 ? { ...t, confidence: 0.3 } : t)) };
    const events = [{ startFrame: 300, endFrame: 400 }, { startFrame: 1700, endFrame: 1900 }];
    for (const options of [{ events }, { events, layout: 'source' }] as FcpxmlOptions[]) {
      const read = readFcpxml(renderFcpxml(withLow, options));
      const placed = options.layout === 'source';
      expect(read.clips.map((c) => [c.source, c.record, c.duration])).toEqual([[300, placed ? 300 : 0, 100], [1700, placed ? 1700 : 100, 200]]);
      expect(read.gaps).toEqual(placed ? [[0, 300], [400, 1300]] : []);
      expect(read.clips[1]!.markers).toEqual([{ start: 1799, duration: 1, value: 'Review cut (0.30)', completed: '0' }]);
    }
  });

  it('writes 1.10 and 1.11 on request, a file URL, and refuses other versions', () => {
    const a = makeAnalysis({ ...RATES[1]!.spec, name: 'Ünïcode #1 50%.mxf' });
    const withPath = { ...a, source: { ...a.source, path: '/media/Ünïcode #1 50%.mxf' } };
    for (const version of ['1.10', '1.11'] as const) expect(readFcpxml(renderFcpxml(withPath, { version })).version).toBe(version);
    expect(readFcpxml(renderFcpxml(withPath)).src).toBe('file:///media/%C3%9Cn%C3%AFcode%20%231%2050%25.mxf');
    expect(() => renderFcpxml(a, { version: '1.8' as '1.9' })).toThrow(/1\.9, 1\.10, 1\.11/);
    expect(findExporter('fcpxml')?.suffix).toBe('.fcpxml');
  });

  it('the validator catches what it should', () => {
    const bad = parseXml('<fcpxml version="1.9"><resources><asset id="r2" start="2/4s"/></resources><library><event><project><sequence format="r9"><spine><asset-clip offset="1.5s"/></spine></sequence></project></event></library></fcpxml>');
    const problems = validateFcpxml(bad).join('\n');
    expect(problems).toMatch(/asset: children "" do not match/);
    expect(problems).toMatch(/not reduced/);
    expect(problems).toMatch(/required attribute ref missing/);
    expect(problems).toMatch(/offset="1.5s" is not a time value/);
    expect(problems).toMatch(/reference r9/);
  });
});
