// Probes a video file with ffprobe (metadata via fluent-ffmpeg, one packet pass) into MediaInfo.
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import ffmpeg, { type FfprobeData, type FfprobeStream } from 'fluent-ffmpeg';
import { RoughcutError } from '../core/errors.js';
import { type Rational, parseRational, rational, toNumber } from '../core/rational.js';
import { canDropFrame, isDropFrameNotation, timecodeToFrames } from '../core/timecode.js';
import { type AudioStreamInfo, type FieldOrder, type MediaInfo, SEEK_POINT_SPACING_SECONDS, type SeekIndex, type TimecodeSource } from '../core/types.js';

/** Options for {@link probeMedia}. */
export interface ProbeOptions {
  /** Cancels the probe: ffprobe is killed where it can be and the call rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** How much of ffprobe's stderr is kept on an error. */
const STDERR_TAIL_CHARS = 2000;

/** Nominal rates that inexact rationals (`2997/100`, `23976/1000`) are snapped to. */
const STANDARD_RATES: readonly Rational[] = [
  rational(24000, 1001), rational(24), rational(25), rational(30000, 1001), rational(30),
  rational(48000, 1001), rational(48), rational(50), rational(60000, 1001), rational(60),
  rational(100), rational(120000, 1001), rational(120),
];

/** Top-level ISO BMFF box types a MP4/MOV file can start with. */
const ISO_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'styp', 'sidx', 'moof']);

const FIELD_ORDERS: ReadonlySet<string> = new Set(['progressive', 'tt', 'bb', 'tb', 'bt']);

/** What ffprobe's stderr says when a file stops short. */
const TRUNCATION_TEXT = /partial file|ended prematurely|truncat|moov atom not found/i;

/**
 * Probes `filePath` with ffprobe without decoding and reports what the pipeline will assume:
 * exact rational frame rate, frame count (video packets counted), start timecode and drop-frame,
 * size, aspect ratios, clockwise rotation, field order, variable frame rate, audio streams.
 *
 * Stream and format metadata come from `fluent-ffmpeg`'s ffprobe; one more ffprobe pass lists the
 * video stream's packet timestamps (demux only), which gives the frame count, the VFR decision
 * and evidence of truncation. ffprobe is found through `FFPROBE_PATH` or `PATH`.
 *
 * @throws RoughcutError `FFMPEG_MISSING`, `NOT_MEDIA`, `NO_VIDEO_STREAM`, `TRUNCATED`,
 *   `UNREADABLE`, `UNSUPPORTED_FRAME_RATE`, `FILE_NOT_FOUND`, `PROBE_FAILED` or `ABORTED`;
 *   ffprobe failures carry the tail of its stderr as `stderr`.
 */
export async function probeMedia(filePath: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const { signal } = options;
  throwIfAborted(signal, filePath);
  // Absolute paths keep a name like `-clip.mp4` from being read as an option or a protocol.
  const absPath = path.resolve(filePath);
  const ffprobePath = await findFfprobe();
  if (ffprobePath === undefined) {
    throw new RoughcutError('FFMPEG_MISSING',
      `${filePath}: cannot be probed because ffprobe is not installed or not on PATH; install FFmpeg (sudo apt-get install ffmpeg) or set FFPROBE_PATH to the ffprobe binary.`,
      { file: filePath });
  }
  let sizeBytes: number;
  try {
    sizeBytes = (await fs.stat(absPath)).size;
  } catch (cause) {
    throw new RoughcutError('FILE_NOT_FOUND', `${filePath}: the file does not exist; check the path.`, { file: filePath, cause });
  }

  let data: FfprobeData;
  try {
    data = await fluentProbe(ffprobePath, absPath, signal);
  } catch (cause) {
    throw await probeFailure(cause, filePath, absPath, sizeBytes, signal);
  }

  const iso = await inspectIsoBmff(absPath, sizeBytes);
  if (iso.truncated) throw truncatedError(filePath, iso.hasMoov ? 'it ends inside a box, before all of its media data' : 'its index (moov atom) is missing');

  const streams = data.streams;
  const video = streams.find((s) => s.codec_type === 'video' && Number(s.disposition?.attached_pic ?? 0) !== 1);
  const audioStreams = streams.filter((s) => s.codec_type === 'audio').map(audioInfo);
  if (video === undefined) {
    if (streams.length === 0) {
      throw new RoughcutError('NOT_MEDIA', `${filePath}: ffprobe found no audio or video streams in it; check that this is a video file.`, { file: filePath });
    }
    throw new RoughcutError('NO_VIDEO_STREAM',
      `${filePath}: has no video stream (${audioStreams.length} audio stream${audioStreams.length === 1 ? '' : 's'} only); give roughcut a file with picture.`,
      { file: filePath });
  }

  const rFps = positiveRational(video.r_frame_rate);
  const avgFps = positiveRational(video.avg_frame_rate);
  const fps = nominalFrameRate(rFps, avgFps);
  if (fps === undefined) {
    throw new RoughcutError('UNSUPPORTED_FRAME_RATE',
      `${filePath}: ffprobe reports no usable frame rate (r_frame_rate ${String(video.r_frame_rate)}, avg_frame_rate ${String(video.avg_frame_rate)}); re-wrap or transcode it to a constant frame rate.`,
      { file: filePath });
  }
  const timeBase = positiveRational(video.time_base);

  const packets = await listVideoPackets(ffprobePath, absPath, video.index, signal, filePath);
  if (TRUNCATION_TEXT.test(packets.stderr)) {
    throw truncatedError(filePath, 'it ends in the middle of its media data', tail(packets.stderr));
  }

  const durationSeconds = firstNumber(video.duration, data.format.duration) ?? 0;
  const listedFrames = firstNumber(video.nb_frames);
  const frameCount = packets.ok && packets.count > 0
    ? packets.count
    : listedFrames ?? Math.round((durationSeconds * fps.num) / fps.den);
  if (frameCount === 0) {
    throw new RoughcutError('NOT_MEDIA', `${filePath}: its video stream holds no frames; check that the file is complete and not damaged.`,
      { file: filePath, stderr: tail(packets.stderr) || undefined });
  }

  const timestampVerdict = timeBase === undefined ? undefined : timestampsVary(packets.timestamps, fps, timeBase);
  const variableFrameRate = timestampVerdict ?? (avgFps !== undefined && Math.abs(toNumber(avgFps) / toNumber(fps) - 1) > 0.01);

  const timecode = startTimecode(data, video, fps);
  const seekIndex = timeBase === undefined ? undefined : seekIndexOf(packets, timeBase, firstNumber(data.format.start_time));
  const width = firstNumber(video.width) ?? 0;
  const height = firstNumber(video.height) ?? 0;
  const sampleAspectRatio = positiveRational(video.sample_aspect_ratio) ?? rational(1);
  const displayAspectRatio = positiveRational(video.display_aspect_ratio)
    ?? (width > 0 && height > 0 ? rational(width * sampleAspectRatio.num, height * sampleAspectRatio.den) : rational(1));
  const rotation = clockwiseRotation(video);
  const squareWidth = Math.round((width * sampleAspectRatio.num) / sampleAspectRatio.den);
  const quarterTurn = rotation === 90 || rotation === 270;

  return {
    path: absPath,
    name: path.basename(absPath),
    sizeBytes,
    container: String(data.format.format_name ?? 'unknown'),
    videoStreamIndex: video.index,
    codec: String(video.codec_name ?? 'unknown'),
    pixelFormat: String(video.pix_fmt ?? 'unknown'),
    fps,
    averageFps: avgFps ?? fps,
    variableFrameRate,
    dropFrame: timecode.dropFrame,
    frameCount,
    durationSeconds,
    startTimecode: timecode.text,
    startTimecodeSource: timecode.source,
    width,
    height,
    sampleAspectRatio,
    displayAspectRatio,
    rotation,
    displayWidth: quarterTurn ? height : squareWidth,
    displayHeight: quarterTurn ? squareWidth : height,
    fieldOrder: fieldOrderOf(video.field_order),
    ...(typeof video.color_space === 'string' && video.color_space !== 'unknown' ? { colorSpace: video.color_space } : {}),
    audioStreams,
    ...(seekIndex ? { seekIndex } : {}),
  };
}

/**
 * Keyframes as places to start a decode, thinned to {@link SEEK_POINT_SPACING_SECONDS} apart.
 * Only when every packet had a timestamp: a keyframe's presentation index is then the number of
 * timestamps before its own.
 */
function seekIndexOf(packets: PacketListing, timeBase: Rational, startSeconds: number | undefined): SeekIndex | undefined {
  const { timestamps, keyTimestamps } = packets;
  if (!packets.ok || timestamps.length === 0 || timestamps.length !== packets.count || startSeconds === undefined) return undefined;
  const seconds = (ticks: number): number => (ticks * timeBase.num) / timeBase.den;
  const points: { frame: number; ptsSeconds: number }[] = [];
  for (const ticks of [...keyTimestamps].sort((a, b) => a - b)) {
    const ptsSeconds = seconds(ticks);
    if (points.length > 0 && ptsSeconds - points[points.length - 1]!.ptsSeconds < SEEK_POINT_SPACING_SECONDS) continue;
    points.push({ frame: lowerBound(timestamps, ticks), ptsSeconds });
  }
  return { startSeconds, firstPtsSeconds: seconds(timestamps[0]!), points };
}

/** The number of entries of the sorted `values` below `value`. */
function lowerBound(values: readonly number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function throwIfAborted(signal: AbortSignal | undefined, filePath: string): void {
  if (signal?.aborted) throw new RoughcutError('ABORTED', `${filePath}: probing was cancelled.`, { file: filePath });
}

function truncatedError(filePath: string, why: string, stderr?: string): RoughcutError {
  return new RoughcutError('TRUNCATED',
    `${filePath}: the file is truncated (${why}); copy it again from the source, or wait for the copy or recording to finish.`,
    { file: filePath, stderr: stderr || undefined });
}

function tail(text: string): string {
  const t = text.trim();
  return t.length > STDERR_TAIL_CHARS ? t.slice(-STDERR_TAIL_CHARS) : t;
}

/**
 * Finds ffprobe on every call (`FFPROBE_PATH`, then `PATH`) rather than trusting fluent-ffmpeg's
 * process-wide cache, which remembers a missing binary forever.
 */
async function findFfprobe(): Promise<string | undefined> {
  const candidates: string[] = [];
  const configured = process.env.FFPROBE_PATH;
  if (configured) candidates.push(configured);
  const names = process.platform === 'win32' ? ['ffprobe.exe'] : ['ffprobe'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) candidates.push(path.join(dir, name));
  }
  for (const candidate of candidates) {
    try {
      const st = await fs.stat(candidate);
      if (!st.isFile()) continue;
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Stream and format metadata through fluent-ffmpeg; resolves early with ABORTED on abort. */
function fluentProbe(ffprobePath: string, absPath: string, signal: AbortSignal | undefined): Promise<FfprobeData> {
  ffmpeg.setFfprobePath(ffprobePath);
  return new Promise<FfprobeData>((resolve, reject) => {
    // fluent-ffmpeg gives no handle on its ffprobe process; this header-only probe is short.
    const onAbort = (): void => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    ffmpeg.ffprobe(absPath, ['-v', 'error'], (err: unknown, data: FfprobeData) => {
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(data);
    });
  });
}

/** Turns a failed ffprobe run into the error a person can act on. */
async function probeFailure(cause: unknown, filePath: string, absPath: string, sizeBytes: number,
  signal: AbortSignal | undefined): Promise<RoughcutError> {
  if (signal?.aborted || (cause instanceof Error && cause.name === 'AbortError')) {
    return new RoughcutError('ABORTED', `${filePath}: probing was cancelled.`, { file: filePath, cause });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  if ((cause as NodeJS.ErrnoException).code === 'ENOENT' || /cannot find ffprobe/i.test(message)) {
    return new RoughcutError('FFMPEG_MISSING',
      `${filePath}: cannot be probed because ffprobe could not be started; install FFmpeg (sudo apt-get install ffmpeg) or set FFPROBE_PATH to the ffprobe binary.`,
      { file: filePath, cause });
  }
  // fluent-ffmpeg appends ffprobe's stderr after the first line of its message.
  const newline = message.indexOf('\n');
  const stderr = tail(newline >= 0 ? message.slice(newline + 1) : '');
  const options = { file: filePath, stderr: stderr || undefined, cause };
  if (/permission denied/i.test(stderr)) {
    return new RoughcutError('UNREADABLE', `${filePath}: ffprobe may not read the file (permission denied); fix its permissions or run as a user who can read it.`, options);
  }
  if (/killed with signal/i.test(message)) {
    return new RoughcutError('PROBE_FAILED', `${filePath}: ffprobe was killed before it finished; try again.`, { ...options, retryable: true });
  }
  const iso = await inspectIsoBmff(absPath, sizeBytes);
  if (iso.isIso && (iso.truncated || !iso.hasMoov)) {
    return new RoughcutError('TRUNCATED',
      `${filePath}: the file is truncated (${iso.hasMoov ? 'it ends inside a box' : 'its index (moov atom) is missing, so the copy or recording did not finish'}); copy it again from the source, or wait for the copy or recording to finish.`,
      options);
  }
  if (/partial file|ended prematurely|truncat/i.test(stderr)) {
    return new RoughcutError('TRUNCATED', `${filePath}: the file is truncated; copy it again from the source, or wait for the copy to finish.`, options);
  }
  if (/invalid data found|moov atom not found|could not find codec|unknown format/i.test(stderr)) {
    return new RoughcutError('NOT_MEDIA', `${filePath}: ffprobe does not recognise it as audio or video; check that this is a video file and not damaged.`, options);
  }
  return new RoughcutError('PROBE_FAILED', `${filePath}: ffprobe failed (${message.split('\n', 1)[0] ?? 'unknown error'}); see the attached ffprobe output.`, options);
}

interface IsoInspection {
  /** The file starts like an MP4/MOV (ISO base media) file. */
  readonly isIso: boolean;
  /** A top-level box claims more bytes than the file has. */
  readonly truncated: boolean;
  readonly hasMoov: boolean;
}

/** Walks the top-level ISO BMFF boxes (a few small reads) to tell a cut-short MP4/MOV from junk. */
async function inspectIsoBmff(absPath: string, sizeBytes: number): Promise<IsoInspection> {
  const result = { isIso: false, truncated: false, hasMoov: false };
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(absPath, 'r');
    const header = Buffer.alloc(16);
    let pos = 0;
    for (let boxes = 0; pos < sizeBytes && boxes < 256; boxes += 1) {
      const { bytesRead } = await handle.read(header, 0, 16, pos);
      if (bytesRead < 8) return { ...result, truncated: result.isIso };
      const size32 = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (!/^[a-zA-Z0-9 \xa9]{4}$/.test(type) || (boxes === 0 && !ISO_FIRST_BOXES.has(type))) return result;
      let size = size32;
      if (size32 === 1) {
        if (bytesRead < 16) return { ...result, truncated: true };
        size = Number(header.readBigUInt64BE(8));
      } else if (size32 === 0) {
        size = sizeBytes - pos;
      }
      if (size < 8) return result;
      result.isIso = true;
      if (type === 'moov') result.hasMoov = true;
      if (pos + size > sizeBytes) return { ...result, truncated: true };
      pos += size;
    }
    return result;
  } catch {
    return result;
  } finally {
    await handle?.close();
  }
}

interface PacketListing {
  /** False when the packet pass failed; the count then comes from the container. */
  readonly ok: boolean;
  /** Video packets that are frames (packets flagged as discarded by an edit list left out). */
  readonly count: number;
  /** Presentation (else decode) timestamps of those packets, in time-base ticks, sorted. */
  readonly timestamps: readonly number[];
  /** The timestamps of those flagged as keyframes, in packet order. */
  readonly keyTimestamps: readonly number[];
  readonly stderr: string;
}

/**
 * Lists one stream's packets (demux only, no decode). Listing all packets costs about what
 * `-count_packets` does (~0.3 s for 45 000 packets) and gives timestamps for the VFR check too.
 */
function listVideoPackets(ffprobePath: string, absPath: string, streamIndex: number, signal: AbortSignal | undefined,
  filePath: string): Promise<PacketListing> {
  return new Promise<PacketListing>((resolve, reject) => {
    const child = spawn(ffprobePath, ['-v', 'error', '-select_streams', String(streamIndex),
      '-show_entries', 'packet=pts,dts,flags', '-of', 'csv=p=0', absPath],
    { stdio: ['ignore', 'pipe', 'pipe'], signal, windowsHide: true });
    const timestamps: number[] = [];
    const keyTimestamps: number[] = [];
    let count = 0;
    let pending = '';
    let stderr = '';
    const takeLine = (line: string): void => {
      const [pts, dts, flags] = line.split(',');
      if (pts === undefined || flags === undefined) return;
      if (flags.includes('D')) return;
      count += 1;
      const t = Number(pts !== 'N/A' && pts !== '' ? pts : dts);
      if (!Number.isFinite(t)) return;
      timestamps.push(t);
      if (flags.includes('K')) keyTimestamps.push(t);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) takeLine(line.trim());
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4 * STDERR_TAIL_CHARS);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') {
        reject(new RoughcutError('ABORTED', `${filePath}: probing was cancelled.`, { file: filePath, cause: error }));
      } else {
        resolve({ ok: false, count: 0, timestamps: [], keyTimestamps: [], stderr: String(error.message) });
      }
    });
    child.on('close', (code) => {
      if (signal?.aborted) return;
      takeLine(pending.trim());
      timestamps.sort((a, b) => a - b);
      resolve({ ok: code === 0, count, timestamps, keyTimestamps, stderr });
    });
  });
}

/**
 * True when packet spacing varies more than the container's timestamp rounding allows (one tick
 * either side of the nominal frame duration); undefined when there are too few timestamps to say.
 * A single odd gap is forgiven: muxers leave one at a stream's start or at a splice.
 */
function timestampsVary(timestamps: readonly number[], fps: Rational, timeBase: Rational): boolean | undefined {
  if (timestamps.length < 3) return undefined;
  const frameTicks = (timeBase.den * fps.den) / (timeBase.num * fps.num);
  let irregular = 0;
  for (let i = 1; i < timestamps.length; i += 1) {
    const delta = timestamps[i]! - timestamps[i - 1]!;
    if (Math.abs(delta - frameTicks) > 1 + 1e-9) irregular += 1;
  }
  return irregular > Math.max(1, 0.001 * (timestamps.length - 1));
}

function positiveRational(value: unknown): Rational | undefined {
  if (value === undefined || value === null) return undefined;
  const r = parseRational(String(value));
  return r !== undefined && r.num > 0 ? r : undefined;
}

/**
 * Snaps a rate written inexactly to the standard rate within 0.01% of it (`2997/100` →
 * `30000/1001`); 24 and 24000/1001 are 0.1% apart, so neither is ever taken for the other.
 */
function snapRate(r: Rational): Rational {
  const value = toNumber(r);
  for (const standard of STANDARD_RATES) {
    if (Math.abs(value / toNumber(standard) - 1) < 0.0001) return standard;
  }
  return r;
}

/**
 * The rate frames are counted at: `r_frame_rate`, unless `avg_frame_rate` shows it is the field
 * rate of interlaced material (exactly twice) or a timebase-like value far above the real rate.
 */
function nominalFrameRate(r: Rational | undefined, avg: Rational | undefined): Rational | undefined {
  if (r === undefined) return avg === undefined ? undefined : snapRate(avg);
  if (avg !== undefined) {
    const ratio = toNumber(r) / toNumber(avg);
    if (Math.abs(ratio - 2) < 0.01 || ratio > 4) return snapRate(avg);
  }
  return snapRate(r);
}

function firstNumber(...values: unknown[]): number | undefined {
  for (const value of values) {
    if (value === undefined || value === null || value === '' || value === 'N/A') continue;
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function tagOf(tags: unknown, key: string): string | undefined {
  if (tags === null || typeof tags !== 'object') return undefined;
  for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
    if (k.toLowerCase() === key && v !== undefined && v !== null && String(v).trim() !== '') return String(v).trim();
  }
  return undefined;
}

interface StartTimecode {
  readonly text: string;
  readonly source: TimecodeSource;
  readonly dropFrame: boolean;
}

/**
 * The source's start timecode. The format tag wins (MXF, Matroska); then a tmcd track, which
 * the MOV demuxer also copies onto the video stream's tags, so the stream tag is the last resort.
 * A timecode that does not exist at the rate is ignored rather than passed on to the EDL.
 */
function startTimecode(data: FfprobeData, video: FfprobeStream, fps: Rational): StartTimecode {
  const tmcd = data.streams.find((s) => s.codec_type === 'data' && (s.codec_tag_string === 'tmcd' || tagOf(s.tags, 'timecode') !== undefined));
  const candidates: [string | undefined, TimecodeSource][] = [
    [tagOf(data.format.tags, 'timecode'), 'format-tag'],
    [tmcd === undefined ? undefined : tagOf(tmcd.tags, 'timecode'), 'tmcd'],
    [tagOf(video.tags, 'timecode'), 'stream-tag'],
  ];
  for (const [text, source] of candidates) {
    if (text === undefined) continue;
    const dropFrame = isDropFrameNotation(text) && canDropFrame(fps);
    // Drop-frame notation at a rate without drop-frame counting is written non-drop.
    const normalised = dropFrame ? text : text.replace(/[;.,](\d+)$/, ':$1');
    try {
      timecodeToFrames(normalised, { fps, dropFrame });
      return { text: normalised, source, dropFrame };
    } catch {
      // not a valid timecode at this rate: try the next source
    }
  }
  // No timecode: 29.97 and 59.94 material is drop-frame by broadcast convention.
  return { text: '00:00:00:00', source: 'none', dropFrame: canDropFrame(fps) };
}

/**
 * Clockwise display rotation, 0/90/180/270. The display matrix side data's `rotation` is
 * counter-clockwise (ffmpeg shows `rotation=-90` for a picture turned 90° clockwise, and
 * autorotate then moves the top-left corner to the top-right); the legacy `rotate` tag is clockwise.
 */
function clockwiseRotation(video: FfprobeStream): number {
  const sideData = firstNumber(video.rotation);
  const tag = firstNumber(tagOf(video.tags, 'rotate'));
  const clockwise = sideData !== undefined ? -sideData : tag ?? 0;
  const quarter = Math.round(clockwise / 90);
  return (((quarter % 4) + 4) % 4) * 90;
}

function fieldOrderOf(value: unknown): FieldOrder {
  const text = String(value ?? '');
  return FIELD_ORDERS.has(text) ? (text as FieldOrder) : 'unknown';
}

function audioInfo(stream: FfprobeStream): AudioStreamInfo {
  const language = tagOf(stream.tags, 'language');
  return {
    index: stream.index,
    codec: String(stream.codec_name ?? 'unknown'),
    channels: firstNumber(stream.channels) ?? 0,
    sampleRate: firstNumber(stream.sample_rate) ?? 0,
    ...(language !== undefined && language !== 'und' ? { language } : {}),
  };
}
