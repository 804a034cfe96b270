// CMX 3600 edit decision list from an analysis: a pure renderer, with per-NLE dialect profiles.
import { RoughcutError } from '../core/errors.js';
import { canDropFrame, fcmName, framesToTimecode, timecodeToFrames, type TimecodeFormat } from '../core/timecode.js';
import type { AnalysisResult, Shot } from '../core/types.js';

/**
 * Which NLE the EDL is written for. Readers differ (see ../shared/tools/nle/README.md); the
 * differences are kept as small as the readers allow:
 *
 * | profile  | reel                  | src TC                    | rec start   | dissolves | comment lines                        | FCM / timecode form           |
 * |----------|-----------------------|---------------------------|-------------|-----------|--------------------------------------|-------------------------------|
 * | generic  | option (`AX`)         | file start TC + frame     | 01:00:00:00 | option    | FROM CLIP NAME, COMMENT              | per source, `;` for DF        |
 * | premiere | option                | file start TC + frame     | 01:00:00:00 | option    | FROM CLIP NAME, COMMENT              | per source, `;` for DF        |
 * | resolve  | option                | file start TC + frame     | 01:00:00:00 | option    | FROM CLIP NAME, SOURCE FILE, COMMENT | per source, `;` for DF        |
 * | avid     | option, UPPERCASED    | file start TC + frame     | 01:00:00:00 | option    | FROM CLIP NAME, COMMENT              | per source, `;` for DF        |
 * | openshot | always `AX`           | frame index from 00:00:00:00 | 00:00:00:00 | cuts only | FROM CLIP NAME only               | DF counting with `:` at 29.97/59.94 |
 *
 * Why:
 * - premiere: Premiere Pro reads plain CMX 3600 (3-digit events, 8-character reels, `;` DF,
 *   `* FROM CLIP NAME:`) as written for `generic`; there is no justified difference, so the
 *   profile exists only so callers can name their target.
 * - resolve: Resolve relinks by `* FROM CLIP NAME:` and also reads `* SOURCE FILE:` (the media
 *   path), which helps it find the file when the clip name alone is ambiguous.
 * - avid: Media Composer's EDL Manager treats reel names as tape names: at most 8 characters,
 *   upper case. Video-only events need no `AUD` lines (those describe audio channels 3/4), so
 *   none are written.
 * - openshot: OpenShot 2.6.1's importer (classes/importers/edl.py) accepts only reel `AX` and
 *   channels `V`/`A`, crashes on `D` events, ignores LOC lines, matches an unanchored regex
 *   (`(\d{3})[ ]+…` with seven more fields) anywhere in a line so comment lines can turn into
 *   bogus events, and converts timecode as `HH*3600+MM*60+SS + FF/projectFps` seconds from the
 *   start of the media file (no media start timecode, no sequence start). Hence: reel `AX`, cuts,
 *   no comments, source TC counted from 00:00:00:00 (the file's start TC would place every clip
 *   hours into the media), record TC from 00:00:00:00 (else an hour of empty timeline), and a
 *   title that cannot match the event regex. For the 1000/1001 rates the `HH:MM:SS + FF/fps`
 *   reading cannot be exact: NDF labels drift 0.1 % (1 frame every ~33 s at 29.97, ~42 s at
 *   23.976) and `;` labels are not split at all (every clip lands at 0 s with length 0). At
 *   29.97/59.94 the profile therefore writes drop-frame counting with `:` separators under
 *   `FCM: DROP FRAME`: DF labels track wall-clock time, so OpenShot's error stays bounded (about
 *   -1.8..+0.2 frames at 29.97, twice that in frames at 59.94, resetting every minute) instead of
 *   growing with the offset, and the strict CMX reading of the file stays exact (`FCM: DROP FRAME`
 *   decides; `:` is only an info note). OTIO decides DF by `;` alone and would misread this form,
 *   which is why only this profile uses it. At 23.976 no DF form exists; the drift remains.
 *   Measured with check-edl (OpenShot 2.6.1): 25p every clip exact; 29.97 (DF with `:`) and
 *   23.976 exact while source/record offsets stay under ~15 s; on a 130 s 29.97 cut DF-with-`:`
 *   stayed within -1.8 frames where NDF labels drifted to -3.6 frames by 2:00 (23.976: -3 frames
 *   by 2:05). What remains wrong: that bounded DF error, the 23.976 drift, and a media file name
 *   with a 3-digit number followed by seven more words, which OpenShot's regex would read from
 *   the `* FROM CLIP NAME:` line as an event (the name cannot change: OpenShot links by it).
 */
export type EdlProfile = 'generic' | 'premiere' | 'resolve' | 'avid' | 'openshot';

/** One event to write: frames `[startFrame, endFrame)` of the source. */
export interface EdlEvent {
  readonly startFrame: number;
  readonly endFrame: number;
  /** `* FROM CLIP NAME:`; default the source file name (the `openshot` profile always uses it). */
  readonly name?: string;
  /** Extra comment lines, written as `* <text>` (not in the `openshot` profile). */
  readonly comments?: readonly string[];
}

/** Options of {@link renderEdl}; every field has a default. */
export interface EdlOptions {
  /** `TITLE:` text. Default: the source file name without its extension. */
  readonly title?: string;
  /** Target NLE dialect (see {@link EdlProfile}). Default `'generic'`. */
  readonly profile?: EdlProfile;
  /**
   * `'dissolve'` writes shots that begin with a dissolve or fade-through as two-line `D nnn`
   * events; `'cut'` writes every event as a cut. Default `'cut'`. The `openshot` profile always cuts.
   */
  readonly transitions?: 'cut' | 'dissolve';
  /**
   * Reel name: up to 8 characters of A-Z a-z 0-9 _. `'auto'` derives one from the file name
   * (upper case, other characters as `_`, first 8). Default `'AX'`; the `openshot` profile
   * always writes `AX`.
   */
  readonly reel?: string;
  /**
   * Record timecode of the first event; the record track is contiguous from it.
   * Default `'01:00:00:00'` (`'00:00:00:00'` in the `openshot` profile).
   */
  readonly recordStart?: string;
  /**
   * The events to write, in record order. Default: one event per shot in source order, named
   * after the file, with a comment line giving the keyframe, labels, characters and scale.
   */
  readonly events?: ReadonlyArray<EdlEvent>;
}

/** Event numbers have three digits: after 999 they wrap to 001 (as Avid and Premiere do). */
const MAX_EVENT_NUMBER = 999;
/** The `D nnn` duration field has three digits. */
const MAX_TRANSITION_FRAMES = 999;

/** OpenShot 2.6.1's event regex, unanchored: a line it matches becomes an event. */
const OPENSHOT_EVENT_PATTERN = /(\d{3})[ ]+(.+?)[ ]+(.+?)[ ]+(.+?)[ ]+(.*)[ ]+(.*)[ ]+(.*)[ ]+(.*)/;

interface PlannedEvent {
  startFrame: number;
  endFrame: number;
  readonly clipName: string;
  readonly comments: readonly string[];
  /** Length of the dissolve into this event, in timecode frames; 0 for a cut. */
  dissolveFrames: number;
}

/** Whether a shot's leading transition is one the EDL can write as `D`. */
function dissolveSpan(shot: Shot | undefined): { startFrame: number; endFrame: number } | undefined {
  const t = shot?.transition;
  if (t && (t.type === 'dissolve' || t.type === 'fade-through')) return { startFrame: t.startFrame, endFrame: t.endFrame };
  return undefined;
}

/** Printable ASCII only: no line breaks that could forge EDL lines, no characters readers choke on. */
function asciiText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '_')
    .trim();
}

/** A clip name must name the media file exactly, so only characters that break lines go. */
function clipNameText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

/** The reel name `'auto'` derives from a file name: upper case A-Z 0-9 _, at most 8 characters. */
export function reelFromFileName(fileName: string): string {
  const stem = fileName.replace(/\.[^.]*$/, '');
  const reel = asciiText(stem).toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 8);
  if (reel === '') return 'AX';
  return reel === 'BL' ? 'BL_' : reel; // BL means black, not a reel
}

function resolveReel(options: EdlOptions, fileName: string, profile: EdlProfile): string {
  if (profile === 'openshot') return 'AX';
  const asked = options.reel ?? 'AX';
  let reel = asked === 'auto' ? reelFromFileName(fileName) : asked;
  if (!/^[A-Za-z0-9_]{1,8}$/.test(reel)) {
    throw new RoughcutError('BAD_ARGUMENT', `EDL reel name "${asked}" is not 1-8 characters of A-Z, 0-9 and _; use a shorter name or --reel auto.`);
  }
  if (profile === 'avid') reel = reel.toUpperCase();
  return reel;
}

function shotComment(shot: Shot): string | undefined {
  const parts: string[] = [];
  if (shot.keyframe.image) parts.push(`KEYFRAME ${shot.keyframe.image}`);
  const labels = Object.entries(shot.labels).sort((a, b) => b[1] - a[1]);
  if (labels.length > 0) parts.push(`LABELS ${labels.map(([name, score]) => `${name} ${score.toFixed(2)}`).join(', ')}`);
  if (shot.characters.length > 0) parts.push(`CHARACTERS ${shot.characters.map((c) => `${c.name} ${c.confidence.toFixed(2)}`).join(', ')}`);
  if (shot.scale) parts.push(`SCALE ${shot.scale}`);
  return parts.length > 0 ? `COMMENT: ${parts.join('; ')}` : undefined;
}

/** Maps a decoded frame index to its timecode frame count (before the start offset). */
export function timecodeIndexer(analysis: AnalysisResult): (frame: number) => number {
  const { source } = analysis;
  if (!source.variableFrameRate) return (frame) => frame;
  const times = source.frameTimesSeconds;
  if (!times || times.length < source.frameCount || times.length === 0) {
    throw new RoughcutError('BAD_ARGUMENT', `${source.name}: variable-frame-rate source without a presentation time for every frame; analyse it again to record frame times.`, { file: source.path });
  }
  const at = (i: number): number => Math.round(((times[i] ?? 0) * source.fps.num) / source.fps.den);
  // The exclusive end of the last frame: one nominal frame after it.
  return (frame) => (frame < times.length ? at(frame) : at(times.length - 1) + 1 + (frame - times.length));
}

/**
 * Renders an analysis as a CMX 3600 EDL (channel `V`, `C` and optionally `D nnn` events), pure.
 *
 * Source timecode is the file's own start timecode plus the frame index (for VFR sources, the
 * frame's presentation time times the nominal rate, rounded), computed in integer frames at the
 * source rate, drop-frame with `;` at 29.97/59.94. Record timecode is contiguous from
 * `recordStart`. Event numbers wrap from 999 to 001: a 4-digit number would break the fixed
 * CMX columns, and readers tell events apart by the number changing (OpenShot) or treat a lower
 * number as a new event (the strict reference only warns). A dissolve is laid out as CMX 3600 wants
 * it: the outgoing event ends where the dissolve starts, the next event repeats the outgoing
 * clip's out point as a zero-length cut line, then the incoming clip's `D nnn` line starts at
 * the same record time; the outgoing clip plays on under the dissolve from its out point, which
 * in a single-file rough cut is the very frames the source dissolve is made of.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for a bad reel name, a bad `recordStart`, events outside
 *   the source, or a VFR source without frame times.
 */
export function renderEdl(analysis: AnalysisResult, options: EdlOptions): string {
  const { source } = analysis;
  const profile = options.profile ?? 'generic';
  const openshot = profile === 'openshot';
  const format: TimecodeFormat = {
    fps: source.fps,
    // OpenShot: DF counting keeps its seconds reading close to real time (see EdlProfile).
    dropFrame: openshot ? canDropFrame(source.fps) : source.dropFrame,
  };
  const tc = (frame: number): string => {
    const text = framesToTimecode(frame, format);
    return openshot ? text.replace(';', ':') : text;
  };
  const parseOption = (text: string, what: string): number => {
    try {
      return timecodeToFrames(text, format);
    } catch (cause) {
      throw new RoughcutError('BAD_ARGUMENT', `EDL ${what} "${text}" is not a valid timecode at this rate: ${(cause as Error).message}.`, { cause });
    }
  };

  const reel = resolveReel(options, source.name, profile);
  const sourceOffset = openshot ? 0 : parseOption(source.startTimecode, 'source start timecode');
  let record = parseOption(options.recordStart ?? (openshot ? '00:00:00:00' : '01:00:00:00'), 'record start');
  const tcIndex = timecodeIndexer(analysis);
  const dissolves = options.transitions === 'dissolve' && !openshot;

  const shotsByStart = new Map(analysis.shots.map((shot) => [shot.startFrame, shot] as const));
  const requested: ReadonlyArray<EdlEvent> = options.events ?? analysis.shots.map((shot) => {
    const comment = shotComment(shot);
    return { startFrame: shot.startFrame, endFrame: shot.endFrame, comments: comment ? [comment] : [] };
  });
  const planned: PlannedEvent[] = requested.map((event) => {
    if (!Number.isInteger(event.startFrame) || !Number.isInteger(event.endFrame)
      || event.startFrame < 0 || event.endFrame <= event.startFrame || event.endFrame > source.frameCount) {
      throw new RoughcutError('BAD_ARGUMENT', `EDL event [${event.startFrame}, ${event.endFrame}) is not a non-empty frame range inside ${source.name} (0-${source.frameCount}).`, { file: source.path });
    }
    return {
      startFrame: event.startFrame,
      endFrame: event.endFrame,
      clipName: clipNameText(openshot ? source.name : (event.name ?? source.name)),
      comments: openshot ? [] : (event.comments ?? []).map(asciiText).filter((c) => c !== ''),
      dissolveFrames: 0,
    };
  });

  if (dissolves) {
    for (let i = 1; i < planned.length; i++) {
      const prev = planned[i - 1] as PlannedEvent;
      const cur = planned[i] as PlannedEvent;
      const span = dissolveSpan(shotsByStart.get(cur.startFrame));
      // Only between events that are contiguous in the source; the outgoing event must keep at
      // least one frame (and its own dissolve), the incoming one must outlast the dissolve.
      if (!span || prev.endFrame !== cur.startFrame) continue;
      const length = tcIndex(span.endFrame + 1) - tcIndex(span.startFrame);
      if (span.startFrame <= prev.startFrame || span.endFrame >= cur.endFrame || length < 1) continue;
      if (tcIndex(span.startFrame) - tcIndex(prev.startFrame) <= prev.dissolveFrames) continue;
      prev.endFrame = span.startFrame;
      cur.startFrame = span.startFrame;
      cur.dissolveFrames = Math.min(length, MAX_TRANSITION_FRAMES);
    }
  }

  const title = asciiText(options.title ?? source.name.replace(/\.[^.]*$/, '')) || 'UNTITLED';
  const lines = [
    // OpenShot would read a title with a 3-digit number and 7 more words as an event.
    `TITLE: ${openshot && OPENSHOT_EVENT_PATTERN.test(title) ? title.replace(/ +/g, '_') : title}`,
    `FCM: ${fcmName(format)}`,
  ];
  const eventLine = (num: string, transition: string, frames: number | undefined,
    srcIn: number, srcOut: number, recIn: number, recOut: number): string =>
    `${num}  ${reel.padEnd(8)} ${'V'.padEnd(4)}  ${transition.padEnd(4)} ${frames === undefined ? '   ' : String(frames).padStart(3, '0')} `
    + `${tc(srcIn)} ${tc(srcOut)} ${tc(recIn)} ${tc(recOut)}`;

  planned.forEach((event, i) => {
    const num = String((i % MAX_EVENT_NUMBER) + 1).padStart(3, '0');
    const srcIn = sourceOffset + tcIndex(event.startFrame);
    const srcOut = sourceOffset + tcIndex(event.endFrame);
    const recOut = record + (srcOut - srcIn);
    lines.push('');
    if (event.dissolveFrames > 0) {
      const prev = planned[i - 1] as PlannedEvent;
      const prevOut = sourceOffset + tcIndex(prev.endFrame);
      lines.push(eventLine(num, 'C', undefined, prevOut, prevOut, record, record));
      lines.push(eventLine(num, 'D', event.dissolveFrames, srcIn, srcOut, record, recOut));
      lines.push(`* FROM CLIP NAME: ${prev.clipName}`, `* TO CLIP NAME: ${event.clipName}`);
    } else {
      lines.push(eventLine(num, 'C', undefined, srcIn, srcOut, record, recOut));
      lines.push(`* FROM CLIP NAME: ${event.clipName}`);
    }
    if (profile === 'resolve') lines.push(`* SOURCE FILE: ${clipNameText(source.path)}`);
    for (const comment of event.comments) lines.push(`* ${comment}`);
    record = recOut;
  });
  return `${lines.join('\n')}\n`;
}
