// The record timeline the interchange formats share: clips, gaps and review/label markers in exact frames.
import { RoughcutError } from '../core/errors.js';
import { framesToTimecode, timecodeToFrames, type TimecodeFormat } from '../core/timecode.js';
import type { AnalysisResult, Shot, Transition } from '../core/types.js';
import { timecodeIndexer, type EdlOptions } from './edl.js';

/** Default for {@link TimelineOptions.reviewBelow}: transitions less sure than this get a review marker. */
export const DEFAULT_REVIEW_BELOW = 0.6;

/** Options every timeline format (FCP7 XML, FCPXML, OTIO, marker lists) takes; every field has a default. */
export interface TimelineOptions {
  /** Sequence / project name. Default: the source file name without its extension. */
  readonly title?: string;
  /**
   * The events to place, in record order, in the same shape as the EDL's. Default: one per
   * shot in source order.
   */
  readonly events?: EdlOptions['events'];
  /** Transitions with `confidence` below this become review markers. Default 0.6; 0 turns them off. */
  readonly reviewBelow?: number;
  /** Record timecode of the timeline's first frame. Default `'01:00:00:00'`. */
  readonly recordStart?: string;
  /**
   * `'contiguous'` (default): events follow each other on the record track, as in the EDL.
   * `'source'`: each event sits at its own source position, so holes between selected events
   * become gaps (OTIO `Gap.1`, FCPXML `<gap>`, empty track time in FCP7).
   */
  readonly layout?: 'contiguous' | 'source';
}

/** Marker colours, named as most NLEs name them; each format maps them to its own names. */
export type MarkerColor = 'red' | 'green' | 'blue' | 'yellow';

/** Why a marker exists: a transition to check by eye, or the start of a label segment. */
export type MarkerKind = 'review' | 'label';

/** A clip on the record track. Frame counts are timecode frames at the source's nominal rate. */
export interface TimelineClip {
  /** Name to show: the event's name, else the shot's top label, else the file name. */
  readonly name: string;
  /** Decoded-frame range `[startFrame, endFrame)` in the analysis. */
  readonly startFrame: number;
  readonly endFrame: number;
  /** Source range from the start of the media file (frame 0 = first frame), `[sourceIn, sourceOut)`. */
  readonly sourceIn: number;
  readonly sourceOut: number;
  /** Record range from the start of the timeline (frame 0 = `recordStart`), `[recordIn, recordOut)`. */
  readonly recordIn: number;
  readonly recordOut: number;
  /** The shot the clip starts in, if any. */
  readonly shot: Shot | undefined;
  /** Confidence of the transition that starts that shot (undefined for the first shot). */
  readonly confidence: number | undefined;
}

/** A point or ranged marker, anchored in one clip. */
export interface TimelineMarker {
  readonly kind: MarkerKind;
  readonly name: string;
  readonly note: string;
  readonly color: MarkerColor;
  /** Index into {@link TimelinePlan.clips} of the clip the marker sits in. */
  readonly clip: number;
  /** Source frame from the start of the media file. */
  readonly sourceFrame: number;
  /** Record frame from the start of the timeline. */
  readonly recordFrame: number;
  /** Length in frames, at least 1. */
  readonly durationFrames: number;
}

/** Everything a timeline format writes, in exact integer frames. */
export interface TimelinePlan {
  readonly title: string;
  /** The source's timecode form (rate and drop-frame), used for source and record alike. */
  readonly format: TimecodeFormat;
  /** The source's start timecode as a frame count. */
  readonly sourceStart: number;
  /** The record start timecode as a frame count. */
  readonly recordStart: number;
  /** Media length in timecode frames. */
  readonly mediaFrames: number;
  readonly clips: readonly TimelineClip[];
  /** Record length in frames (end of the last clip). */
  readonly durationFrames: number;
  /** Review and label markers, in record order. */
  readonly markers: readonly TimelineMarker[];
}

/** The highest-scoring label of a shot, if it has any. */
export function topLabel(shot: Shot | undefined): string | undefined {
  let best: [string, number] | undefined;
  for (const entry of Object.entries(shot?.labels ?? {})) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}

/** The first frame of the shot a transition leads into (the cut frame, or a gradual one's middle). */
function transitionKey(t: Transition): string {
  return t.type === 'cut' ? `cut:${t.frame}` : `${t.type}:${t.startFrame}:${t.endFrame}`;
}

/** The confidence of the transition that starts `shot`, from `analysis.transitions`. */
export function shotConfidence(analysis: AnalysisResult, shot: Shot): number | undefined {
  const t = shot.transition;
  const key = t.type === 'start' ? undefined : t.type === 'cut' ? `cut:${shot.startFrame}` : `${t.type}:${t.startFrame}:${t.endFrame}`;
  return key === undefined ? undefined : analysis.transitions.find((x) => transitionKey(x) === key)?.confidence;
}

/** Human name of a transition type for marker text. */
function transitionLabel(t: Transition): string {
  return t.type === 'cut' ? `cut at frame ${t.frame}` : `${t.type} frames ${t.startFrame}-${t.endFrame}`;
}

/** Parses a timecode option, turning a bad one into a BAD_ARGUMENT error that says which. */
export function parseTimecodeOption(text: string, format: TimecodeFormat, what: string): number {
  try {
    return timecodeToFrames(text, format);
  } catch (cause) {
    throw new RoughcutError('BAD_ARGUMENT', `${what} "${text}" is not a valid timecode at this rate: ${(cause as Error).message}.`, { cause });
  }
}

/**
 * Lays an analysis out as a record timeline: the clips (one per shot, or per selected event),
 * their exact source and record frames, and the markers: one per transition less confident
 * than `reviewBelow` (red) and one per label segment start (green), each in the clip that
 * shows its frame (markers on frames no clip shows are left out). Pure.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for events outside the source, a bad timecode option,
 *   a `reviewBelow` outside 0-1, or a VFR source without frame times.
 */
export function planTimeline(analysis: AnalysisResult, options: TimelineOptions = {}): TimelinePlan {
  const { source } = analysis;
  const format: TimecodeFormat = { fps: source.fps, dropFrame: source.dropFrame };
  const reviewBelow = options.reviewBelow ?? DEFAULT_REVIEW_BELOW;
  if (!(reviewBelow >= 0 && reviewBelow <= 1)) {
    throw new RoughcutError('BAD_ARGUMENT', `review threshold ${reviewBelow} is not between 0 and 1; give a confidence such as 0.6.`);
  }
  const sourceStart = parseTimecodeOption(source.startTimecode, format, `${source.name}: source start timecode`);
  const recordStart = parseTimecodeOption(options.recordStart ?? '01:00:00:00', format, 'record start');
  const tcIndex = timecodeIndexer(analysis);
  const sortedShots = [...analysis.shots].sort((a, b) => a.startFrame - b.startFrame);
  const shotAt = (frame: number): Shot | undefined => {
    let lo = 0;
    let hi = sortedShots.length - 1;
    let found: Shot | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const shot = sortedShots[mid] as Shot;
      if (shot.startFrame <= frame) { found = shot; lo = mid + 1; } else hi = mid - 1;
    }
    return found && frame < found.endFrame ? found : undefined;
  };

  const events: NonNullable<TimelineOptions['events']> = options.events
    ?? analysis.shots.map((shot) => ({ startFrame: shot.startFrame, endFrame: shot.endFrame }));
  const clips: TimelineClip[] = [];
  let record = 0;
  for (const event of events) {
    if (!Number.isInteger(event.startFrame) || !Number.isInteger(event.endFrame)
      || event.startFrame < 0 || event.endFrame <= event.startFrame || event.endFrame > source.frameCount) {
      throw new RoughcutError('BAD_ARGUMENT', `event [${event.startFrame}, ${event.endFrame}) is not a non-empty frame range inside ${source.name} (0-${source.frameCount}).`, { file: source.path });
    }
    const shot = shotAt(event.startFrame);
    const sourceIn = tcIndex(event.startFrame);
    const sourceOut = tcIndex(event.endFrame);
    if (options.layout === 'source') {
      if (sourceIn < record) {
        throw new RoughcutError('BAD_ARGUMENT', `event [${event.startFrame}, ${event.endFrame}) overlaps the one before it; the 'source' layout needs events in source order without overlaps.`, { file: source.path });
      }
      record = sourceIn;
    }
    clips.push({
      name: event.name ?? topLabel(shot) ?? source.name,
      startFrame: event.startFrame, endFrame: event.endFrame, sourceIn, sourceOut,
      recordIn: record, recordOut: record + (sourceOut - sourceIn),
      shot, confidence: shot ? shotConfidence(analysis, shot) : undefined,
    });
    record += sourceOut - sourceIn;
  }

  const markers: TimelineMarker[] = [];
  const place = (frames: readonly number[], lastFrame: number, make: (clip: number, frame: number, duration: number) => TimelineMarker): void => {
    for (const frame of frames) {
      const index = clips.findIndex((c) => c.startFrame <= frame && frame < c.endFrame);
      const clip = clips[index];
      if (!clip) continue;
      const duration = Math.max(1, Math.min(tcIndex(Math.min(lastFrame, clip.endFrame - 1) + 1), clip.sourceOut) - tcIndex(frame));
      markers.push(make(index, frame, duration));
      return;
    }
  };
  for (const t of analysis.transitions) {
    if (!(t.confidence < reviewBelow)) continue;
    const first = t.type === 'cut' ? t.frame : t.startFrame;
    const last = t.type === 'cut' ? t.frame : t.endFrame;
    const name = `Review ${t.type} (${t.confidence.toFixed(2)})`;
    const note = `${transitionLabel(t)}: confidence ${t.confidence.toFixed(2)} is below ${reviewBelow}`;
    place(t.type === 'cut' ? [first] : [first, Math.floor((first + last) / 2)], last, (clip, frame, duration) => {
      const c = clips[clip] as TimelineClip;
      const sourceFrame = tcIndex(frame);
      return { kind: 'review', name, note, color: 'red', clip, sourceFrame, recordFrame: c.recordIn + sourceFrame - c.sourceIn, durationFrames: duration };
    });
  }
  // Scene labels and technical cues get a marker where they start; characters and shot scale
  // follow the shots and are in the clip names and comments instead.
  for (const segment of analysis.segments.filter((seg) => seg.kind !== 'character' && seg.kind !== 'scale')) {
    place([segment.startFrame], segment.startFrame, (clip, frame) => {
      const c = clips[clip] as TimelineClip;
      const sourceFrame = tcIndex(frame);
      return {
        kind: 'label', name: segment.label, color: 'green', clip, sourceFrame, recordFrame: c.recordIn + sourceFrame - c.sourceIn, durationFrames: 1,
        note: `label "${segment.label}" from frame ${segment.startFrame} to ${segment.endFrame} (confidence ${segment.confidence.toFixed(2)})`,
      };
    });
  }
  markers.sort((a, b) => a.recordFrame - b.recordFrame || a.kind.localeCompare(b.kind));

  const last = clips.at(-1);
  return {
    title: options.title ?? source.name.replace(/\.[^.]*$/, ''),
    format, sourceStart, recordStart, clips, markers,
    mediaFrames: tcIndex(source.frameCount),
    durationFrames: last ? last.recordOut : 0,
  };
}

/** Formats a frame count of the plan's timecode form as SMPTE timecode. */
export function planTimecode(plan: TimelinePlan, frames: number): string {
  return framesToTimecode(frames, plan.format);
}
