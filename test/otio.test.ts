// OpenTimelineIO export: read back as plain JSON, every clip's source range and record position to the frame.
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { renderOtio, type OtioOptions } from '../src/export/otio.js';
import { findExporter } from '../src/export/registry.js';
import { makeAnalysis, type FixtureSpec } from './edl-fixtures.js';

interface RT { OTIO_SCHEMA: string; value: number; rate: number }
interface TR { OTIO_SCHEMA: string; start_time: RT; duration: RT }
interface Item { OTIO_SCHEMA: string; name: string; source_range: TR; markers?: { OTIO_SCHEMA: string; name: string; color: string; marked_range: TR }[]; metadata: { roughcut?: { labels: object; confidence: number | null; shot: number | null } }; media_reference?: { OTIO_SCHEMA: string; target_url: string; available_range: TR } }

/** Frames of a RationalTime at `fps`: the value must be a whole frame at exactly that rate. */
function frames(t: RT, fps: number): number {
  expect(t.OTIO_SCHEMA).toBe('RationalTime.1');
  expect(t.rate).toBe(fps);
  expect(Number.isInteger(t.value)).toBe(true);
  return t.value;
}

/** Reads an .otio back: each item with its source range and its record position (the sum of the items before it). */
export function readOtio(text: string): { start: number; rate: number; items: { schema: string; name: string; source: number; duration: number; record: number; item: Item }[] } {
  const doc = JSON.parse(text) as { OTIO_SCHEMA: string; global_start_time: RT; tracks: { OTIO_SCHEMA: string; children: { OTIO_SCHEMA: string; kind: string; children: Item[] }[] } };
  expect(doc.OTIO_SCHEMA).toBe('Timeline.1');
  expect(doc.tracks.OTIO_SCHEMA).toBe('Stack.1');
  const track = doc.tracks.children[0]!;
  expect([track.OTIO_SCHEMA, track.kind]).toEqual(['Track.1', 'Video']);
  const rate = doc.global_start_time.rate;
  let record = 0;
  const items = track.children.map((item) => {
    expect(item.source_range.OTIO_SCHEMA).toBe('TimeRange.1');
    const source = frames(item.source_range.start_time, rate);
    const duration = frames(item.source_range.duration, rate);
    const read = { schema: item.OTIO_SCHEMA, name: item.name, source, duration, record, item };
    record += duration;
    return read;
  });
  return { start: frames(doc.global_start_time, rate), rate, items };
}

const RATES: { label: string; spec: FixtureSpec; rate: number; sourceStart: number; recordStart: number }[] = [
  { label: '23.976', spec: { name: 'a.mov', fps: [24000, 1001], dropFrame: false, frameCount: 4000, boundaries: [100, { type: 'dissolve', startFrame: 390, endFrame: 405 }, 2000] }, rate: 23.976023976023978, sourceStart: 0, recordStart: 86400 },
  { label: '25', spec: { name: 'a.mxf', fps: [25, 1], dropFrame: false, frameCount: 4000, boundaries: [100, 2000], startTimecode: '10:00:00:00' }, rate: 25, sourceStart: 900000, recordStart: 90000 },
  { label: '29.97 DF', spec: { name: 'a.mp4', fps: [30000, 1001], dropFrame: true, frameCount: 5000, boundaries: [212, 1800, 3600], startTimecode: '00:59:59;28' }, rate: 29.97002997002997, sourceStart: 107890, recordStart: 107892 },
  { label: '59.94 DF', spec: { name: 'a.mp4', fps: [60000, 1001], dropFrame: true, frameCount: 9000, boundaries: [212, 7200] }, rate: 59.94005994005994, sourceStart: 0, recordStart: 215784 },
];

describe('OpenTimelineIO', () => {
  for (const r of RATES) {
    it(`${r.label}: source ranges, record positions and rate as OTIO writes it`, () => {
      const a = makeAnalysis(r.spec);
      const read = readOtio(renderOtio(a));
      expect([read.rate, read.start]).toEqual([r.rate, r.recordStart]);
      expect(read.items.map((i) => [i.schema, i.source - r.sourceStart, i.record, i.duration])).toEqual(a.shots.map((s) => ['Clip.1', s.startFrame, s.startFrame, s.endFrame - s.startFrame]));
      const first = read.items[0]!.item;
      expect(first.metadata.roughcut).toEqual({ labels: { anchor: 0.91, studio: 0.4 }, confidence: null, shot: 0 });
      expect(read.items[1]!.item.metadata.roughcut?.confidence).toBeTypeOf('number');
      expect(first.media_reference?.OTIO_SCHEMA).toBe('ExternalReference.1');
      expect(first.media_reference?.target_url).toBe(`file:///media/in/${r.spec.name}`);
      expect(frames(first.media_reference!.available_range.start_time, r.rate)).toBe(r.sourceStart);
    });
  }

  it('leaves gaps where selected events leave holes, and puts coloured review markers on the clip', () => {
    const base = makeAnalysis(RATES[2]!.spec);
    const a: AnalysisResult = { ...base, transitions: base.transitions.map((t, i) => (i === 1 ? { ...t, confidence: 0.2 } : t)) };
    const events = [{ startFrame: 300, endFrame: 400 }, { startFrame: 1700, endFrame: 1900 }];
    for (const options of [{ events, layout: 'source' }, { events }] as OtioOptions[]) {
      const read = readOtio(renderOtio(a, options));
      const source = options.layout === 'source';
      expect(read.items.map((i) => [i.schema, i.record, i.duration])).toEqual(source
        ? [['Gap.1', 0, 300], ['Clip.1', 300, 100], ['Gap.1', 400, 1300], ['Clip.1', 1700, 200]]
        : [['Clip.1', 0, 100], ['Clip.1', 100, 200]]);
      const clip = read.items.at(-1)!.item;
      expect(clip.markers?.map((m) => [m.OTIO_SCHEMA, m.color, frames(m.marked_range.start_time, read.rate) - 107890, frames(m.marked_range.duration, read.rate)])).toEqual([['Marker.2', 'RED', 1800, 1]]);
    }
    expect(findExporter('cut.otio')?.name).toBe('otio');
  });
});
