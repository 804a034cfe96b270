// FCPXML (Final Cut Pro 10.5+) from an analysis: exact rational times, one asset, a spine of asset-clips; a pure renderer.
import { pathToFileURL } from 'node:url';
import { RoughcutError } from '../core/errors.js';
import { rational, type Rational } from '../core/rational.js';
import type { AnalysisResult } from '../core/types.js';
import { renderXmlDocument, xml, type XmlElement } from './markup.js';
import { planTimeline, type TimelineMarker, type TimelineOptions } from './timeline.js';

/** FCPXML document versions written; `media-rep` (used for the asset's file) needs 1.9 or later. */
export const FCPXML_VERSIONS = ['1.9', '1.10', '1.11'] as const;
export type FcpxmlVersion = (typeof FCPXML_VERSIONS)[number];

/** Options of {@link renderFcpxml}. */
export interface FcpxmlOptions extends TimelineOptions {
  /** Document version. Default `'1.9'` (Final Cut Pro 10.5 and later read it). */
  readonly version?: FcpxmlVersion;
}

/**
 * `frames` frames at `fps` as an FCPXML time value: seconds as a reduced fraction with an `s`
 * (`1001/30000s`, `3003/3000s`, `0s`, `3600s`), exact at every rate.
 */
export function fcpxmlTime(frames: number, fps: Rational): string {
  const t = rational(frames * fps.den, fps.num);
  return t.den === 1 ? `${t.num}s` : `${t.num}/${t.den}s`;
}

/** Final Cut's name for a standard format, or undefined (the explicit frameDuration/size then describe it). */
function formatName(fps: Rational, width: number, height: number): string | undefined {
  const rates: Record<string, string> = { '24000/1001': '2398', '24/1': '24', '25/1': '25', '30000/1001': '2997', '30/1': '30', '50/1': '50', '60000/1001': '5994', '60/1': '60' };
  const rate = rates[`${fps.num}/${fps.den}`];
  const size = width === 1920 && height === 1080 ? '1080p' : width === 1280 && height === 720 ? '720p' : width === 3840 && height === 2160 ? '2160p' : undefined;
  return rate && size ? `FFVideoFormat${size}${rate}` : undefined;
}

/**
 * Renders an analysis as FCPXML: `<resources>` with the sequence `<format>` (frameDuration of
 * the source rate) and one `<asset>` whose `start` is the source's start timecode and whose
 * `<media-rep>` is a `file://` URL; then `<library><event><project><sequence>` with `tcStart`
 * at the record start, `tcFormat` DF/NDF, and a `<spine>` of `<asset-clip>`s (`offset` on the
 * sequence timeline, which begins at `tcStart`; `start` in the asset's time, which begins at the
 * source start timecode) with `<gap>`s where the `'source'` layout leaves holes. Review markers are
 * to-do markers (`completed="0"`, red in Final Cut); label markers are standard (blue). Pure.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for an unknown version (and see planTimeline).
 */
export function renderFcpxml(analysis: AnalysisResult, options: FcpxmlOptions = {}): string {
  const version = options.version ?? '1.9';
  if (!FCPXML_VERSIONS.includes(version)) {
    throw new RoughcutError('BAD_ARGUMENT', `FCPXML version "${String(version)}" is not one roughcut writes; use ${FCPXML_VERSIONS.join(', ')}.`);
  }
  const { source } = analysis;
  const fps = source.fps;
  const plan = planTimeline(analysis, options);
  const time = (frames: number): string => fcpxmlTime(frames, fps);
  const tcFormat = plan.format.dropFrame ? 'DF' : 'NDF';

  const markerElement = (m: TimelineMarker): XmlElement => xml('marker', {
    start: time(plan.sourceStart + m.sourceFrame),
    duration: time(m.durationFrames),
    value: m.name,
    completed: m.kind === 'review' ? '0' : undefined,
    note: m.note,
  });
  const markersByClip = new Map<number, TimelineMarker[]>();
  for (const m of plan.markers) markersByClip.set(m.clip, [...(markersByClip.get(m.clip) ?? []), m]);

  const spine: XmlElement[] = [];
  let at = 0;
  plan.clips.forEach((clip, i) => {
    if (clip.recordIn > at) {
      spine.push(xml('gap', { name: 'Gap', offset: time(plan.recordStart + at), start: time(plan.recordStart + at), duration: time(clip.recordIn - at) }));
    }
    spine.push(xml('asset-clip', {
      ref: 'r2', name: clip.name,
      offset: time(plan.recordStart + clip.recordIn),
      start: time(plan.sourceStart + clip.sourceIn),
      duration: time(clip.sourceOut - clip.sourceIn),
      tcFormat,
    }, ...(markersByClip.get(i) ?? []).map(markerElement)));
    at = clip.recordOut;
  });

  const root = xml('fcpxml', { version },
    xml('resources', {},
      xml('format', { id: 'r1', name: formatName(fps, source.width, source.height), frameDuration: time(1), width: source.width, height: source.height }),
      xml('asset', {
        id: 'r2', name: source.name, start: time(plan.sourceStart), duration: time(plan.mediaFrames),
        hasVideo: '1', format: 'r1', videoSources: '1',
      }, xml('media-rep', { kind: 'original-media', src: pathToFileURL(source.path).href }))),
    xml('library', {},
      xml('event', { name: 'roughcut' },
        xml('project', { name: plan.title },
          xml('sequence', { format: 'r1', duration: time(plan.durationFrames), tcStart: time(plan.recordStart), tcFormat },
            xml('spine', {}, ...spine))))));
  return renderXmlDocument(root, 'fcpxml');
}
