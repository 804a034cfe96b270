// Marker lists for Resolve (a CMX 3600 EDL of `* LOC:` locators) and Premiere (marker CSV): pure renderers.
import { fcmName } from '../core/timecode.js';
import type { AnalysisResult } from '../core/types.js';
import { csvRow } from './markup.js';
import { planTimecode, planTimeline, type MarkerColor, type TimelineMarker, type TimelineOptions, type TimelinePlan } from './timeline.js';

/** Options of the marker lists: the timeline's (events, record start, review threshold). */
export type MarkerListOptions = TimelineOptions;

/** Locator colour names Resolve and Avid read from `* LOC:` lines. */
const LOC_COLORS: Readonly<Record<MarkerColor, string>> = { red: 'RED', green: 'GREEN', blue: 'BLUE', yellow: 'YELLOW' };

/** Marker text on one line of printable ASCII (EDL readers are ASCII and line-based). */
function locText(marker: TimelineMarker): string {
  return `${marker.name}: ${marker.note}`.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]+/g, ' ').trim();
}

const recordTc = (plan: TimelinePlan, frame: number): string => planTimecode(plan, plan.recordStart + frame);

/**
 * Renders the timeline's markers (one per low-confidence transition, red; one per label
 * segment start, green) as a CMX 3600 EDL of locators, as Resolve's "Timeline Markers from
 * EDL" import reads it: one one-frame event per marker on reel `AX` at the marker's record
 * timecode (source timecode of the frame it marks), followed by
 * `* LOC: <record TC> <COLOUR padded to 7> <text>`. Pure.
 */
export function renderMarkerEdl(analysis: AnalysisResult, options: MarkerListOptions = {}): string {
  const plan = planTimeline(analysis, options);
  const lines = [`TITLE: ${plan.title.replace(/[^\x20-\x7e]+/g, '_')} markers`, `FCM: ${fcmName(plan.format)}`];
  plan.markers.forEach((m, i) => {
    const src = plan.sourceStart + m.sourceFrame;
    lines.push('',
      `${String((i % 999) + 1).padStart(3, '0')}  ${'AX'.padEnd(8)} ${'V'.padEnd(4)}  ${'C'.padEnd(4)}     `
      + `${planTimecode(plan, src)} ${planTimecode(plan, src + 1)} ${recordTc(plan, m.recordFrame)} ${recordTc(plan, m.recordFrame + 1)}`,
      `* LOC: ${recordTc(plan, m.recordFrame)} ${LOC_COLORS[m.color].padEnd(7)} ${locText(m)}`);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Renders the same markers as a Premiere Pro style marker CSV: `Marker Name, Description, In,
 * Out, Duration, Marker Type` with record timecodes, type `Comment`. The CSV has no colour
 * column; the kind is in the name. Pure.
 */
export function renderMarkerCsv(analysis: AnalysisResult, options: MarkerListOptions = {}): string {
  const plan = planTimeline(analysis, options);
  const rows = [csvRow(['Marker Name', 'Description', 'In', 'Out', 'Duration', 'Marker Type'])];
  for (const m of plan.markers) {
    rows.push(csvRow([m.name, m.note, recordTc(plan, m.recordFrame), recordTc(plan, m.recordFrame + m.durationFrames),
      planTimecode(plan, m.durationFrames), 'Comment']));
  }
  return `${rows.join('\n')}\n`;
}
