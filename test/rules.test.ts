// Rough-cut rules: selection by label, character, scale; min duration, merge gap, handles, order; the export CLI; OpenShot's importer.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { RoughcutError } from '../src/core/errors.js';
import { rational } from '../src/core/rational.js';
import type { AnalysisResult, CharacterAppearance, Segment, Shot } from '../src/core/types.js';
import { renderEdl, type EdlEvent } from '../src/export/edl.js';
import { addRuleOptions, canonicalScale, hasRules, parseRules, selectEvents, type RoughCutRules } from '../src/export/rules.js';
import { runCli } from './helpers/cli.js';
import { ffmpeg, tempDir } from './helpers/media.js';
import { CHECK_EDL, openshotSkipReason } from './helpers/nle.js';

const runFile = promisify(execFile);

interface ShotSpec {
  range: [number, number];
  labels: Record<string, number>;
  characters?: [string, number][];
  scale?: string | null;
}

/*
 * A 40 s programme at 25 fps (1000 frames), seven shots:
 *   0 [0,100)     anchor 0.90         Alice 0.88           close-up
 *   1 [100,200)   anchor 0.80         Alice 0.90, Bob 0.70 medium close-up
 *   2 [200,300)   weather 0.95        -                    wide
 *   3 [300,320)   anchor 0.70         Bob 0.80             close-up        (0.8 s)
 *   4 [320,400)   weather 0.60        -                    no face
 *   5 [400,600)   anchor 0.92         Alice 0.95           medium
 *   6 [600,1000)  commercial 0.99     -                    wide
 */
const SHOTS: ShotSpec[] = [
  { range: [0, 100], labels: { anchor: 0.9, weather: 0.05 }, characters: [['Alice', 0.88]], scale: 'close-up' },
  { range: [100, 200], labels: { anchor: 0.8, weather: 0.1 }, characters: [['Alice', 0.9], ['Bob', 0.7]], scale: 'medium close-up' },
  { range: [200, 300], labels: { weather: 0.95 }, scale: 'wide' },
  { range: [300, 320], labels: { anchor: 0.7 }, characters: [['Bob', 0.8]], scale: 'close-up' },
  { range: [320, 400], labels: { weather: 0.6 }, scale: 'no face' },
  { range: [400, 600], labels: { anchor: 0.92 }, characters: [['Alice', 0.95]], scale: 'medium' },
  { range: [600, 1000], labels: { commercial: 0.99 }, scale: 'wide' },
];

/** Scene segments as the classifier would write them: anchor spans the cut at 100. */
const SCENES: Segment[] = [
  { startFrame: 0, endFrame: 200, label: 'anchor', confidence: 0.85, kind: 'scene' },
  { startFrame: 200, endFrame: 300, label: 'weather', confidence: 0.9, kind: 'scene' },
  { startFrame: 300, endFrame: 320, label: 'anchor', confidence: 0.7, kind: 'scene' },
  { startFrame: 320, endFrame: 400, label: 'weather', confidence: 0.6 }, // no kind: an older analysis, means scene
  { startFrame: 400, endFrame: 600, label: 'anchor', confidence: 0.9, kind: 'scene' },
  { startFrame: 600, endFrame: 1000, label: 'commercial', confidence: 0.99, kind: 'scene' },
];

function analysisOf(segments: Segment[] = [], shots: ShotSpec[] = SHOTS, name = 'news.mp4'): AnalysisResult {
  const built: Shot[] = shots.map((s, index) => ({
    index, startFrame: s.range[0], endFrame: s.range[1],
    transition: index === 0 ? { type: 'start' } : { type: 'cut' },
    keyframe: { frame: s.range[0], image: `keyframes/${String(s.range[0]).padStart(6, '0')}.jpg` },
    labels: s.labels,
    characters: (s.characters ?? []).map(([n, confidence]): CharacterAppearance => ({ name: n, confidence, seconds: 2 })),
    scale: s.scale ?? null,
  }));
  const frameCount = shots.at(-1)!.range[1];
  return {
    version: 1,
    source: { path: `/media/${name}`, name, fps: rational(25), dropFrame: false, frameCount, durationSeconds: frameCount / 25, startTimecode: '00:00:00:00', width: 64, height: 36, variableFrameRate: false },
    transitions: built.slice(1).map((s) => ({ type: 'cut', frame: s.startFrame, confidence: 0.95 })),
    shots: built, segments, keyframes: [],
    classifier: { model: 'test', backend: 'cpu', classes: ['anchor', 'weather', 'commercial'] },
    timing: { seconds: 1, framesPerSecond: 1000 }, settings: {},
  };
}

const ranges = (events: readonly EdlEvent[]): [number, number][] => events.map((e) => [e.startFrame, e.endFrame]);

function errorOf(fn: () => unknown): RoughcutError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RoughcutError);
    return error as RoughcutError;
  }
  throw new Error('expected a RoughcutError, nothing was thrown');
}

describe('selectEvents: what is selected', () => {
  it('without rules: one event per shot in source order, named after its label and characters', () => {
    const events = selectEvents(analysisOf(), {});
    expect(ranges(events)).toEqual(SHOTS.map((s) => s.range));
    expect(events.map((e) => e.name)).toEqual(['anchor - Alice', 'anchor - Alice, Bob', 'weather', 'anchor - Bob', 'weather', 'anchor - Alice', 'commercial']);
    expect(events[1]!.comments).toEqual(['LABEL anchor 0.80', 'CHARACTERS Alice 0.90, Bob 0.70', 'SCALE medium close-up']);
    expect(hasRules({})).toBe(false);
    expect(hasRules({ order: 'source' })).toBe(false);
    expect(hasRules({ include: ['anchor'] })).toBe(true);
    expect(hasRules({ mergeGapSeconds: 0 })).toBe(true);
  });

  it('--include LABEL without scene segments: the shots whose top label it is, case-insensitively', () => {
    const events = selectEvents(analysisOf(), { include: ['Anchor'] });
    expect(ranges(events)).toEqual([[0, 100], [100, 200], [300, 320], [400, 600]]);
    expect(events[3]).toEqual({ startFrame: 400, endFrame: 600, name: 'anchor - Alice', comments: ['LABEL anchor 0.92', 'CHARACTERS Alice 0.95', 'SCALE medium'] });
  });

  it('--include LABEL with scene segments: the segments, one event across the shot cuts inside them', () => {
    const events = selectEvents(analysisOf(SCENES), { include: ['anchor'] });
    expect(ranges(events)).toEqual([[0, 200], [300, 320], [400, 600]]);
    expect(events[0]).toEqual({ startFrame: 0, endFrame: 200, name: 'anchor - Alice, Bob', comments: ['LABEL anchor 0.85', 'CHARACTERS Alice 0.90, Bob 0.70', 'SCALE close-up, medium close-up'] });
    // A segment without a kind is a scene segment.
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['scene:weather'] }))).toEqual([[200, 300], [320, 400]]);
    // Overlapping matches of several selectors become one event, with the label of the one that starts first.
    expect(selectEvents(analysisOf(SCENES), { include: ['character:Alice', 'anchor'] }).map((e) => [e.startFrame, e.endFrame, e.name]))
      .toEqual([[0, 200, 'anchor - Alice, Bob'], [300, 320, 'anchor - Bob'], [400, 600, 'anchor - Alice']]);
    // Several selectors: their union, in source order.
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['weather', 'commercial'] }))).toEqual([[200, 300], [320, 400], [600, 1000]]);
  });

  it('--include character:NAME: the shots that show the character, and its character segments', () => {
    expect(ranges(selectEvents(analysisOf(), { include: ['character:alice'] }))).toEqual([[0, 100], [100, 200], [400, 600]]);
    const bob = selectEvents(analysisOf(), { include: ['character:Bob'], order: 'label' });
    expect(bob.map((e) => e.name)).toEqual(['anchor - Alice, Bob', 'anchor - Bob']);
    const segments: Segment[] = [{ startFrame: 210, endFrame: 290, label: 'Carol', confidence: 0.77, kind: 'character' }];
    const carol = selectEvents(analysisOf(segments), { include: ['character:Carol'] });
    expect(carol).toEqual([{ startFrame: 210, endFrame: 290, name: 'weather - Carol', comments: ['LABEL weather 0.95', 'CHARACTERS Carol 0.77', 'SCALE wide'] }]);
  });

  it('comments ignore a shot a segment edge only grazes', () => {
    const grazing = selectEvents(analysisOf([{ startFrame: 95, endFrame: 205, label: 'anchor', confidence: 0.8, kind: 'scene' }]), { include: ['anchor'] });
    expect(grazing).toEqual([{ startFrame: 95, endFrame: 205, name: 'anchor - Alice, Bob', comments: ['LABEL anchor 0.80', 'CHARACTERS Alice 0.90, Bob 0.70', 'SCALE medium close-up'] }]);
  });

  it('--scale keeps only shots of those scales, by abbreviation or name, and combines with --include as AND', () => {
    expect(ranges(selectEvents(analysisOf(), { scale: ['CU'] }))).toEqual([[0, 100], [300, 320]]);
    expect(ranges(selectEvents(analysisOf(), { include: ['character:Alice'], scale: ['close-up', 'MCU'] }))).toEqual([[0, 100], [100, 200]]);
    expect(ranges(selectEvents(analysisOf(), { scale: ['no face'] }))).toEqual([[320, 400]]);
    // A scene segment across a CU and an MCU shot keeps its frames in CU shots only.
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['anchor'], scale: ['CU'] }))).toEqual([[0, 100], [300, 320]]);
    expect(canonicalScale('Extreme Close Up')).toBe('extreme close-up');
    expect(canonicalScale('ws')).toBe('wide');
    expect(canonicalScale('medium shot')).toBe('medium');
    expect(canonicalScale('huge')).toBeUndefined();
  });

  it('--exclude removes the frames it matches wherever they fall, splitting a unit when it must', () => {
    expect(ranges(selectEvents(analysisOf(), { exclude: ['commercial'] }))).toEqual(SHOTS.slice(0, 6).map((s) => s.range));
    const withBlack = [...SCENES, { startFrame: 590, endFrame: 610, label: 'black', confidence: 1, kind: 'technical' } as Segment];
    expect(ranges(selectEvents(analysisOf(withBlack), { include: ['anchor'], exclude: ['technical:black'] }))).toEqual([[0, 200], [300, 320], [400, 590]]);
    // A black stretch inside a shot splits it; both halves keep the shot's label.
    const inside = selectEvents(analysisOf([{ startFrame: 450, endFrame: 460, label: 'black', confidence: 1, kind: 'technical' }]), { exclude: ['black'] });
    expect(ranges(inside).slice(5, 7)).toEqual([[400, 450], [460, 600]]);
    expect(inside[6]!.name).toBe('anchor - Alice');
    expect(inside[5]!.comments).toEqual(['LABEL anchor 0.92', 'CHARACTERS Alice 0.95', 'SCALE medium']); // a quarter of its shot
    expect(ranges(selectEvents(analysisOf(), { include: ['anchor'], exclude: ['character:Bob'] }))).toEqual([[0, 100], [400, 600]]);
    // A technical segment that makes up most of an event is named in its comments.
    const blackShot = selectEvents(analysisOf([{ startFrame: 300, endFrame: 320, label: 'black', confidence: 1, kind: 'technical' }]), { include: ['character:Bob'] });
    expect(blackShot[1]!.comments).toContain('TECHNICAL black');
  });

  it('an empty selection is an error naming what the analysis has', () => {
    const error = errorOf(() => selectEvents(analysisOf(), { include: ['ancor'] }));
    expect(error.code).toBe('BAD_ARGUMENT');
    expect(error.message).toBe('news.mp4: the rough-cut rules (--include ancor) select no frames; this analysis has labels: anchor, commercial, weather; characters: Alice, Bob; scales: close-up, medium, medium close-up, no face, wide; loosen the rules.');
    expect(errorOf(() => selectEvents(analysisOf(), { include: ['anchor'], minDurationSeconds: 60 })).message).toMatch(/--include anchor --min-duration 60\) select no frames/);
    expect(errorOf(() => selectEvents(analysisOf(), { include: ['person:Alice'] })).message).toMatch(/unknown kind "person"/);
    expect(errorOf(() => selectEvents(analysisOf(), { include: ['alice'] })).message).toMatch(/loosen the rules \(for the character, write character:alice\)\.$/);
  });
});

describe('selectEvents: shaping the cut', () => {
  it('--min-duration drops events shorter than it (exactly at the limit stays)', () => {
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['anchor'], minDurationSeconds: 1 }))).toEqual([[0, 200], [400, 600]]);
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['anchor'], minDurationSeconds: 0.8 }))).toEqual([[0, 200], [300, 320], [400, 600]]);
    // Variable frame rate: durations come from the frames' presentation times, not their count.
    const cfr = analysisOf([], [{ range: [0, 10], labels: { a: 1 } }, { range: [10, 20], labels: { b: 1 } }]);
    const times = Array.from({ length: 20 }, (_, i) => (i < 10 ? i * 0.04 : 0.4 + (i - 10) * 0.08));
    const vfr: AnalysisResult = { ...cfr, source: { ...cfr.source, variableFrameRate: true, frameTimesSeconds: times } };
    expect(errorOf(() => selectEvents(cfr, { minDurationSeconds: 0.6 })).message).toMatch(/select no frames/); // 0.4 s each
    expect(ranges(selectEvents(vfr, { minDurationSeconds: 0.6 }))).toEqual([[10, 20]]); // 0.4 s, then 0.76 s
  });

  it('--merge-gap joins consecutive events of one label at most that far apart, with a length-weighted confidence', () => {
    // anchor [0,200) .. 4 s .. [300,320) .. 3.2 s .. [400,600)
    const at4 = selectEvents(analysisOf(SCENES), { include: ['anchor'], mergeGapSeconds: 4 });
    expect(ranges(at4)).toEqual([[0, 600]]);
    // Comments describe every shot inside, however short, in source order.
    expect(at4[0]!.comments).toEqual([`LABEL anchor ${((0.85 * 200 + 0.7 * 20 + 0.9 * 200) / 420).toFixed(2)}`, 'CHARACTERS Alice 0.95, Bob 0.80', 'SCALE close-up, medium close-up, wide, no face, medium']);
    const at39 = selectEvents(analysisOf(SCENES), { include: ['anchor'], mergeGapSeconds: 3.9 });
    expect(ranges(at39)).toEqual([[0, 200], [300, 600]]);
    expect(at39[1]!.comments![0]).toBe(`LABEL anchor ${((0.7 * 20 + 0.9 * 200) / 220).toFixed(2)}`);
    // The confidence of a merged event weighs each part by its own frames, not the gaps between.
    const parts: Segment[] = [[0, 100, 0.2], [110, 120, 0.9], [130, 430, 0.9]].map(([a, b, c]) => ({ startFrame: a!, endFrame: b!, label: 'anchor', confidence: c!, kind: 'scene' }));
    expect(selectEvents(analysisOf(parts), { include: ['anchor'], mergeGapSeconds: 1 })[0]!.comments![0]).toBe('LABEL anchor 0.73');
    // Merging happens before the minimum length: the short anchor stretch survives inside the merged one.
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['anchor'], mergeGapSeconds: 3.9, minDurationSeconds: 5 }))).toEqual([[0, 200], [300, 600]]);
    // Shots of different labels between two anchors stop a merge; gap 0 joins touching shots of one label.
    expect(ranges(selectEvents(analysisOf(), { mergeGapSeconds: 0 }))).toEqual([[0, 200], [200, 300], [300, 320], [320, 400], [400, 600], [600, 1000]]);
  });

  it('--merge-gap never bridges excluded frames', () => {
    const withBlack = [...SCENES, { startFrame: 250, endFrame: 260, label: 'black', confidence: 1, kind: 'technical' } as Segment];
    expect(ranges(selectEvents(analysisOf(withBlack), { include: ['anchor'], mergeGapSeconds: 5, exclude: ['black'] }))).toEqual([[0, 200], [300, 600]]);
    expect(ranges(selectEvents(analysisOf(withBlack), { include: ['anchor'], mergeGapSeconds: 5 }))).toEqual([[0, 600]]);
  });

  it('--handles extends each side, clamped to the source, sharing a gap shorter than two handles', () => {
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['anchor'], handlesFrames: 10 }))).toEqual([[0, 210], [290, 330], [390, 610]]);
    expect(ranges(selectEvents(analysisOf(SCENES), { include: ['commercial', 'anchor'], handlesFrames: 30 }))).toEqual([[0, 230], [270, 350], [370, 600], [600, 1000]]);
    // A gap of 21 frames with 20-frame handles: 11 frames to the event before, 10 to the one after.
    const withBlack = [{ startFrame: 590, endFrame: 611, label: 'black', confidence: 1, kind: 'technical' } as Segment];
    expect(ranges(selectEvents(analysisOf(withBlack), { exclude: ['black'], handlesFrames: 20 })).slice(4)).toEqual([[320, 400], [400, 601], [601, 1000]]);
    // Touching shots get no handles; seconds convert at the source rate (0.4 s at 25 fps = 10 frames).
    expect(ranges(selectEvents(analysisOf(), { handlesSeconds: 0.4 }))).toEqual(SHOTS.map((s) => s.range));
    expect(ranges(selectEvents(analysisOf(), { include: ['character:Bob'], handlesSeconds: 0.4 }))).toEqual([[90, 210], [290, 330]]);
  });

  it('--order label groups by label in order of first appearance, source order within a group', () => {
    const events = selectEvents(analysisOf(), { order: 'label' });
    expect(ranges(events)).toEqual([[0, 100], [100, 200], [300, 320], [400, 600], [200, 300], [320, 400], [600, 1000]]);
    // Handles are decided in source order, before reordering.
    const handled = selectEvents(analysisOf(SCENES), { include: ['weather', 'commercial'], handlesFrames: 5, order: 'label' });
    expect(ranges(handled)).toEqual([[195, 305], [315, 405], [595, 1000]]);
    const mixed = selectEvents(analysisOf(SCENES), { include: ['anchor', 'weather'], order: 'label' });
    expect(mixed.map((e) => e.name?.split(' - ')[0])).toEqual(['anchor', 'anchor', 'anchor', 'weather', 'weather']);
  });

  it('names are printable ASCII and short enough for a CMX clip name line', () => {
    const events = selectEvents(analysisOf([], [{ range: [0, 50], labels: { 'météo\nnationale': 0.9 }, characters: [['Zoë', 0.9], ['X'.repeat(80), 0.8]] }]), {});
    expect(events[0]!.name).toMatch(/^meteo nationale - Zoe, X+$/);
    expect(events[0]!.name!.length).toBeLessThanOrEqual(60);
    const edl = renderEdl(analysisOf([], [{ range: [0, 50], labels: {} }]), { events: selectEvents(analysisOf([], [{ range: [0, 50], labels: {} }]), {}) });
    expect(edl).toMatch(/\* FROM CLIP NAME: news\.mp4\n/); // no label, no character: the file name
  });
});

describe('parseRules', () => {
  it('parses every flag', () => {
    const rules = parseRules({ include: 'anchor, character:Alice', exclude: 'technical:black', scale: 'cu,Medium Close-Up', minDuration: '2.5', handles: '12', mergeGap: '1s', order: 'LABEL' });
    expect(rules).toEqual<RoughCutRules>({
      include: ['anchor', 'character:Alice'], exclude: ['technical:black'], scale: ['close-up', 'medium close-up'],
      minDurationSeconds: 2.5, handlesFrames: 12, mergeGapSeconds: 1, order: 'label',
    });
    expect(parseRules({})).toEqual({});
    expect(parseRules({ handles: '0.5s' })).toEqual({ handlesSeconds: 0.5 });
    expect(parseRules({ handles: '0.5s' }, rational(30000, 1001))).toEqual({ handlesFrames: 15 });
  });

  it('refuses bad values with a sentence saying how to write them', () => {
    const cases: [Parameters<typeof parseRules>[0], string][] = [
      [{ include: ' , ' }, '--include " , " is empty; give a comma-separated list such as --include anchor,character:Alice.'],
      [{ include: 'character:' }, '--include "character:" names nothing; give a label or character:NAME.'],
      [{ exclude: 'who:Bob' }, '--exclude "who:Bob" has an unknown kind "who"; write a plain label, or prefix it with character:, scene: or technical: (e.g. character:Alice).'],
      [{ scale: 'CU,XL' }, `--scale "XL" is not a shot scale; use ECU, CU, MCU, MS, WS, NF or 'extreme close-up', 'close-up', 'medium close-up', 'medium', 'wide', 'no face'.`],
      [{ minDuration: '-1' }, '--min-duration "-1" is not a number of seconds; give one such as --min-duration 2.5.'],
      [{ mergeGap: 'soon' }, '--merge-gap "soon" is not a number of seconds; give one such as --merge-gap 1.'],
      [{ handles: '1.5' }, '--handles "1.5" is neither a frame count nor seconds; give frames (--handles 12) or seconds (--handles 0.5s).'],
      [{ order: 'random' }, '--order "random" is not an order; use --order source or --order label.'],
    ];
    for (const [flags, message] of cases) {
      const error = errorOf(() => parseRules(flags));
      expect(error.code).toBe('BAD_ARGUMENT');
      expect(error.message).toBe(message);
    }
  });

  it('addRuleOptions adds the flags commander parses into RuleFlags', () => {
    const command = addRuleOptions(new Command('x').exitOverride());
    command.parse(['--include', 'anchor', '--min-duration', '2', '--handles', '0.5s', '--merge-gap', '1', '--order', 'label', '--scale', 'CU', '--exclude', 'black'], { from: 'user' });
    expect(command.opts()).toEqual({ include: 'anchor', minDuration: '2', handles: '0.5s', mergeGap: '1', order: 'label', scale: 'CU', exclude: 'black' });
  });
});

// ---------------------------------------------------------------- the CLI and a real importer
/** Timecode to frames at 25 fps, written here rather than borrowed from src/core/timecode.ts. */
const tc25 = (tc: string): number => {
  const [h, m, s, f] = tc.split(/[:;]/).map(Number) as [number, number, number, number];
  return ((h * 60 + m) * 60 + s) * 25 + f;
};

interface ParsedEvent { num: string; srcIn: number; srcOut: number; recIn: number; recOut: number; clip: string; comments: string[] }

function parseEdl(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{3}) {2}\S+\s+V\s+C\s+(\S+) (\S+) (\S+) (\S+)$/.exec(line);
    if (m) events.push({ num: m[1]!, srcIn: tc25(m[2]!), srcOut: tc25(m[3]!), recIn: tc25(m[4]!), recOut: tc25(m[5]!), clip: '', comments: [] });
    else if (line.startsWith('* FROM CLIP NAME: ')) events.at(-1)!.clip = line.slice(18);
    else if (line.startsWith('* ')) events.at(-1)!.comments.push(line.slice(2));
  }
  return events;
}

describe('roughcut export with rules', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => { ({ dir, cleanup } = await tempDir('roughcut-rules-')); });
  afterAll(() => cleanup());

  it('--include writes the selected stretches to every format; an empty selection is exit 2 with nothing written', async () => {
    const file = path.join(dir, 'analysis.json');
    await writeFile(file, JSON.stringify(analysisOf(SCENES)));
    const out = path.join(dir, 'out');
    const run = await runCli(['export', file, '--format', 'edl,otio,fcp7', '--out', out, '--include', 'anchor', '--handles', '5', '--min-duration', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const events = parseEdl(await readFile(path.join(out, 'news.edl'), 'utf8'));
    expect(events.map((e) => [e.srcIn, e.srcOut])).toEqual([[0, 205], [395, 605]]);
    expect(events.map((e) => [e.recIn - tc25('01:00:00:00'), e.recOut - tc25('01:00:00:00')])).toEqual([[0, 205], [205, 415]]);
    expect(events[0]).toMatchObject({ num: '001', clip: 'anchor - Alice, Bob', comments: ['LABEL anchor 0.85', 'CHARACTERS Alice 0.90, Bob 0.70', 'SCALE close-up, medium close-up'] });
    expect(events[1]).toMatchObject({ num: '002', clip: 'anchor - Alice', comments: ['LABEL anchor 0.90', 'CHARACTERS Alice 0.95', 'SCALE medium'] });
    const otio = JSON.parse(await readFile(path.join(out, 'news.otio'), 'utf8')) as { tracks: { children: { children: { OTIO_SCHEMA: string; name: string }[] }[] } };
    const clips = otio.tracks.children[0]!.children.filter((c) => c.OTIO_SCHEMA.startsWith('Clip'));
    expect(clips.map((c) => c.name)).toEqual(['anchor - Alice, Bob', 'anchor - Alice']);
    expect((await readFile(path.join(out, 'news.xml'), 'utf8')).match(/<clipitem /g)).toHaveLength(2);

    const empty = path.join(dir, 'empty');
    const none = await runCli(['export', file, '--format', 'edl', '--out', empty, '--include', 'character:Nobody']);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^roughcut: news\.mp4: the rough-cut rules \(--include character:Nobody\) select no frames; .*characters: Alice, Bob; .*loosen the rules\.\n$/);
    expect(existsSync(empty)).toBe(false);
    const bad = await runCli(['export', file, '--handles', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--handles "lots" is neither a frame count nor seconds/);
  });

  it('without rules the default EDL keeps the file name as clip name, with labels, characters and scale in comments', async () => {
    const file = path.join(dir, 'plain.json');
    await writeFile(file, JSON.stringify(analysisOf()));
    const out = path.join(dir, 'plain');
    const run = await runCli(['export', file, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(await readdir(out)).toEqual(['news.edl']);
    const events = parseEdl(await readFile(path.join(out, 'news.edl'), 'utf8'));
    expect(events).toHaveLength(SHOTS.length);
    expect(events[1]).toMatchObject({ clip: 'news.mp4', comments: ['COMMENT: KEYFRAME keyframes/000100.jpg; LABELS anchor 0.80, weather 0.10; CHARACTERS Alice 0.90, Bob 0.70; SCALE medium close-up'] });
  });

  const skipReason = openshotSkipReason();
  it.skipIf(skipReason !== undefined)(`a rule-selected EDL (openshot profile) imports through OpenShot with every clip in place${skipReason ? ` — skipped: ${skipReason}` : ''}`, async () => {
    const media = path.join(dir, 'news.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x36:rate=25:duration=40', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', media]);
    const analysis = analysisOf(SCENES);
    const events = selectEvents(analysis, { include: ['weather', 'character:Alice'], exclude: ['commercial'], handlesFrames: 5, order: 'label' });
    // Alice's shots first (she appears first), then the weather segments; handles share the 20-frame gap.
    expect(ranges(events)).toEqual([[0, 100], [100, 200], [400, 605], [200, 305], [315, 400]]);
    const edlFile = path.join(dir, 'rules-openshot.edl');
    await writeFile(edlFile, renderEdl(analysis, { profile: 'openshot', events }));
    let stdout = '';
    let rc = 0;
    try {
      ({ stdout } = await runFile(CHECK_EDL, [edlFile, '--fps', '25', '--raw', '--no-placeholders'], { maxBuffer: 16 * 1024 * 1024 }));
    } catch (error) {
      const e = error as { code?: number; stdout?: string };
      rc = e.code ?? -1;
      stdout = e.stdout ?? '{}';
    }
    const result = JSON.parse(stdout) as { verdict: string; parsers: { openshot: { problems?: string[]; raw?: { clips?: { start_frames: number; end_frames: number; position_frames: number; title: string }[] } } } };
    expect(result.parsers.openshot.problems ?? []).toEqual([]);
    expect(rc).toBe(0);
    expect(result.verdict).toBe('pass');
    const clips = result.parsers.openshot.raw?.clips ?? [];
    expect(clips).toHaveLength(events.length);
    let position = 0;
    clips.forEach((clip, i) => {
      const e = events[i]!;
      expect(clip.title).toBe('news.mp4');
      expect(clip.start_frames).toBeCloseTo(e.startFrame, 3);
      expect(clip.end_frames).toBeCloseTo(e.endFrame, 3);
      expect(clip.position_frames).toBeCloseTo(position, 3);
      position += e.endFrame - e.startFrame;
    });
  }, 120_000);
});
