// OpenTimelineIO JSON (.otio) from an analysis: Timeline.1 > Stack.1 > Track.1 of Clip.1/Gap.1; a pure renderer.
import { pathToFileURL } from 'node:url';
import { toNumber } from '../core/rational.js';
import type { AnalysisResult } from '../core/types.js';
import { planTimeline, type MarkerColor, type TimelineOptions } from './timeline.js';

/** Options of {@link renderOtio}. */
export type OtioOptions = TimelineOptions;

const OTIO_COLORS: Readonly<Record<MarkerColor, string>> = { red: 'RED', green: 'GREEN', blue: 'BLUE', yellow: 'YELLOW' };

/**
 * Renders an analysis as an OpenTimelineIO document: one video track of `Clip.1`s (the schema
 * every OTIO release reads; newer ones upgrade it to Clip.2) whose `source_range` is in the
 * media's own time (starting at the source start timecode, as `available_range` does), an
 * `ExternalReference.1` with a `file://` `target_url`, `Gap.1`s where the `'source'` layout leaves
 * holes, `Marker.2`s (RED review, GREEN label) in their clip's source time, and
 * `metadata.roughcut` with each clip's labels, confidence and shot index. Times are
 * `RationalTime.1` with integer frame values and the rate as OTIO writes it (the float
 * 29.97002997002997 for 30000/1001). `global_start_time` is the record start. Pure.
 */
export function renderOtio(analysis: AnalysisResult, options: OtioOptions = {}): string {
  const { source } = analysis;
  const plan = planTimeline(analysis, options);
  const rate = toNumber(source.fps);
  const rt = (value: number): object => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
  const range = (start: number, duration: number): object => ({ OTIO_SCHEMA: 'TimeRange.1', duration: rt(duration), start_time: rt(start) });
  const targetUrl = pathToFileURL(source.path).href;

  const children: object[] = [];
  let at = 0;
  plan.clips.forEach((clip, i) => {
    if (clip.recordIn > at) {
      children.push({ OTIO_SCHEMA: 'Gap.1', metadata: {}, name: '', source_range: range(0, clip.recordIn - at), effects: [], markers: [], enabled: true });
    }
    children.push({
      OTIO_SCHEMA: 'Clip.1',
      metadata: { roughcut: { labels: clip.shot?.labels ?? {}, confidence: clip.confidence ?? null, shot: clip.shot?.index ?? null } },
      name: clip.name,
      source_range: range(plan.sourceStart + clip.sourceIn, clip.sourceOut - clip.sourceIn),
      effects: [],
      markers: plan.markers.filter((m) => m.clip === i).map((m) => ({
        OTIO_SCHEMA: 'Marker.2', metadata: { roughcut: { kind: m.kind } }, name: m.name, comment: m.note,
        color: OTIO_COLORS[m.color], marked_range: range(plan.sourceStart + m.sourceFrame, m.durationFrames),
      })),
      enabled: true,
      media_reference: {
        OTIO_SCHEMA: 'ExternalReference.1', metadata: {}, name: source.name,
        available_range: range(plan.sourceStart, plan.mediaFrames), available_image_bounds: null, target_url: targetUrl,
      },
    });
    at = clip.recordOut;
  });

  const timeline = {
    OTIO_SCHEMA: 'Timeline.1',
    metadata: { roughcut: { source: source.name, dropFrame: source.dropFrame, fps: source.fps } },
    name: plan.title,
    global_start_time: rt(plan.recordStart),
    tracks: {
      OTIO_SCHEMA: 'Stack.1', metadata: {}, name: 'tracks', source_range: null, effects: [], markers: [], enabled: true,
      children: [{ OTIO_SCHEMA: 'Track.1', metadata: {}, name: 'V1', source_range: null, effects: [], markers: [], enabled: true, kind: 'Video', children }],
    },
  };
  return `${JSON.stringify(timeline, null, 4)}\n`;
}
