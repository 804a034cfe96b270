// Rough-cut selection rules: which shots or label stretches become events, shared by every exporter.
import type { Command } from 'commander';
import { NO_FACE, SHOT_SCALES } from '../classify/faces/characters.js';
import { RoughcutError } from '../core/errors.js';
import type { FrameRange } from '../core/range.js';
import { secondsToFrames, type Rational } from '../core/rational.js';
import type { AnalysisResult, Segment, Shot } from '../core/types.js';
import { timecodeIndexer, type EdlEvent } from './edl.js';
import { topLabel } from './timeline.js';

/**
 * What to put in a rough cut. Every field is optional; an empty object selects every shot in
 * source order. The steps run in this order: include (or every shot) → scale → exclude →
 * merge gap → min duration → handles → order.
 */
export interface RoughCutRules {
  /**
   * Selectors of what to keep; the union of what they match. A plain name (`anchor`) matches
   * scene and technical segment labels, and shots' top labels when the analysis has no scene
   * segments; `scene:NAME`, `technical:NAME` and `character:NAME` name the kind. Names match
   * case-insensitively. Absent: every shot, one event each.
   */
  readonly include?: readonly string[];
  /** Selectors, as for `include`, of frames to leave out wherever they fall; exclusion always wins. */
  readonly exclude?: readonly string[];
  /**
   * Shot scales to keep (full names as character recognition writes them, or their abbreviations:
   * ECU, CU, MCU, MS, WS, NF for `no face`);
   * frames of shots (and `scale` segments) of other scales are left out.
   */
  readonly scale?: readonly string[];
  /** Events shorter than this many seconds (after merging) are dropped. */
  readonly minDurationSeconds?: number;
  /** Frames added at each side of every event (clamped to the source, never over a neighbour). */
  readonly handlesFrames?: number;
  /** Handles in seconds, for when the frame rate is not known yet; used when `handlesFrames` is absent. */
  readonly handlesSeconds?: number;
  /** Consecutive events of the same label with at most this many seconds between them become one. */
  readonly mergeGapSeconds?: number;
  /**
   * `'source'` (default): events in source order. `'label'`: grouped by label (by the
   * character's name for what `character:NAME` selected), groups in the order their label first
   * appears in the source, source order within a group.
   */
  readonly order?: 'source' | 'label';
}

/** The flags {@link addRuleOptions} adds, as commander hands them over (all strings). */
export interface RuleFlags {
  readonly include?: string;
  readonly exclude?: string;
  readonly scale?: string;
  readonly minDuration?: string;
  readonly handles?: string;
  readonly mergeGap?: string;
  readonly order?: string;
}

/** The scales character recognition writes in `shot.scale` (its SHOT_SCALES and `no face`), with abbreviations. */
const SCALES: ReadonlyArray<{ readonly abbreviation: string; readonly name: string }> = [
  ...SHOT_SCALES.map(({ abbreviation, name }) => ({ abbreviation, name })),
  { abbreviation: 'NF', name: NO_FACE },
];

/** Other spellings editors use for the same scales. */
const SCALE_ALIASES: Readonly<Record<string, string>> = { ls: 'wide', long: 'wide', 'medium wide': 'wide', mid: 'medium', none: 'no face' };

/** Kinds a selector may name with a `kind:` prefix; `label` (no prefix) means scene or technical. */
type SelectorKind = 'label' | 'scene' | 'technical' | 'character';

interface Selector {
  readonly kind: SelectorKind;
  /** Lower-cased name to compare with. */
  readonly key: string;
  readonly text: string;
}

/** Longest clip name written: CMX 3600 readers show comment lines in 80 columns. */
const MAX_CLIP_NAME = 60;

/** A candidate event before names and comments are attached. */
interface Unit {
  startFrame: number;
  endFrame: number;
  /** What `order: 'label'` groups by and merging compares: the label, or the character selected. */
  readonly group: string;
  /** The scene or technical label the unit carries, if any. */
  label: string | undefined;
  /** Confidence of that label; joined units keep the mean weighted by `weightFrames`. */
  confidence: number;
  /** Frames the confidence stands for: the unit's own, not the gaps a merge bridged. */
  weightFrames: number;
}

/** Joins `u` into `into` (which starts first): the union of their frames, `into`'s label unless it has none. */
function joinUnit(into: Unit, u: Unit): void {
  if (into.label === undefined && u.label !== undefined) {
    into.label = u.label;
    into.confidence = u.confidence;
    into.weightFrames = u.weightFrames;
  } else if (u.label === into.label && into.weightFrames + u.weightFrames > 0) {
    into.confidence = (into.confidence * into.weightFrames + u.confidence * u.weightFrames) / (into.weightFrames + u.weightFrames);
    into.weightFrames += u.weightFrames;
  }
  into.endFrame = Math.max(into.endFrame, u.endFrame);
}

/**
 * The canonical scale name (`'close-up'`) for a spelling (`'CU'`, `'Close Up'`, `'close-up shot'`),
 * or undefined when it names none of the scales character recognition writes.
 */
export function canonicalScale(text: string): string | undefined {
  const t = text.trim().toLowerCase().replace(/[\s_-]+/g, ' ').replace(/ shot$/, '');
  for (const s of SCALES) if (t === s.abbreviation.toLowerCase() || t === s.name.replace(/-/g, ' ')) return s.name;
  return SCALE_ALIASES[t];
}

/** Parses one selector (`anchor`, `character:Alice`, `technical:black`). */
function parseSelector(raw: string, flag: string): Selector {
  const text = raw.trim();
  const colon = text.indexOf(':');
  let kind: SelectorKind = 'label';
  let name = text;
  if (colon >= 0) {
    const prefix = text.slice(0, colon).trim().toLowerCase();
    if (prefix !== 'character' && prefix !== 'scene' && prefix !== 'technical' && prefix !== 'label') {
      throw new RoughcutError('BAD_ARGUMENT', `${flag} "${text}" has an unknown kind "${prefix}"; write a plain label, or prefix it with character:, scene: or technical: (e.g. character:Alice).`);
    }
    kind = prefix;
    name = text.slice(colon + 1).trim();
  }
  if (name === '') throw new RoughcutError('BAD_ARGUMENT', `${flag} "${text}" names nothing; give a label or character:NAME.`);
  return { kind, key: name.toLowerCase(), text };
}

/** Splits a comma-separated flag value, refusing an empty list. */
function splitList(value: string, flag: string, example: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new RoughcutError('BAD_ARGUMENT', `${flag} "${value}" is empty; give a comma-separated list such as ${flag} ${example}.`);
  return items;
}

/** A non-negative number of seconds (`2.5`, `2.5s`). */
function parseSeconds(value: string, flag: string, example: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*s?\s*$/.exec(value);
  const seconds = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(seconds)) throw new RoughcutError('BAD_ARGUMENT', `${flag} "${value}" is not a number of seconds; give one such as ${flag} ${example}.`);
  return seconds;
}

/**
 * Turns the rule flags into {@link RoughCutRules}, checking every value. `--handles` takes
 * frames (`12`) or seconds (`0.5s`); seconds become `handlesFrames` when `fps` is given and stay
 * `handlesSeconds` otherwise, for {@link selectEvents} to convert at the analysis's rate.
 * Scales are stored by their full names.
 *
 * @throws RoughcutError `BAD_ARGUMENT` with a sentence saying which flag is wrong and how to write it.
 */
export function parseRules(flags: RuleFlags, fps?: Rational): RoughCutRules {
  const rules: { -readonly [K in keyof RoughCutRules]: RoughCutRules[K] } = {};
  if (flags.include !== undefined) {
    rules.include = splitList(flags.include, '--include', 'anchor,character:Alice');
    for (const s of rules.include) parseSelector(s, '--include');
  }
  if (flags.exclude !== undefined) {
    rules.exclude = splitList(flags.exclude, '--exclude', 'commercial,technical:black');
    for (const s of rules.exclude) parseSelector(s, '--exclude');
  }
  if (flags.scale !== undefined) {
    rules.scale = splitList(flags.scale, '--scale', 'CU,MCU').map((s) => {
      const name = canonicalScale(s);
      if (name === undefined) {
        throw new RoughcutError('BAD_ARGUMENT', `--scale "${s}" is not a shot scale; use ${SCALES.map((x) => x.abbreviation).join(', ')} or ${SCALES.map((x) => `'${x.name}'`).join(', ')}.`);
      }
      return name;
    });
  }
  if (flags.minDuration !== undefined) rules.minDurationSeconds = parseSeconds(flags.minDuration, '--min-duration', '2.5');
  if (flags.mergeGap !== undefined) rules.mergeGapSeconds = parseSeconds(flags.mergeGap, '--merge-gap', '1');
  if (flags.handles !== undefined) {
    const text = flags.handles.trim();
    if (/^\d+$/.test(text)) rules.handlesFrames = Number(text);
    else if (/^(\d+(\.\d+)?|\.\d+)\s*s$/.test(text)) {
      const seconds = Number(text.replace(/\s*s$/, ''));
      if (fps) rules.handlesFrames = secondsToFrames(seconds, fps);
      else rules.handlesSeconds = seconds;
    } else {
      throw new RoughcutError('BAD_ARGUMENT', `--handles "${flags.handles}" is neither a frame count nor seconds; give frames (--handles 12) or seconds (--handles 0.5s).`);
    }
  }
  if (flags.order !== undefined) {
    const order = flags.order.trim().toLowerCase();
    if (order !== 'source' && order !== 'label') throw new RoughcutError('BAD_ARGUMENT', `--order "${flags.order}" is not an order; use --order source or --order label.`);
    rules.order = order;
  }
  return rules;
}

/**
 * True when the rules change the cut from the default one event per shot in source order:
 * a selector or scale list, a positive min duration or handle, a merge gap (even 0, which joins
 * touching shots of one label), or `order: 'label'`. Callers pass `events` to the exporters
 * only then, so a plain export keeps the file name as every clip name.
 */
export function hasRules(r: RoughCutRules): boolean {
  return (r.include?.length ?? 0) > 0 || (r.exclude?.length ?? 0) > 0 || (r.scale?.length ?? 0) > 0
    || (r.minDurationSeconds ?? 0) > 0 || (r.handlesFrames ?? 0) > 0 || (r.handlesSeconds ?? 0) > 0
    || r.mergeGapSeconds !== undefined || r.order === 'label';
}

/** Adds the rough-cut rule flags (`--include`, `--exclude`, `--scale`, ...) to a command; returns it. */
export function addRuleOptions(command: Command): Command {
  return command
    .option('--include <labels>', 'rough cut of only these, comma-separated: labels (anchor), character:NAME, technical:NAME, scene:NAME')
    .option('--exclude <labels>', 'leave these out wherever they fall, comma-separated, as for --include (exclusion wins)')
    .option('--scale <list>', `keep only shots of these scales: ${SCALES.map((s) => s.abbreviation).join(', ')} or full names, comma-separated`)
    .option('--min-duration <seconds>', 'drop events shorter than this, after merging')
    .option('--handles <frames|Ns>', 'extend every event by this many frames (12) or seconds (0.5s) at each side, never over a neighbour')
    .option('--merge-gap <seconds>', 'join consecutive events of the same label at most this far apart')
    .option('--order <source|label>', 'events in source order, or grouped by label (in order of first appearance)');
}

/** Sorted, disjoint union of ranges (touching ranges join). */
function unionRanges(ranges: readonly FrameRange[]): FrameRange[] {
  const sorted = ranges.filter((r) => r.endFrame > r.startFrame).sort((a, b) => a.startFrame - b.startFrame);
  const out: { startFrame: number; endFrame: number }[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.startFrame <= last.endFrame) last.endFrame = Math.max(last.endFrame, r.endFrame);
    else out.push({ startFrame: r.startFrame, endFrame: r.endFrame });
  }
  return out;
}

/** The parts of `r` inside (`keep` true) or outside (`keep` false) a sorted disjoint list. */
function splitBy(r: FrameRange, list: readonly FrameRange[], keep: boolean): FrameRange[] {
  const out: FrameRange[] = [];
  let at = r.startFrame;
  // The list is sorted and disjoint, so its ends increase: start at the first that ends after `at`.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as FrameRange).endFrame <= at) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length; i++) {
    const x = list[i] as FrameRange;
    if (x.startFrame >= r.endFrame) break;
    const inStart = Math.max(at, x.startFrame);
    const inEnd = Math.min(r.endFrame, x.endFrame);
    if (!keep && inStart > at) out.push({ startFrame: at, endFrame: inStart });
    if (keep && inEnd > inStart) out.push({ startFrame: inStart, endFrame: inEnd });
    at = inEnd;
  }
  if (!keep && at < r.endFrame) out.push({ startFrame: at, endFrame: r.endFrame });
  return out;
}

/** Segment kinds a selector of `kind` looks at. */
function segmentMatches(segment: Segment, selector: Selector): boolean {
  const kind = segment.kind ?? 'scene';
  const kindOk = selector.kind === 'label' ? kind === 'scene' || kind === 'technical' : kind === selector.kind;
  return kindOk && segment.label.toLowerCase() === selector.key;
}

/** Printable ASCII, one line, at most {@link MAX_CLIP_NAME} characters: safe as a CMX clip name. */
function clipNameText(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ').trim().slice(0, MAX_CLIP_NAME).trim();
}

/** Everything that can be selected in an analysis, for the message when nothing is. */
function describeAvailable(analysis: AnalysisResult): string {
  const labels = new Set<string>();
  for (const s of analysis.segments) if ((s.kind ?? 'scene') === 'scene' || s.kind === 'technical') labels.add(s.label);
  for (const shot of analysis.shots) { const top = topLabel(shot); if (top !== undefined) labels.add(top); }
  const characters = new Set<string>();
  for (const shot of analysis.shots) for (const c of shot.characters) characters.add(c.name);
  for (const s of analysis.segments) if (s.kind === 'character') characters.add(s.label);
  const scales = new Set<string>();
  for (const shot of analysis.shots) if (shot.scale) scales.add(shot.scale);
  const list = (set: Set<string>): string => (set.size > 0 ? [...set].sort().join(', ') : 'none');
  return `labels: ${list(labels)}; characters: ${list(characters)}; scales: ${list(scales)}`;
}

/** The rules as flags, for messages. */
function describeRules(r: RoughCutRules): string {
  const parts: string[] = [];
  if (r.include) parts.push(`--include ${r.include.join(',')}`);
  if (r.exclude) parts.push(`--exclude ${r.exclude.join(',')}`);
  if (r.scale) parts.push(`--scale ${r.scale.join(',')}`);
  if (r.minDurationSeconds !== undefined) parts.push(`--min-duration ${r.minDurationSeconds}`);
  if (r.mergeGapSeconds !== undefined) parts.push(`--merge-gap ${r.mergeGapSeconds}`);
  return parts.join(' ') || 'no rules';
}

/**
 * Applies rough-cut rules to an analysis and returns the events to export, in record order,
 * for the `events` option every exporter takes (EDL, FCP7 XML, FCPXML, OTIO, marker lists). Pure.
 *
 * Units: without `include`, every shot. With it, each selector's matches: for a label, its
 * scene/technical segments (a segment stays one event even where shots cut inside it), and
 * when the analysis has no scene segments, the shots whose top label it is; for
 * `character:NAME`, the shots that show NAME and NAME's character segments. Units that overlap
 * become one. Then `scale` keeps only the frames of shots (or `scale` segments) of those
 * scales, `exclude` removes the frames its selectors match (a unit may split in two), consecutive
 * units of one label at most `mergeGapSeconds` apart join (never across excluded frames), units
 * shorter than `minDurationSeconds` go, handles extend each side (clamped to the source; where two
 * events are closer than two handles the gap is shared, so none overlap), and `order: 'label'`
 * groups events by label in the order each label first appears, source order within a group.
 * Durations and gaps are measured in timecode frames at the nominal rate (exact for VFR too).
 *
 * Each event's `name` is its label and the characters seen in it (`anchor - Alice, Bob`, printable
 * ASCII), absent when it has neither (the EDL then names the file); an event from a character
 * segment takes the label of the scene segment (or shot) under most of it. `comments` carry
 * `LABEL anchor 0.93` (length-weighted confidence), `CHARACTERS Alice 0.88`, `SCALE close-up`
 * and `TECHNICAL black` for the shots and technical segments that make up most of the event.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for a malformed selector, or when the rules select nothing
 *   (the message lists the labels, characters and scales the analysis has).
 */
export function selectEvents(analysis: AnalysisResult, rules: RoughCutRules): EdlEvent[] {
  const { source } = analysis;
  const frameCount = source.frameCount;
  const clamp = (r: FrameRange): FrameRange => ({ startFrame: Math.max(0, r.startFrame), endFrame: Math.min(frameCount, r.endFrame) });
  const shots = [...analysis.shots].sort((a, b) => a.startFrame - b.startFrame);
  const hasSceneSegments = analysis.segments.some((s) => (s.kind ?? 'scene') === 'scene');
  const shotUnit = (shot: Shot, group?: string): Unit => {
    const label = topLabel(shot);
    const r = clamp(shot);
    return { ...r, group: group ?? label ?? '', label, confidence: label !== undefined ? shot.labels[label] ?? 0 : 0, weightFrames: r.endFrame - r.startFrame };
  };

  const matchUnits = (selector: Selector): Unit[] => {
    const units: Unit[] = [];
    for (const segment of analysis.segments) {
      if (!segmentMatches(segment, selector)) continue;
      const isCharacter = segment.kind === 'character';
      const r = clamp(segment);
      units.push({ ...r, group: segment.label, label: isCharacter ? undefined : segment.label, confidence: isCharacter ? 0 : segment.confidence, weightFrames: r.endFrame - r.startFrame });
    }
    if (selector.kind === 'character') {
      for (const shot of shots) {
        const found = shot.characters.find((c) => c.name.toLowerCase() === selector.key);
        if (found) units.push(shotUnit(shot, found.name));
      }
    } else if ((selector.kind === 'label' || selector.kind === 'scene') && !hasSceneSegments) {
      for (const shot of shots) if (topLabel(shot)?.toLowerCase() === selector.key) units.push(shotUnit(shot));
    }
    return units;
  };

  // 1. Units: every shot, or what `include` matches, overlapping units joined.
  let units: Unit[];
  if (rules.include && rules.include.length > 0) {
    const all = rules.include.flatMap((s) => matchUnits(parseSelector(s, '--include')))
      .filter((u) => u.endFrame > u.startFrame)
      .sort((a, b) => a.startFrame - b.startFrame || b.endFrame - a.endFrame);
    units = [];
    for (const u of all) {
      const last = units.at(-1);
      // Overlapping units become one, carrying the label of the one that starts first.
      if (last && u.startFrame < last.endFrame) joinUnit(last, u);
      else units.push({ ...u });
    }
  } else {
    units = shots.map((shot) => shotUnit(shot)).filter((u) => u.endFrame > u.startFrame);
  }
  const pieces = (list: readonly Unit[], ranges: readonly FrameRange[], keep: boolean): Unit[] =>
    list.flatMap((u) => splitBy(u, ranges, keep).map((r) => ({ ...u, ...r, weightFrames: r.endFrame - r.startFrame })));

  // 2. Scale: only frames of shots (or scale segments) of the scales asked for.
  if (rules.scale && rules.scale.length > 0) {
    const wanted = new Set(rules.scale.map((s) => canonicalScale(s) ?? s.toLowerCase()));
    const isWanted = (text: string | null): boolean => text !== null && wanted.has(canonicalScale(text) ?? text.toLowerCase());
    const ranges = unionRanges([
      ...shots.filter((shot) => isWanted(shot.scale)).map(clamp),
      ...analysis.segments.filter((s) => s.kind === 'scale' && isWanted(s.label)).map(clamp),
    ]);
    units = pieces(units, ranges, true);
  }

  // 3. Exclude: frames any exclude selector matches, wherever they fall.
  const excluded = unionRanges((rules.exclude ?? []).flatMap((s) => matchUnits(parseSelector(s, '--exclude'))));
  units = pieces(units, excluded, false);

  // 4. Merge gap: consecutive units of one label close enough become one, never across excluded frames.
  const tcIndex = rules.mergeGapSeconds !== undefined || rules.minDurationSeconds !== undefined ? timecodeIndexer(analysis) : (f: number) => f;
  const { num, den } = source.fps;
  if (rules.mergeGapSeconds !== undefined) {
    const gapSeconds = rules.mergeGapSeconds;
    const merged: Unit[] = [];
    for (const u of units) {
      const last = merged.at(-1);
      const gapFrames = last ? tcIndex(u.startFrame) - tcIndex(last.endFrame) : Infinity;
      if (last && last.group === u.group && gapFrames * den <= gapSeconds * num
        && splitBy({ startFrame: last.endFrame, endFrame: u.startFrame }, excluded, true).length === 0) {
        joinUnit(last, u);
      } else merged.push({ ...u });
    }
    units = merged;
  }

  // 5. Minimum duration.
  if (rules.minDurationSeconds !== undefined) {
    const minSeconds = rules.minDurationSeconds;
    units = units.filter((u) => (tcIndex(u.endFrame) - tcIndex(u.startFrame)) * den >= minSeconds * num);
  }

  if (units.length === 0) {
    // A plain name that is a character's is the likeliest slip: say how to write it.
    const names = new Set(analysis.shots.flatMap((shot) => shot.characters.map((c) => c.name)));
    const slip = (rules.include ?? []).find((s) => !s.includes(':') && [...names].some((n) => n.toLowerCase() === s.trim().toLowerCase()));
    const hint = slip === undefined ? '' : ` (for the character, write character:${slip.trim()})`;
    throw new RoughcutError('BAD_ARGUMENT', `${source.name}: the rough-cut rules (${describeRules(rules)}) select no frames; this analysis has ${describeAvailable(analysis)}; loosen the rules${hint}.`, { file: source.path });
  }

  // 6. Handles, in source order: a gap shorter than two handles is shared between its neighbours.
  const handles = Math.max(0, Math.round(rules.handlesFrames ?? (rules.handlesSeconds !== undefined ? secondsToFrames(rules.handlesSeconds, source.fps) : 0)));
  const extended = units.map((u, i) => {
    const prev = units[i - 1];
    const next = units[i + 1];
    const before = prev ? Math.min(handles, (u.startFrame - prev.endFrame) - Math.min(handles, Math.ceil((u.startFrame - prev.endFrame) / 2))) : Math.min(handles, u.startFrame);
    const after = next ? Math.min(handles, Math.ceil((next.startFrame - u.endFrame) / 2)) : Math.min(handles, frameCount - u.endFrame);
    return { unit: u, startFrame: u.startFrame - before, endFrame: u.endFrame + after };
  });

  // 7. Names and comments (in source order), then the order asked for.
  const context = eventContext(analysis, shots);
  const events = extended.map(({ unit, startFrame, endFrame }) => ({ group: unit.group, event: describeEvent(context, unit, startFrame, endFrame) }));
  if (rules.order !== 'label') return events.map((e) => e.event);
  const groups = new Map<string, EdlEvent[]>();
  for (const { group, event } of events) {
    const list = groups.get(group);
    if (list) list.push(event);
    else groups.set(group, [event]);
  }
  return [...groups.values()].flat();
}

/**
 * The items overlapping each range asked for, for ranges asked in source order (starts and ends
 * increasing, as disjoint sorted units are): a sweep, so describing every event stays linear.
 */
function overlapSweep<T extends FrameRange>(items: readonly T[]): (startFrame: number, endFrame: number) => T[] {
  const sorted = [...items].sort((a, b) => a.startFrame - b.startFrame);
  let next = 0;
  let active: T[] = [];
  return (startFrame, endFrame) => {
    while (next < sorted.length && (sorted[next] as T).startFrame < endFrame) active.push(sorted[next++] as T);
    active = active.filter((x) => x.endFrame > startFrame);
    return active;
  };
}

/** The sweeps {@link describeEvent} looks things up in. */
interface EventContext {
  readonly shots: (startFrame: number, endFrame: number) => Shot[];
  readonly scenes: (startFrame: number, endFrame: number) => Segment[];
  readonly technical: (startFrame: number, endFrame: number) => Segment[];
  readonly characters: (startFrame: number, endFrame: number) => Segment[];
}

function eventContext(analysis: AnalysisResult, shots: readonly Shot[]): EventContext {
  const ofKind = (kind: string): Segment[] => analysis.segments.filter((s) => (s.kind ?? 'scene') === kind);
  return { shots: overlapSweep(shots), scenes: overlapSweep(ofKind('scene')), technical: overlapSweep(ofKind('technical')), characters: overlapSweep(ofKind('character')) };
}

/**
 * Name and comment lines of one event, from the shots and segments that make up most of it.
 * Called for units in source order (the sweeps need it).
 */
function describeEvent(context: EventContext, unit: Unit, startFrame: number, endFrame: number): EdlEvent {
  // Content is judged on the unit without handles: a shot counts when it fills at least half of
  // the unit or the unit covers at least half of it, so a shot grazed by a segment edge does not.
  const { startFrame: uStart, endFrame: uEnd } = unit;
  const overlap = (r: FrameRange): number => Math.min(r.endFrame, uEnd) - Math.max(r.startFrame, uStart);
  const mostly = (r: FrameRange): boolean => {
    const o = overlap(r);
    return o > 0 && (o * 2 >= r.endFrame - r.startFrame || o * 2 >= uEnd - uStart);
  };
  const touched = context.shots(uStart, uEnd);
  const inside = touched.filter(mostly);
  const characters = new Map<string, number>();
  for (const shot of inside) for (const c of shot.characters) characters.set(c.name, Math.max(characters.get(c.name) ?? 0, c.confidence));
  for (const s of context.characters(uStart, uEnd)) if (mostly(s)) characters.set(s.label, Math.max(characters.get(s.label) ?? 0, s.confidence));
  const cast = [...characters.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const scales = [...new Set(inside.map((s) => s.scale).filter((s): s is string => s !== null))];
  const technical = [...new Set(context.technical(uStart, uEnd).filter(mostly).map((s) => s.label))];

  // A character segment carries no scene label: take the scene segment (or shot) under most of it.
  let label = unit.label;
  let confidence = unit.confidence;
  if (label === undefined) {
    const widest = [...context.scenes(uStart, uEnd)].sort((a, b) => overlap(b) - overlap(a))[0];
    if (widest) ({ label, confidence } = widest);
    else {
      const shot = touched.filter((x) => topLabel(x) !== undefined).sort((a, b) => overlap(b) - overlap(a))[0];
      label = topLabel(shot);
      if (shot && label !== undefined) confidence = shot.labels[label] ?? 0;
    }
  }
  const comments: string[] = [];
  if (label !== undefined) comments.push(`LABEL ${label} ${confidence.toFixed(2)}`);
  if (cast.length > 0) comments.push(`CHARACTERS ${cast.map(([name, conf]) => `${name} ${conf.toFixed(2)}`).join(', ')}`);
  if (scales.length > 0) comments.push(`SCALE ${scales.join(', ')}`);
  if (technical.length > 0) comments.push(`TECHNICAL ${technical.join(', ')}`);
  const nameParts = [label, cast.map(([name]) => name).join(', ')].filter((p): p is string => p !== undefined && p !== '');
  const name = clipNameText(nameParts.join(' - '));
  return { startFrame, endFrame, ...(name !== '' ? { name } : {}), comments };
}
