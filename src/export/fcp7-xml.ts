// Final Cut Pro 7 XML (xmeml) from an analysis, as Premiere Pro, Resolve and OpenShot import it: a pure renderer.
import { pathToFileURL } from 'node:url';
import { RoughcutError } from '../core/errors.js';
import { formatRational, type Rational } from '../core/rational.js';
import { timecodeBase } from '../core/timecode.js';
import type { AnalysisResult } from '../core/types.js';
import { renderXmlDocument, xml, type XmlElement } from './markup.js';
import { planTimeline, planTimecode, type TimelineOptions } from './timeline.js';

/**
 * Who reads the file. `generic` writes `<pathurl>` as a `file://` URL (what FCP7, Premiere
 * Pro and Resolve expect). `openshot` writes the plain absolute path there: OpenShot 2.6.1's
 * importer (classes/importers/final_cut_pro.py) passes the element's text to
 * `os.path.exists` unchanged, so a URL is never found as such; it then asks the user for the
 * folder and joins it with the URL's last segment still percent-encoded, which finds names
 * without spaces or non-ASCII characters only.
 */
export type Fcp7Profile = 'generic' | 'openshot';

/** Options of {@link renderFcp7Xml}. */
export interface Fcp7Options extends TimelineOptions {
  /** xmeml version attribute, 4 or 5. Default 5. */
  readonly xmemlVersion?: 4 | 5;
  /** Default `'generic'` (see {@link Fcp7Profile}). */
  readonly profile?: Fcp7Profile;
}

/** The `<rate>` of a frame rate: integer timebase plus the NTSC flag for the 1000/1001 rates. */
function rateElement(fps: Rational, sourceName: string): XmlElement {
  const ntsc = fps.den === 1001;
  const timebase = timecodeBase(fps);
  if (!ntsc && fps.den !== 1) {
    throw new RoughcutError('UNSUPPORTED_FRAME_RATE', `${sourceName}: FCP7 XML cannot express ${formatRational(fps)} fps (only whole rates and their 1000/1001 NTSC forms); export EDL or OTIO instead.`);
  }
  return xml('rate', {}, xml('timebase', {}, timebase), xml('ntsc', {}, ntsc ? 'TRUE' : 'FALSE'));
}

/**
 * Renders an analysis as FCP7 XML (xmeml 5 by default): one sequence at the source's rate with
 * its record start timecode (`DF`/`NDF`), one video track (`<locked>FALSE</locked>` written,
 * since OpenShot crashes on a track without it) with one `<clipitem>` per shot or selected
 * event: `in`/`out` are source frames from the media file's first frame, `start`/`end` record
 * frames from the sequence start. Review and label markers are sequence `<marker>`s (xmeml has
 * no marker colour; the kind is in the name and comment). Pure.
 *
 * Every clipitem carries the full `<file>` element, with the same id each time. The xmeml
 * convention is to define a file once and refer to it later as `<file id="file-1"/>`, but
 * OpenShot 2.6.1 silently drops every clipitem whose `<file>` has no `<pathurl>` (sample 20 in
 * ../shared/tools/nle), so a rough cut of one file would import as its first shot only. A
 * repeated full definition under the same id is valid xmeml (FCP7, Premiere and Resolve take
 * the first definition and keep one master clip), and every importer then finds the media on
 * every clip.
 *
 * @throws RoughcutError `BAD_ARGUMENT` (see planTimeline) or `UNSUPPORTED_FRAME_RATE`.
 */
export function renderFcp7Xml(analysis: AnalysisResult, options: Fcp7Options = {}): string {
  const { source } = analysis;
  const plan = planTimeline(analysis, options);
  const rate = (): XmlElement => rateElement(source.fps, source.name);
  const displayFormat = plan.format.dropFrame ? 'DF' : 'NDF';
  const timecode = (frames: number): XmlElement => xml('timecode', {},
    rate(), xml('string', {}, planTimecode(plan, frames)), xml('frame', {}, frames), xml('displayformat', {}, displayFormat));
  const pathurl = options.profile === 'openshot' ? source.path : pathToFileURL(source.path).href;
  const sampleCharacteristics = (): XmlElement => xml('samplecharacteristics', {},
    rate(), xml('width', {}, source.width), xml('height', {}, source.height));
  const file = (): XmlElement => xml('file', { id: 'file-1' },
    xml('name', {}, source.name),
    xml('pathurl', {}, pathurl),
    rate(),
    xml('duration', {}, plan.mediaFrames),
    timecode(plan.sourceStart),
    xml('media', {}, xml('video', {}, sampleCharacteristics())));

  const clipItems = plan.clips.map((clip, i) => xml('clipitem', { id: `clipitem-${i + 1}` },
    // `name` first: OpenShot takes the clipitem's first <name> descendant as the title.
    xml('name', {}, clip.name),
    xml('enabled', {}, 'TRUE'),
    xml('duration', {}, plan.mediaFrames),
    rate(),
    xml('start', {}, clip.recordIn),
    xml('end', {}, clip.recordOut),
    xml('in', {}, clip.sourceIn),
    xml('out', {}, clip.sourceOut),
    file(),
    clip.shot && Object.keys(clip.shot.labels).length > 0
      && xml('comments', {}, xml('mastercomment1', {}, Object.entries(clip.shot.labels).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')))));

  const markers = plan.markers.map((m) => xml('marker', {},
    xml('comment', {}, m.note),
    xml('name', {}, m.name),
    xml('in', {}, m.recordFrame),
    xml('out', {}, m.durationFrames > 1 ? m.recordFrame + m.durationFrames : -1)));

  const sequence = xml('sequence', { id: 'sequence-1' },
    xml('name', {}, plan.title),
    xml('duration', {}, plan.durationFrames),
    rate(),
    timecode(plan.recordStart),
    xml('in', {}, -1),
    xml('out', {}, -1),
    xml('media', {}, xml('video', {},
      xml('format', {}, sampleCharacteristics()),
      xml('track', {}, ...clipItems, xml('enabled', {}, 'TRUE'), xml('locked', {}, 'FALSE')))),
    ...markers);
  return renderXmlDocument(xml('xmeml', { version: options.xmemlVersion ?? 5 }, sequence), 'xmeml');
}
