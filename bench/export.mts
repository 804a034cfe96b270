// Export bench: a synthetic 1-hour, 1,000-shot analysis written in every format (seconds), and a frame-exact round-trip table.
// Run: npx tsx bench/export.mts
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rational } from '../src/core/rational.js';
import type { AnalysisResult, Shot, Transition } from '../src/core/types.js';
import { renderEdl } from '../src/export/edl.js';
import { renderFcp7Xml } from '../src/export/fcp7-xml.js';
import { renderFcpxml } from '../src/export/fcpxml.js';
import { renderOtio } from '../src/export/otio.js';
import { exporters } from '../src/export/registry.js';
import { writeExports } from '../src/export/write-exports.js';
import { kid, kids, kidText, parseXml } from '../test/helpers/xml-reader.js';

const SHOTS = 1000;

/** A 1-hour analysis with SHOTS shots of pseudo-random length, a dissolve every 7th, labels, segments, some low confidences. */
function syntheticAnalysis(fps: [number, number], dropFrame: boolean): AnalysisResult {
  const rate = rational(fps[0], fps[1]);
  const frameCount = Math.round((3600 * fps[0]) / fps[1]);
  let seed = 12345;
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const weights = Array.from({ length: SHOTS }, () => 0.5 + random());
  const total = weights.reduce((a, b) => a + b, 0);
  const starts: number[] = [0];
  let acc = 0;
  for (let i = 0; i < SHOTS - 1; i++) { acc += weights[i]!; starts.push(Math.round((acc / total) * frameCount)); }
  const transitions: Transition[] = [];
  const shots: Shot[] = starts.map((start, i) => {
    const end = starts[i + 1] ?? frameCount;
    const confidence = Math.round((0.3 + random() * 0.7) * 100) / 100;
    let transition: Shot['transition'] = { type: 'start' };
    if (i > 0 && i % 7 === 0) {
      transition = { type: 'dissolve', startFrame: start - 6, endFrame: start + 6 };
      transitions.push({ type: 'dissolve', startFrame: start - 6, endFrame: start + 6, confidence });
    } else if (i > 0) {
      transition = { type: 'cut' };
      transitions.push({ type: 'cut', frame: start, confidence });
    }
    const key = Math.floor((start + end) / 2);
    return { index: i, startFrame: start, endFrame: end, transition, keyframe: { frame: key, image: `keyframes/${String(key).padStart(6, '0')}.jpg` }, labels: (i % 3 === 0 ? { anchor: 0.9 } : { field: 0.7 }) as Record<string, number>, characters: [], scale: null };
  });
  const segments = shots.filter((_, i) => i % 10 === 0).map((s, i, all) => ({ startFrame: s.startFrame, endFrame: all[i + 1]?.startFrame ?? frameCount, label: i % 2 ? 'field' : 'anchor', confidence: 0.8 }));
  return {
    version: 1,
    source: { path: '/media/in/hour long.mxf', name: 'hour long.mxf', fps: rate, dropFrame, frameCount, durationSeconds: 3600, startTimecode: dropFrame ? '09:59:00;04' : '09:59:00:00', width: 1920, height: 1080, variableFrameRate: false },
    transitions, shots, segments, keyframes: [], classifier: { model: null, backend: null, classes: [] }, timing: { seconds: 0, framesPerSecond: 0 }, settings: {},
  };
}

interface Placed { source: number; record: number; duration: number }

// Readers written from the formats, sharing no code with src/export (times in frames from the start timecodes).
function readFcp7(text: string): Placed[] {
  const track = kid(kid(kid(kid(parseXml(text), 'sequence'), 'media'), 'video'), 'track');
  return kids(track, 'clipitem').map((c) => ({ source: Number(kidText(c, 'in')), record: Number(kidText(c, 'start')), duration: Number(kidText(c, 'out')) - Number(kidText(c, 'in')) }));
}
function readFcpxml(text: string, fps: [number, number]): Placed[] {
  const root = parseXml(text);
  const frames = (v: string | undefined): number => {
    const m = /^(\d+)(?:\/(\d+))?s$/.exec(v ?? '')!;
    const num = BigInt(m[1]!) * BigInt(fps[0]);
    const den = BigInt(m[2] ?? '1') * BigInt(fps[1]);
    return num % den === 0n ? Number(num / den) : NaN;
  };
  const asset = kid(kid(root, 'resources'), 'asset');
  const sequence = kid(kid(kid(kid(root, 'library'), 'event'), 'project'), 'sequence');
  return kids(kid(sequence, 'spine'), 'asset-clip').map((c) => ({ source: frames(c.attrs.start) - frames(asset.attrs.start), record: frames(c.attrs.offset) - frames(sequence.attrs.tcStart), duration: frames(c.attrs.duration) }));
}
function readOtio(text: string): Placed[] {
  const doc = JSON.parse(text) as { tracks: { children: { children: { OTIO_SCHEMA: string; source_range: { start_time: { value: number }; duration: { value: number } }; media_reference: { available_range: { start_time: { value: number } } } }[] }[] } };
  let record = 0;
  return doc.tracks.children[0]!.children.map((c) => {
    const placed = { source: c.source_range.start_time.value - c.media_reference.available_range.start_time.value, record, duration: c.source_range.duration.value };
    record += c.source_range.duration.value;
    return placed;
  });
}
function labelFrames(tc: string, nominal: number, drop: boolean): number {
  const [hh, mm, ss, ff] = tc.split(/[:;]/).map(Number) as [number, number, number, number];
  const minutes = hh * 60 + mm;
  return (minutes * 60 + ss) * nominal + ff - (drop ? (nominal / 15) * (minutes - Math.floor(minutes / 10)) : 0);
}
function readEdl(text: string, nominal: number, drop: boolean, sourceStart: string, recordStart: string): Placed[] {
  const s0 = labelFrames(sourceStart, nominal, drop);
  const r0 = labelFrames(recordStart, nominal, drop);
  return text.split('\n').filter((l) => /^\d{3} {2}/.test(l)).map((l) => {
    const [si, so, ri] = l.trim().split(/ +/).slice(-4).map((tc) => labelFrames(tc, nominal, drop)) as [number, number, number, number];
    return { source: si - s0, record: ri - r0, duration: so - si };
  });
}

function percentExact(read: Placed[], a: AnalysisResult): string {
  let ok = 0;
  let record = 0;
  a.shots.forEach((s, i) => {
    const r = read[i];
    if (r && r.source === s.startFrame && r.record === record && r.duration === s.endFrame - s.startFrame) ok += 1;
    record += s.endFrame - s.startFrame;
  });
  return `${((100 * ok) / a.shots.length).toFixed(1)}%`;
}

const RATES: { label: string; fps: [number, number]; drop: boolean }[] = [
  { label: '23.976', fps: [24000, 1001], drop: false }, { label: '25', fps: [25, 1], drop: false },
  { label: '29.97 DF', fps: [30000, 1001], drop: true }, { label: '59.94 DF', fps: [60000, 1001], drop: true },
];

const dir = await mkdtemp(path.join(os.tmpdir(), 'roughcut-bench-export-'));
try {
  const hour = syntheticAnalysis([30000, 1001], true);
  await writeExports(hour, exporters, dir); // warm-up (JIT)
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await writeExports(hour, exporters, dir);
    runs.push((performance.now() - t0) / 1000);
  }
  runs.sort((a, b) => a - b);
  console.log(`every format (${exporters.map((e) => e.name).join(', ')}) for a 1-hour ${SHOTS}-shot 29.97 DF analysis: median ${runs[2]!.toFixed(3)} s, best ${runs[0]!.toFixed(3)} s (target < 2 s)`);
  for (const e of exporters) {
    const t0 = performance.now();
    e.render(hour, {});
    console.log(`  ${e.name.padEnd(12)} ${((performance.now() - t0) / 1000).toFixed(3)} s`);
  }

  console.log('\nround trip: % of clips whose source in, record position and duration come back identical to the frame');
  console.log('| rate | edl (strict reader) | fcp7 (xml reader) | fcpxml (xml reader) | otio (json reader) |');
  console.log('|---|---|---|---|---|');
  for (const r of RATES) {
    const a = syntheticAnalysis(r.fps, r.drop);
    const nominal = Math.round(r.fps[0] / r.fps[1]);
    const edl = readEdl(renderEdl(a, {}), nominal, r.drop, a.source.startTimecode, '01:00:00:00');
    console.log(`| ${r.label} | ${percentExact(edl, a)} | ${percentExact(readFcp7(renderFcp7Xml(a)), a)} | ${percentExact(readFcpxml(renderFcpxml(a), r.fps), a)} | ${percentExact(readOtio(renderOtio(a)), a)} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
