// Marker lists (Resolve LOC EDL, Premiere CSV), the per-shot CSV and the JSON export: parsed back and checked to the frame.
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { renderMarkerCsv, renderMarkerEdl } from '../src/export/markers.js';
import { findExporter, resolveExporters } from '../src/export/registry.js';
import { renderAnalysisJson, renderShotCsv } from '../src/export/shot-table.js';
import { makeAnalysis } from './edl-fixtures.js';

/** RFC 4180 reader: quoted fields with doubled quotes and embedded commas/newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  expect(field).toBe('');
  return rows;
}

/** 29.97 DF label -> frame count, from the SMPTE definition (independent of src/core/timecode.ts). */
function dfFrames(tc: string): number {
  const [hh, mm, ss, ff] = tc.split(/[:;]/).map(Number) as [number, number, number, number];
  const minutes = hh * 60 + mm;
  return (minutes * 60 + ss) * 30 + ff - 2 * (minutes - Math.floor(minutes / 10));
}

function fixture(): AnalysisResult {
  const base = makeAnalysis({ name: 'news, "late".mp4', fps: [30000, 1001], dropFrame: true, frameCount: 5000, boundaries: [212, { type: 'dissolve', startFrame: 390, endFrame: 405 }, 1800, 3600] });
  return {
    ...base,
    transitions: base.transitions.map((t, i) => (i === 0 || i === 2 ? { ...t, confidence: 0.41 } : t)),
    segments: [{ startFrame: 0, endFrame: 1800, label: 'anchor', confidence: 0.9 }, { startFrame: 1800, endFrame: 5000, label: 'field report', confidence: 0.7 }],
  };
}

describe('marker lists', () => {
  it('markers-edl: one event per marker with a LOC line at its record timecode, coloured by kind', () => {
    const text = renderMarkerEdl(fixture());
    const lines = text.split('\n');
    expect(lines[1]).toBe('FCM: DROP FRAME');
    const locs = lines.filter((l) => l.startsWith('* LOC:'));
    const events = lines.filter((l) => /^\d{3} {2}/.test(l));
    expect(locs).toHaveLength(4);
    expect(events).toHaveLength(4);
    const parsed = locs.map((l) => /^\* LOC: (\d\d:\d\d:\d\d;\d\d) (\w+) +(.*)$/.exec(l)!.slice(1));
    // record start 01:00:00;00 = frame 107892; markers: label at 0, review cut at 212, review cut at 1800 + label at 1800
    expect(parsed.map(([tc, colour]) => [dfFrames(tc!) - 107892, colour])).toEqual([[0, 'GREEN'], [212, 'RED'], [1800, 'GREEN'], [1800, 'RED']]);
    expect(locs[1]).toMatch(/^\* LOC: 01:00:07;02 RED {5}Review cut \(0\.41\)/);
    events.forEach((e, i) => expect(e.split(/ +/).slice(-2)[0]).toBe(parsed[i]![0]));
  });

  it('markers-csv: Premiere columns, record in/out/duration, quoted text', () => {
    const rows = parseCsv(renderMarkerCsv(fixture(), { reviewBelow: 0.5 }));
    expect(rows[0]).toEqual(['Marker Name', 'Description', 'In', 'Out', 'Duration', 'Marker Type']);
    expect(rows.slice(1).map((r) => [r[0], dfFrames(r[2]!) - 107892, dfFrames(r[3]!) - dfFrames(r[2]!), r[4], r[5]])).toEqual([
      ['anchor', 0, 1, '00:00:00;01', 'Comment'], ['Review cut (0.41)', 212, 1, '00:00:00;01', 'Comment'],
      ['field report', 1800, 1, '00:00:00;01', 'Comment'], ['Review cut (0.41)', 1800, 1, '00:00:00;01', 'Comment'],
    ]);
    expect(rows[1]![1]).toContain('label "anchor"');
  });

  it('csv: a row per shot with frames, source timecode, transition, confidence, keyframe, labels', () => {
    const a = fixture();
    const rows = parseCsv(renderShotCsv(a));
    expect(rows[0]).toEqual(['index', 'start_frame', 'end_frame', 'source_tc_in', 'source_tc_out', 'duration_frames', 'transition', 'confidence', 'keyframe', 'labels']);
    expect(rows).toHaveLength(a.shots.length + 1);
    rows.slice(1).forEach((r, i) => {
      const s = a.shots[i]!;
      expect([Number(r[1]), Number(r[2]), dfFrames(r[3]!), dfFrames(r[4]!), Number(r[5]), r[6], Number(r[8])]).toEqual([s.startFrame, s.endFrame, s.startFrame, s.endFrame, s.endFrame - s.startFrame, s.transition.type, s.keyframe.frame]);
    });
    expect(rows[1]![7]).toBe('');
    expect(rows[2]![7]).toBe('0.41');
    expect(rows[3]![7]).toBe('0.8');
    expect(rows[1]![9]).toBe('anchor:0.91;studio:0.4');
  });

  it('json: the analysis itself; registry names, suffixes and the markers group', () => {
    const a = fixture();
    expect(JSON.parse(renderAnalysisJson(a))).toEqual(a);
    expect(findExporter('x.markers.edl')?.name).toBe('markers-edl');
    expect(findExporter('x.markers.csv')?.name).toBe('markers-csv');
    expect(findExporter('x.edl')?.name).toBe('edl');
    expect(findExporter('x.csv')?.name).toBe('csv');
    const all = resolveExporters('edl,fcp7,fcpxml,otio,markers,csv,json,html,edl');
    expect(all.unknown).toEqual([]);
    expect(all.exporters.map((e) => e.name)).toEqual(['edl', 'fcp7', 'fcpxml', 'otio', 'markers-edl', 'markers-csv', 'csv', 'json', 'html']);
    expect(resolveExporters('edl,aaf').unknown).toEqual(['aaf']);
  });
});
