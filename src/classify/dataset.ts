// Training and evaluation data for the classifier: class folders of images or videos, or one video with labelled ranges.
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { RoughcutError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { secondsToFrames } from '../core/rational.js';
import { defaultSettings } from '../core/settings.js';
import { canDropFrame, timecodeToFrames, type TimecodeFormat } from '../core/timecode.js';
import type { MediaInfo, Transition } from '../core/types.js';
import { analysisSize, decodeFrames } from '../frames/decode.js';
import type { RgbFrame } from '../frames/frame.js';
import sharp from '../frames/image-codec.js';
import { probeMedia } from '../ingest/probe.js';
import { validateInput } from '../ingest/validate.js';
import { createBoundaryDetector } from '../keyframes/boundaries.js';
import { buildShots } from '../keyframes/shots.js';
import type { LabelledImage } from './train.js';
import { mulberry32 } from '../core/random.js';

/** Image files a class folder may hold. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp']);
/** Video files a class folder may hold, or that `--labels` may describe. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['.mp4', '.mov', '.m4v', '.mkv', '.avi', '.webm', '.mxf', '.mts', '.m2ts', '.ts', '.mpg', '.mpeg']);

/** Default width of every example, the analysis width the pipeline classifies at. */
export const DEFAULT_ANALYSIS_WIDTH = 160;
/** Default sampling rate inside a video, in frames per second. */
export const DEFAULT_SAMPLE_FPS = 2;
/**
 * Consecutive numbered images of one name (`desk_0001.jpg`, `desk_0002.jpg`, ...) are kept in
 * groups of this many: grabs a few frames apart are near duplicates, and a group never straddles
 * train and validation.
 */
export const IMAGE_GROUP_BLOCK = 8;

/** Progress of {@link loadDataset}: `done` of `total` files read, or frames decoded in `file`. */
export interface DatasetProgress {
  readonly stage: 'images' | 'decode';
  readonly file: string;
  readonly done: number;
  readonly total: number;
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** A CSV (`start,end,label`) or CMX 3600 EDL labelling ranges of the video `dataPath`. */
  readonly labels?: string;
  /** Frames sampled per second of video. Default {@link DEFAULT_SAMPLE_FPS}. */
  readonly sampleFps?: number;
  /** Width every example is scaled to (aspect kept). Default {@link DEFAULT_ANALYSIS_WIDTH}. */
  readonly analysisWidth?: number;
  /** At most this many examples per class, spread evenly over the class's examples in order. */
  readonly maxPerClass?: number;
  /**
   * Fewest classes the data must have: 2 (default) for training; evaluation may pass 1, since
   * measuring a model on footage of one class is meaningful.
   */
  readonly minClasses?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: DatasetProgress) => void;
  readonly logger?: Logger;
}

/** What {@link loadDataset} read: the classes (sorted), the examples, and a summary for reports. */
export interface Dataset {
  readonly classes: string[];
  readonly items: LabelledImage[];
  readonly description: Record<string, unknown>;
}

/** One labelled range of a video: frames `[startFrame, endFrame)`. */
export interface LabelRange {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly label: string;
  /** Where the range was written (`labels.csv line 4`), for messages. */
  readonly where: string;
}

/**
 * Loads labelled examples for training or evaluation.
 *
 * - `dataPath` a folder: each subfolder is a class (its name the label) holding images
 *   (jpg, png, webp) and/or videos. Images are decoded with sharp and scaled to `analysisWidth`
 *   wide RGB, aspect kept; an unreadable or empty image is skipped with a warning naming it.
 *   Each image's group is its class, its file name with trailing digits stripped, and the index
 *   of its block of {@link IMAGE_GROUP_BLOCK} consecutive numbers, so near-duplicate grabs stay
 *   on one side of a split. A video's frames are sampled at `sampleFps` and grouped by shot.
 * - `dataPath` a video with `options.labels`: see {@link readLabelRanges} for the CSV and EDL
 *   forms; frames inside labelled ranges are sampled at `sampleFps` from one decode at analysis
 *   size, and grouped as `<label>#<shot index>` by the shot detector run during that decode.
 *
 * @throws RoughcutError `BAD_DATA` for a missing path, an empty folder, fewer than `minClasses` classes,
 *   a class left with no examples, or labels that do not parse or fall outside the video; the
 *   message names the file and the fix. Decode and probe errors pass through.
 */
export async function loadDataset(dataPath: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const logger = options.logger ?? silentLogger;
  const stat = await fs.stat(dataPath).catch(() => undefined);
  if (!stat) {
    throw new RoughcutError('BAD_DATA', `${dataPath}: no such file or folder; give a folder of class subfolders, or a video with --labels.`, { file: dataPath });
  }
  let dataset: Dataset;
  if (stat.isDirectory()) {
    if (options.labels !== undefined) {
      throw new RoughcutError('BAD_DATA', `${dataPath}: is a folder, and --labels only applies to one video; drop --labels, or pass the video file itself.`, { file: dataPath });
    }
    dataset = await loadClassFolders(dataPath, options, logger);
  } else {
    if (options.labels === undefined) {
      throw new RoughcutError('BAD_DATA', `${dataPath}: is a single file; give --labels with a CSV or EDL of its labelled ranges, or pass a folder of class subfolders.`, { file: dataPath });
    }
    dataset = await loadLabelledVideo(dataPath, options.labels, options, logger);
  }
  const items = options.maxPerClass === undefined ? dataset.items : capPerClass(dataset.items, dataset.classes, options.maxPerClass);
  const perClass = Object.fromEntries(dataset.classes.map((c) => [c, items.filter((i) => i.label === c).length]));
  const groups = Object.fromEntries(dataset.classes.map((c) => [c, new Set(items.filter((i) => i.label === c).map((i) => i.group)).size]));
  logger.info('dataset loaded', { path: dataPath, classes: dataset.classes, examples: items.length });
  return { classes: dataset.classes, items, description: { ...dataset.description, examples: items.length, perClass, groups, ...(options.maxPerClass === undefined ? {} : { maxPerClass: options.maxPerClass }) } };
}

/** Options of {@link loadVideoExamples}. */
export interface VideoExampleOptions {
  readonly sampleFps?: number;
  readonly analysisWidth?: number;
  /** A probe result to reuse. */
  readonly media?: MediaInfo;
  /** Prefix of every group name (default none): `<prefix><label>#<shot index>`. */
  readonly groupPrefix?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: DatasetProgress) => void;
}

/**
 * Samples labelled frames from one video in a single decode at analysis size: inside each range
 * the first frame is taken and then one every `1 / sampleFps` seconds of presentation time. The
 * boundary detector sees every decoded frame up to the last labelled one, and each example's
 * group is `<prefix><label>#<shot index>`, so frames of one shot share a group. Examples come
 * out in frame order.
 *
 * @throws RoughcutError `BAD_DATA` when two ranges with different labels overlap.
 */
export async function loadVideoExamples(file: string, ranges: readonly LabelRange[], options: VideoExampleOptions = {}): Promise<LabelledImage[]> {
  const sampleFps = options.sampleFps ?? DEFAULT_SAMPLE_FPS;
  if (!(sampleFps > 0)) throw new RoughcutError('BAD_ARGUMENT', `sample rate ${sampleFps} is not a positive number of frames per second.`);
  const media = options.media ?? (await validateInput(file), await probeMedia(file, { signal: options.signal }));
  const sorted = [...ranges].sort((a, b) => a.startFrame - b.startFrame);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.startFrame < a.endFrame && b.label !== a.label) {
      throw new RoughcutError('BAD_DATA', `${b.where}: the range labelled "${b.label}" overlaps "${a.label}" (${a.where}); a frame can carry one label only, so make the ranges meet without overlapping.`, { file });
    }
  }
  const lastFrame = Math.max(0, ...sorted.map((r) => r.endFrame));
  const size = analysisSize(media.displayWidth, media.displayHeight, options.analysisWidth ?? DEFAULT_ANALYSIS_WIDTH);
  const minShotFrames = Math.max(1, secondsToFrames(defaultSettings().minShotSeconds, media.fps));
  const detector = createBoundaryDetector({ fps: media.fps, width: size.width, height: size.height, minShotFrames });
  const transitions: Transition[] = [];
  const nextSampleAt = new Map<LabelRange, number>();
  const sampled: { frame: RgbFrame; label: string }[] = [];
  const interval = 1 / sampleFps;
  let cursor = 0;
  let frameCount = 0;
  const total = Math.min(lastFrame, media.frameCount);
  for await (const decoded of decodeFrames(file, { outputs: [{ name: 'analysis', ...size }], signal: options.signal })) {
    const frame = decoded.frames.analysis!;
    // Past the last labelled frame the decode runs on to the end unread: leaving decodeFrames
    // early would wait on pipes nobody drains.
    if (frame.index >= lastFrame) continue;
    transitions.push(...detector.push(frame));
    frameCount = frame.index + 1;
    while (cursor < sorted.length && sorted[cursor]!.endFrame <= frame.index) cursor += 1;
    for (let i = cursor; i < sorted.length && sorted[i]!.startFrame <= frame.index; i++) {
      const range = sorted[i]!;
      if (frame.index >= range.endFrame) continue;
      const due = nextSampleAt.get(range);
      // A small tolerance so a 25 fps stream sampled at 2 fps takes frames 0, 13, 25, ... not 0, 13, 26.
      if (due !== undefined && frame.ptsSeconds < due - 1e-6) continue;
      nextSampleAt.set(range, (due ?? frame.ptsSeconds) + interval * Math.max(1, Math.ceil((frame.ptsSeconds - (due ?? frame.ptsSeconds)) / interval + 1e-9)));
      // The decode reuses nothing, but a copy keeps the example independent of the pipe's buffers.
      sampled.push({ frame: { ...frame, data: new Uint8Array(frame.data) }, label: range.label });
      break;
    }
    if (frame.index % 25 === 0) options.onProgress?.({ stage: 'decode', file, done: frame.index, total });
  }
  transitions.push(...detector.flush());
  options.onProgress?.({ stage: 'decode', file, done: frameCount, total: frameCount });
  const shotStarts = buildShots(transitions, frameCount).map((s) => s.startFrame);
  return sampled.map(({ frame, label }) => ({ image: frame, label, group: `${options.groupPrefix ?? ''}${label}#${shotIndexAt(shotStarts, frame.index)}` }));
}

/** The index of the shot containing `frame`, given the shots' start frames in order. */
function shotIndexAt(starts: readonly number[], frame: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= frame) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Reads the labelled ranges of a video from a CSV or an EDL (by the `.edl` suffix), as frame
 * ranges `[startFrame, endFrame)` of `media`.
 *
 * CSV: one `start,end,label` per line (a header line, blank lines and `#` comments are skipped;
 * a label may be quoted). `start` and `end` are each a SMPTE timecode (`HH:MM:SS:FF`, `;FF` for
 * drop-frame) at the video's rate, a plain frame number, or seconds with an `s` suffix (`12.5s`);
 * `end` is exclusive, like an EDL's source out.
 *
 * EDL (CMX 3600): each event's source in/out give the range; its label is the first of: a
 * `* LABEL: name` line; a `* COMMENT:` line with a `LABEL name` or `LABELS name 0.91, ...` part
 * (the form roughcut's own EDLs write, parts separated by `;`; the first name counts); the
 * `* FROM CLIP NAME:` without its file extension; the whole text of a `* COMMENT:` line.
 *
 * Timecodes: a video whose own start timecode is `10:00:00:00` is usually logged in that
 * timecode, so a timecode at or after the file's start timecode is taken as source timecode and
 * the start is subtracted; a timecode before it cannot be source timecode of this file, so it is
 * taken as time from the file's first frame (`00:00:05:00` is the sixth second). For a file
 * without a start timecode both readings agree.
 *
 * @throws RoughcutError `BAD_DATA` naming the file and line for a line that does not parse, an
 *   empty or backwards range, a range outside the video, or a file with no ranges at all.
 */
export async function readLabelRanges(labelsPath: string, media: MediaInfo): Promise<LabelRange[]> {
  const text = await fs.readFile(labelsPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new RoughcutError('BAD_DATA', `${labelsPath}: cannot read the labels file (${error.code ?? error.message}); check the path given to --labels.`, { file: labelsPath, cause: error });
  });
  const format: TimecodeFormat = { fps: media.fps, dropFrame: media.dropFrame && canDropFrame(media.fps) };
  let startTc = 0;
  try {
    startTc = timecodeToFrames(media.startTimecode, format);
  } catch {
    startTc = 0;
  }
  const toFrame = (field: string, where: string, allowFrames: boolean): number => {
    const t = field.trim();
    if (/^\d+$/.test(t) && allowFrames) return Number(t);
    const seconds = /^(\d+(?:\.\d+)?)\s*s$/i.exec(t);
    if (seconds && allowFrames) return secondsToFrames(Number(seconds[1]), media.fps);
    let frames: number;
    try {
      frames = timecodeToFrames(t, format);
    } catch (error) {
      throw new RoughcutError('BAD_DATA', `${where}: "${t}" is not a timecode (HH:MM:SS:FF), a frame number or seconds like 12.5s; fix that line of the labels file.`, { file: labelsPath, cause: error });
    }
    return startTc > 0 && frames >= startTc ? frames - startTc : frames;
  };
  const isEdl = path.extname(labelsPath).toLowerCase() === '.edl';
  const ranges = isEdl ? parseEdlRanges(text, labelsPath, toFrame) : parseCsvRanges(text, labelsPath, toFrame);
  if (ranges.length === 0) {
    throw new RoughcutError('BAD_DATA', `${labelsPath}: has no labelled ranges; write one ${isEdl ? 'event with a clip name or LABEL comment' : '"start,end,label" line'} per range.`, { file: labelsPath });
  }
  for (const r of ranges) {
    if (r.endFrame <= r.startFrame) {
      throw new RoughcutError('BAD_DATA', `${r.where}: the range ends (frame ${r.endFrame}) at or before it starts (frame ${r.startFrame}); the end is exclusive and must come after the start.`, { file: labelsPath });
    }
    if (r.endFrame > media.frameCount) {
      throw new RoughcutError('BAD_DATA', `${r.where}: the range [${r.startFrame}, ${r.endFrame}) runs past the end of ${media.path} (${media.frameCount} frames); correct the range or check that the labels belong to this video.`, { file: labelsPath });
    }
  }
  return ranges;
}

type ToFrame = (field: string, where: string, allowFrames: boolean) => number;

function parseCsvRanges(text: string, file: string, toFrame: ToFrame): LabelRange[] {
  const ranges: LabelRange[] = [];
  let sawLine = false;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const where = `${file} line ${i + 1}`;
    if (line === '' || line.startsWith('#')) continue;
    const fields = splitCsvLine(line);
    const first = !sawLine;
    sawLine = true;
    // A header is the first line, when its first field cannot be a time (`start,end,label`).
    if (first && !/^\s*\d/.test(fields[0] ?? '')) continue;
    const [start, end, label] = fields;
    if (fields.length < 3 || start === undefined || end === undefined || label === undefined || label.trim() === '') {
      throw new RoughcutError('BAD_DATA', `${where}: expected "start,end,label", got "${line}"; fix that line of the labels file.`, { file });
    }
    ranges.push({ startFrame: toFrame(start, where, true), endFrame: toFrame(end, where, true), label: label.trim(), where });
  }
  return ranges;
}

/** Splits one CSV line on commas, honouring double quotes (`"a, b"` and `""` inside them). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { fields.push(field); field = ''; } else field += c;
  }
  fields.push(field);
  return fields;
}

const EDL_EVENT = /^(\d{1,6})\s+\S+\s+\S+\s+\S+(?:\s+\d+)?\s+(\d{1,2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2})\s+(\d{1,2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2})\s+\d{1,2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2}\s+\d{1,2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2}\s*$/;

function parseEdlRanges(text: string, file: string, toFrame: ToFrame): LabelRange[] {
  interface Event { where: string; start: number; end: number; label?: string; labelComment?: string; clip?: string; comment?: string }
  const events: Event[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const where = `${file} line ${i + 1}`;
    if (line === '' || /^(TITLE|FCM)\s*:/i.test(line)) continue;
    const m = EDL_EVENT.exec(line);
    if (m) {
      events.push({ where, start: toFrame(m[2]!, where, false), end: toFrame(m[3]!, where, false) });
      continue;
    }
    const current = events[events.length - 1];
    if (!line.startsWith('*')) {
      if (/^\d{1,6}\s/.test(line)) {
        throw new RoughcutError('BAD_DATA', `${where}: an EDL event line without source and record in/out timecodes ("${line}"); fix that line of the EDL.`, { file });
      }
      continue;
    }
    if (!current) continue;
    const note = line.replace(/^\*\s*/, '');
    const label = /^LABEL\s*:?\s+(.+)$/i.exec(note);
    const clip = /^FROM CLIP NAME\s*:\s*(.+)$/i.exec(note);
    const comment = /^COMMENT\s*:?\s*(.*)$/i.exec(note);
    if (label) current.label ??= label[1]!.trim();
    else if (clip) current.clip ??= clip[1]!.trim().replace(/\.[A-Za-z0-9]{2,4}$/, '');
    else if (comment) {
      const tagged = /(?:^|;\s*)LABELS?\s*:?\s+([^\s,;]+)/i.exec(comment[1]!.trim());
      if (tagged) current.labelComment ??= tagged[1]!;
      else if (comment[1]!.trim() !== '') current.comment ??= comment[1]!.trim();
    }
  }
  return events.map((e) => {
    const label = e.label ?? e.labelComment ?? e.clip ?? e.comment;
    if (label === undefined || label === '') {
      throw new RoughcutError('BAD_DATA', `${e.where}: the event has no label; add a "* LABEL: name", "* FROM CLIP NAME: name" or "* COMMENT: name" line under it.`, { file });
    }
    return { startFrame: e.start, endFrame: e.end, label, where: e.where };
  });
}

async function loadLabelledVideo(file: string, labelsPath: string, options: LoadDatasetOptions, logger: Logger): Promise<Dataset> {
  await validateInput(file);
  const media = await probeMedia(file, { signal: options.signal });
  const ranges = await readLabelRanges(labelsPath, media);
  const classes = [...new Set(ranges.map((r) => r.label))].sort();
  checkClasses(classes, [], labelsPath, options.minClasses ?? 2, false);
  const items = await loadVideoExamples(file, ranges, { ...options, media });
  checkClasses(classes, items, labelsPath, options.minClasses ?? 2);
  logger.info('labelled video sampled', { file, ranges: ranges.length, examples: items.length });
  return {
    classes, items,
    description: {
      kind: 'labelled-video', path: path.resolve(file), labels: path.resolve(labelsPath), ranges: ranges.length,
      sampleFps: options.sampleFps ?? DEFAULT_SAMPLE_FPS, analysisWidth: options.analysisWidth ?? DEFAULT_ANALYSIS_WIDTH,
      startTimecode: media.startTimecode,
    },
  };
}

async function loadClassFolders(root: string, options: LoadDatasetOptions, logger: Logger): Promise<Dataset> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  const classDirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classDirs.length === 0) {
    throw new RoughcutError('BAD_DATA', `${root}: has no class subfolders; put each class's images or videos in a subfolder named after the class (${root}/anchor/*.jpg, ${root}/weather/*.mp4).`, { file: root });
  }
  if (classDirs.length === 1 && (options.minClasses ?? 2) > 1) {
    throw new RoughcutError('BAD_DATA', `${root}: has one class only ("${classDirs[0]}"); a classifier needs examples of at least two classes, so add another class subfolder.`, { file: root });
  }
  const width = options.analysisWidth ?? DEFAULT_ANALYSIS_WIDTH;
  const files: { label: string; file: string; kind: 'image' | 'video' }[] = [];
  for (const label of classDirs) {
    const inside: Dirent[] = await fs.readdir(path.join(root, label), { withFileTypes: true });
    for (const e of inside.filter((d) => d.isFile() && !d.name.startsWith('.')).sort((a, b) => naturalCompare(a.name, b.name))) {
      const ext = path.extname(e.name).toLowerCase();
      if (IMAGE_EXTENSIONS.has(ext)) files.push({ label, file: path.join(root, label, e.name), kind: 'image' });
      else if (VIDEO_EXTENSIONS.has(ext)) files.push({ label, file: path.join(root, label, e.name), kind: 'video' });
      else logger.debug('not an image or video; ignored', { file: path.join(root, label, e.name) });
    }
  }
  const items: LabelledImage[] = [];
  const skipped: string[] = [];
  const blocks = imageBlocks(files.filter((f) => f.kind === 'image').map((f) => f.file));
  let videos = 0;
  let images = 0;
  for (const [n, f] of files.entries()) {
    throwIfAborted(options.signal, root);
    if (f.kind === 'video') {
      const media = await probeMedia(f.file, { signal: options.signal });
      const range: LabelRange = { startFrame: 0, endFrame: Math.max(1, media.frameCount), label: f.label, where: f.file };
      items.push(...await loadVideoExamples(f.file, [range], { ...options, media, groupPrefix: `${path.basename(f.file)}:` }));
      videos += 1;
    } else {
      const image = await readImage(f.file, width, items.length);
      if (image === undefined) {
        skipped.push(f.file);
        logger.warn('image skipped: empty or unreadable', { file: f.file });
      } else {
        items.push({ image, label: f.label, group: `${f.label}/${blocks.get(f.file)!}` });
        images += 1;
      }
    }
    options.onProgress?.({ stage: 'images', file: f.file, done: n + 1, total: files.length });
  }
  checkClasses(classDirs, items, root, options.minClasses ?? 2);
  return {
    classes: classDirs, items,
    description: { kind: 'class-folders', path: path.resolve(root), images, videos, skipped, sampleFps: options.sampleFps ?? DEFAULT_SAMPLE_FPS, analysisWidth: width },
  };
}

/** There are at least `minClasses` classes, and every class keeps at least one example. */
function checkClasses(classes: readonly string[], items: readonly LabelledImage[], where: string, minClasses: number, examples = true): void {
  if (classes.length < minClasses) {
    throw new RoughcutError('BAD_DATA', `${where}: labels one class only ("${classes[0] ?? ''}"); a classifier needs examples of at least two classes, so label ranges of another kind too.`, { file: where });
  }
  const empty = examples ? classes.filter((c) => !items.some((i) => i.label === c)) : [];
  if (empty.length > 0) {
    throw new RoughcutError('BAD_DATA', `${where}: class ${empty.map((c) => `"${c}"`).join(', ')} has no readable examples; add images or frames for it, or remove it.`, { file: where });
  }
}

/** Decodes one image to packed RGB `width` wide; undefined when it is empty or unreadable. */
async function readImage(file: string, width: number, index: number): Promise<RgbFrame | undefined> {
  try {
    const { data, info } = await sharp(file).rotate().resize({ width }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) return undefined;
    return { index, ptsSeconds: 0, width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch {
    return undefined;
  }
}

/**
 * The group of each image: `<name without trailing digits>#<block>`, where the block counts runs
 * of {@link IMAGE_GROUP_BLOCK} files of that name in number order within one folder.
 */
function imageBlocks(files: readonly string[]): Map<string, string> {
  const byStem = new Map<string, string[]>();
  for (const file of files) {
    const stem = path.join(path.dirname(file), path.parse(file).name.replace(/[\s_.-]*\d+$/, ''));
    byStem.set(stem, [...(byStem.get(stem) ?? []), file]);
  }
  const out = new Map<string, string>();
  for (const [stem, members] of byStem) {
    members.sort(naturalCompare);
    members.forEach((file, i) => out.set(file, `${path.basename(stem) || 'image'}#${Math.floor(i / IMAGE_GROUP_BLOCK)}`));
  }
  return out;
}

/** Orders `shot2` before `shot10`. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Keeps at most `max` examples per class, evenly spread over each class's examples in order. */
function capPerClass(items: readonly LabelledImage[], classes: readonly string[], max: number): LabelledImage[] {
  if (!(Number.isInteger(max) && max > 0)) throw new RoughcutError('BAD_ARGUMENT', `the cap of ${max} examples per class is not a positive whole number.`);
  const keep = new Set<LabelledImage>();
  for (const c of classes) {
    const members = items.filter((i) => i.label === c);
    const step = members.length / Math.min(max, members.length);
    for (let k = 0; k < Math.min(max, members.length); k++) keep.add(members[Math.floor(k * step)]!);
  }
  return items.filter((i) => keep.has(i));
}

function throwIfAborted(signal: AbortSignal | undefined, file: string): void {
  if (signal?.aborted) throw new RoughcutError('ABORTED', `${file}: loading the examples was cancelled.`, { file });
}

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /** Share of each class's examples to hold out for validation. Default 0.2. */
  readonly validationFraction?: number;
  /** Seed of the shuffle: one seed always gives one split. Default 1. */
  readonly seed?: number;
}

/** A split, and notes on classes that could not be split by group. */
export interface DatasetSplit {
  readonly train: LabelledImage[];
  readonly validation: LabelledImage[];
  readonly notes: string[];
}

/**
 * Splits examples into train and validation, per class (stratified) and by whole groups: a
 * group's examples all go to one side, so near-duplicate frames of one shot never sit on both.
 * The groups of each class are shuffled with `seed` and taken for validation until they hold at
 * least `validationFraction` of the class's examples; a class with two or more groups gives at
 * least one to validation and keeps at least one for training. A class with a single group is
 * split by time instead: its first examples train and the last ones validate (no interleaving),
 * and a note says so. The output keeps the input order within each side.
 */
export function splitDataset(items: readonly LabelledImage[], options: SplitOptions = {}): DatasetSplit {
  const fraction = options.validationFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new RoughcutError('BAD_ARGUMENT', `validation fraction ${fraction} must be between 0 and 1 (exclusive), such as 0.2.`);
  const random = mulberry32(options.seed ?? 1);
  const validation = new Set<LabelledImage>();
  const notes: string[] = [];
  const labels = [...new Set(items.map((i) => i.label))].sort();
  for (const label of labels) {
    const members = items.filter((i) => i.label === label);
    const groups = new Map<string, LabelledImage[]>();
    for (const m of members) groups.set(m.group, [...(groups.get(m.group) ?? []), m]);
    const names = [...groups.keys()].sort();
    if (names.length === 1) {
      if (members.length < 2) {
        notes.push(`class "${label}" has a single example; it trains only and is not validated`);
        continue;
      }
      const held = Math.max(1, Math.min(members.length - 1, Math.round(members.length * fraction)));
      for (const m of members.slice(members.length - held)) validation.add(m);
      notes.push(`class "${label}" has one group only (${names[0]}); split by time: first ${members.length - held} examples train, last ${held} validate`);
      continue;
    }
    // Fisher-Yates over the sorted names: the same seed gives the same order on every machine.
    for (let i = names.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [names[i], names[j]] = [names[j]!, names[i]!];
    }
    const target = members.length * fraction;
    let held = 0;
    for (const [k, name] of names.entries()) {
      if (k === names.length - 1) break;
      if (k > 0 && held >= target) break;
      // Skip a group that would overshoot the target by more than it helps, unless none is held yet.
      const size = groups.get(name)!.length;
      if (k > 0 && held + size - target > target - held) continue;
      for (const m of groups.get(name)!) validation.add(m);
      held += size;
    }
  }
  return { train: items.filter((i) => !validation.has(i)), validation: items.filter((i) => validation.has(i)), notes };
}

