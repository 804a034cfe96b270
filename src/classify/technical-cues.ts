// Technical cues that need no training: black frames, colour bars (SMPTE and EBU) and frozen frames, from the small analysis frames.
import { secondsToFrames, type Rational } from '../core/rational.js';
import type { Segment } from '../core/types.js';
import type { RgbFrame } from '../frames/frame.js';

/** Options for {@link TechnicalCueDetector}; the defaults suit broadcast footage. */
export interface TechnicalCueOptions {
  /** Rate the frames are counted at; turns the minimum durations into frames. */
  readonly fps: Rational;
  /** Size of the frames that will be pushed (the decode's analysis size, e.g. 160x90). */
  readonly width: number;
  readonly height: number;
  /**
   * Shortest black run reported, seconds. Default 0.5: long enough that the one or two black
   * frames of a dip inside a fade are not a cue, short enough for the black between a programme
   * and its break (ffmpeg's blackdetect defaults to 2 s, which misses those).
   */
  readonly minBlackSeconds?: number;
  /** Shortest frozen run reported, seconds. Default 2 (ffmpeg freezedetect's default). */
  readonly minFreezeSeconds?: number;
  /** Shortest colour-bars run reported, seconds. Default 1. */
  readonly minBarsSeconds?: number;
}

/** The labels {@link TechnicalCueDetector} puts on segments. */
export type TechnicalCueLabel = 'black' | 'bars' | 'freeze';

/**
 * A pixel is dark at or below this luma (0-255): ffmpeg blackdetect's `pix_th=0.10` on full-range
 * luma, which is what the RGB frames carry.
 */
const BLACK_PIXEL_LUMA = 25;
/**
 * A frame is black when at least this share of its sampled pixels is dark: blackdetect's
 * `picture_th=0.98`. The 2% left over is room for a station logo or a burnt-in timecode.
 */
const BLACK_PICTURE_RATIO = 0.98;
/**
 * ...and its mean luma is at most this. With 98% of pixels at or below 25 the mean can still
 * be 30; a bright bug over black lands here, a dark scene with a lit title does not reach 98%.
 */
const BLACK_MEAN_LUMA = 32;
/**
 * A frame is frozen when its mean absolute luma difference from the first frame of the frozen
 * run is at most this (0-255). Re-encoded stills (an I-frame refresh at every GOP) differ by
 * a few tenths of a level at 160 wide; sensor noise and any motion give more. Comparing with the
 * run's first frame rather than the previous one keeps a slow pan or fade from passing as frozen.
 */
const FREEZE_MEAN_DIFF = 1.2;
/** A sampled pixel has changed when it moved by more than this many luma levels. */
const FREEZE_PIXEL_DIFF = 16;
/** At most this share of sampled pixels may have changed: a moving ticker over a still is not a freeze. */
const FREEZE_CHANGED_RATIO = 0.005;
/**
 * Luma samples wanted per frame. At 160x90 that is every 4th pixel of every 4th row (880 of
 * 14,400): a 2% logo is still some 18 samples, and push stays near 0.01 ms.
 */
const TARGET_SAMPLES = 900;

/** A colour channel at or above this is "on" in a bar, at or below {@link BAR_OFF} "off" (75% bars are 191/0). */
const BAR_ON = 128;
const BAR_OFF = 72;
/**
 * The seven bars of both SMPTE (ECR-1-1978, RP 219 HD) and EBU (Tech 3228) charts, left to right,
 * as RGB bits: white, yellow, cyan, green, magenta, red, blue (descending luma). SMPTE HD bars
 * have 40% grey pillars either side, EBU bars a black eighth bar; neither is required.
 */
const BAR_ORDER: readonly number[] = [0b111, 0b110, 0b011, 0b010, 0b101, 0b100, 0b001];
/** Rows (fractions of height) scanned for bars: all inside the upper bars of every chart (SMPTE HD's end at 7/12). */
const BAR_ROWS: readonly number[] = [0.15, 0.3, 0.45];
/**
 * Rows that must show the bars: two of three, so an ident box burnt into the middle of the
 * chart does not hide it.
 */
const BAR_MIN_ROWS = 2;
/** Each bar is between these fractions of the width (SMPTE HD: 3/28; SMPTE SD: 1/7; EBU: 1/8). */
const BAR_MIN_WIDTH = 0.07;
const BAR_MAX_WIDTH = 0.2;
/** The seven bars together span at least this share of the width. */
const BAR_MIN_SPAN = 0.6;
/** The widest bar may be at most this many times the narrowest. */
const BAR_MAX_RATIO = 1.8;

/** One label's open run of frames and the sum of its per-frame confidences. */
interface Run {
  start: number;
  end: number;
  confidenceSum: number;
}

/**
 * Finds black frames, colour bars and frozen frames in a stream of small analysis frames, like
 * AWS Rekognition's technical cues, with no model and no training.
 *
 * `push` is called for every decoded frame in order and costs about 0.01 ms at 160x90: it
 * reads luma at about 900 evenly spread pixels (black and freeze) and up to three rows of colour
 * (bars). `finish` closes the open runs and returns `[startFrame, endFrame)` segments of kind
 * `'technical'` in frame order, labelled `black`, `bars` or `freeze`. A black or bars run is
 * reported as that and not also as a freeze; confidence (0-1) says how far inside the thresholds
 * the run's frames were on average.
 */
export class TechnicalCueDetector {
  private readonly width: number;
  private readonly height: number;
  private readonly minFrames: Readonly<Record<TechnicalCueLabel, number>>;
  /** Byte offsets of the sampled pixels. */
  private readonly offsets: Int32Array;
  /** Luma of the frozen run's first frame, and a scratch buffer for the frame being measured. */
  private reference: Uint8Array;
  private scratch: Uint8Array;
  private referenceIndex = -1;
  private readonly barRowOffsets: Int32Array;
  private readonly barCodes: Int8Array;
  private readonly runCodes: Int8Array;
  private readonly runStarts: Int16Array;
  private readonly runEnds: Int16Array;
  private readonly segments: Segment[] = [];
  private readonly open: Record<TechnicalCueLabel, Run | undefined> = { black: undefined, bars: undefined, freeze: undefined };
  // The last frame's measurements, kept as plain fields so push allocates nothing.
  private darkRatio = 0;
  private meanLuma = 0;
  private freezeDiff = 0;
  private changedRatio = 0;
  private bars = 0;

  constructor(options: TechnicalCueOptions) {
    const { width, height, fps } = options;
    if (!(width >= 8 && height >= 8)) throw new RangeError(`technical cues need frames of at least 8x8, not ${width}x${height}`);
    this.width = width;
    this.height = height;
    const frames = (seconds: number | undefined, fallback: number): number => Math.max(1, secondsToFrames(seconds ?? fallback, fps));
    this.minFrames = {
      black: frames(options.minBlackSeconds, 0.5),
      freeze: frames(options.minFreezeSeconds, 2),
      bars: frames(options.minBarsSeconds, 1),
    };
    const step = Math.max(1, Math.floor(Math.sqrt((width * height) / TARGET_SAMPLES)));
    const offsets: number[] = [];
    // Half a step in from the edges: the first and last rows often carry line-21 data or blanking.
    for (let y = step >> 1; y < height; y += step) {
      for (let x = step >> 1; x < width; x += step) offsets.push((y * width + x) * 3);
    }
    this.offsets = Int32Array.from(offsets);
    this.reference = new Uint8Array(offsets.length);
    this.scratch = new Uint8Array(offsets.length);
    this.barRowOffsets = Int32Array.from(BAR_ROWS.map((f) => Math.min(height - 1, Math.floor(f * height)) * width * 3));
    this.barCodes = new Int8Array(width * BAR_ROWS.length);
    this.runCodes = new Int8Array(width);
    this.runStarts = new Int16Array(width);
    this.runEnds = new Int16Array(width);
  }

  /** Takes the next frame (packed RGB24 at the size given to the constructor). */
  push(frame: RgbFrame): void {
    if (frame.width !== this.width || frame.height !== this.height) {
      throw new RangeError(`technical cues were set up for ${this.width}x${this.height} frames, got ${frame.width}x${frame.height}`);
    }
    const { data, index } = frame;
    const offsets = this.offsets;
    const cur = this.scratch;
    const ref = this.reference;
    const n = offsets.length;
    let sum = 0;
    let dark = 0;
    let diff = 0;
    let changed = 0;
    for (let k = 0; k < n; k++) {
      const i = offsets[k]!;
      const y = (77 * data[i]! + 150 * data[i + 1]! + 29 * data[i + 2]!) >> 8;
      cur[k] = y;
      sum += y;
      if (y <= BLACK_PIXEL_LUMA) dark += 1;
      const d = y > ref[k]! ? y - ref[k]! : ref[k]! - y;
      diff += d;
      if (d > FREEZE_PIXEL_DIFF) changed += 1;
    }
    const darkRatio = dark / n;
    const meanLuma = sum / n;
    const black = darkRatio >= BLACK_PICTURE_RATIO && meanLuma <= BLACK_MEAN_LUMA;
    const bars = black ? 0 : this.barsScore(data);
    const hasReference = this.referenceIndex >= 0;
    const freezeDiff = hasReference ? diff / n : Infinity;
    const changedRatio = hasReference ? changed / n : 1;
    this.darkRatio = darkRatio;
    this.meanLuma = meanLuma;
    this.freezeDiff = freezeDiff;
    this.changedRatio = changedRatio;
    this.bars = bars;

    this.extend('black', black, index, 0.5 + (0.5 * (darkRatio - BLACK_PICTURE_RATIO)) / (1 - BLACK_PICTURE_RATIO));
    this.extend('bars', bars > 0, index, bars);
    if (black || bars > 0) {
      // The more specific cue wins: a still black or bars picture is not also reported frozen.
      this.referenceIndex = -1;
      this.extend('freeze', false, index, 0);
    } else if (hasReference && freezeDiff <= FREEZE_MEAN_DIFF && changedRatio <= FREEZE_CHANGED_RATIO) {
      const run = this.open.freeze;
      const confidence = 0.5 + 0.5 * (1 - freezeDiff / FREEZE_MEAN_DIFF);
      if (run) {
        run.end = index + 1;
        run.confidenceSum += confidence;
      } else {
        // The run's first frame is the reference itself; it counts as fully frozen.
        this.open.freeze = { start: this.referenceIndex, end: index + 1, confidenceSum: 1 + confidence };
      }
    } else {
      this.extend('freeze', false, index, 0);
      // This frame becomes the picture later frames are compared with.
      this.scratch = ref;
      this.reference = cur;
      this.referenceIndex = index;
    }
  }

  /** The measurements of the frame pushed last, for `scores.csv`. */
  lastScores(): Readonly<Record<string, number>> {
    return { darkRatio: this.darkRatio, meanLuma: this.meanLuma, freezeDiff: this.freezeDiff, changedRatio: this.changedRatio, bars: this.bars };
  }

  /**
   * Closes the runs still open at the end of the stream (`frameCount` frames) and returns every
   * cue found, in frame order. The detector is spent afterwards.
   */
  finish(frameCount: number): Segment[] {
    for (const label of ['black', 'bars', 'freeze'] as const) {
      const run = this.open[label];
      if (run) run.end = Math.min(run.end, frameCount);
      this.close(label);
    }
    return this.segments.sort((a, b) => a.startFrame - b.startFrame || a.endFrame - b.endFrame);
  }

  /** Extends `label`'s run with frame `index` when `on`, otherwise closes it. */
  private extend(label: TechnicalCueLabel, on: boolean, index: number, confidence: number): void {
    if (!on) {
      this.close(label);
      return;
    }
    const run = this.open[label];
    if (run && run.end === index) {
      run.end = index + 1;
      run.confidenceSum += confidence;
    } else {
      this.close(label);
      this.open[label] = { start: index, end: index + 1, confidenceSum: confidence };
    }
  }

  private close(label: TechnicalCueLabel): void {
    const run = this.open[label];
    if (!run) return;
    this.open[label] = undefined;
    const length = run.end - run.start;
    if (length < this.minFrames[label]) return;
    const confidence = Math.min(1, Math.max(0, run.confidenceSum / length));
    this.segments.push({ startFrame: run.start, endFrame: run.end, label, confidence: Math.round(confidence * 1000) / 1000, kind: 'technical' });
  }

  /**
   * 0 when the frame is not colour bars, else the share of the bars' columns whose colour is
   * exactly the bar's, times the share of scanned rows that show them: at least two of the three
   * rows must show the seven bars in order, at bar-like widths, starting and ending at the same
   * columns.
   */
  private barsScore(data: Uint8Array): number {
    const w = this.width;
    let first = -1;
    let last = -1;
    let rows = 0;
    let matched = 0;
    let spanned = 0;
    for (let r = 0; r < BAR_ROWS.length; r++) {
      const base = this.barRowOffsets[r]!;
      const codes = this.barCodes;
      if (rows + (BAR_ROWS.length - r) < BAR_MIN_ROWS) return 0;
      const o = r * w;
      let pure = 0;
      for (let x = 0; x < w; x++) {
        const i = base + x * 3;
        const code = channelBits(data[i]!, data[i + 1]!, data[i + 2]!);
        codes[o + x] = code;
        if (code >= 0) pure += 1;
      }
      // Ordinary pictures fail here: bars are pure colours across at least their span.
      const found = pure >= BAR_MIN_SPAN * w ? this.findBars(o) : undefined;
      if (found === undefined) continue;
      if (rows === 0) {
        first = found.start;
        last = found.end;
      } else if (Math.abs(found.start - first) > 3 || Math.abs(found.end - last) > 3) {
        return 0;
      }
      rows += 1;
      matched += found.matched;
      spanned += found.end - found.start;
    }
    return rows >= BAR_MIN_ROWS ? (matched / spanned) * (rows / BAR_ROWS.length) : 0;
  }

  /** Looks for the seven bars in one scanned row (codes from `o`); their span and matching columns. */
  private findBars(o: number): { start: number; end: number; matched: number } | undefined {
    const w = this.width;
    const codes = this.barCodes;
    const minRun = Math.max(2, Math.round(w / 40));
    // Runs of equal colour, dropping the short ones that scaling and chroma subsampling leave at edges.
    let runs = 0;
    let x = 0;
    while (x < w) {
      const code = codes[o + x]!;
      let end = x + 1;
      while (end < w && codes[o + end] === code) end += 1;
      if (end - x >= minRun) {
        if (runs > 0 && this.runCodes[runs - 1] === code) {
          this.runEnds[runs - 1] = end;
        } else {
          this.runCodes[runs] = code;
          this.runStarts[runs] = x;
          this.runEnds[runs] = end;
          runs += 1;
        }
      }
      x = end;
    }
    for (let s = 0; s + BAR_ORDER.length <= runs; s++) {
      let ok = true;
      let narrowest = w;
      let widest = 0;
      let matched = 0;
      for (let b = 0; b < BAR_ORDER.length && ok; b++) {
        ok = this.runCodes[s + b] === BAR_ORDER[b];
        const width = this.runEnds[s + b]! - this.runStarts[s + b]!;
        narrowest = Math.min(narrowest, width);
        widest = Math.max(widest, width);
        matched += width;
      }
      if (!ok) continue;
      const start = this.runStarts[s]!;
      const end = this.runEnds[s + BAR_ORDER.length - 1]!;
      if (end - start < BAR_MIN_SPAN * w) continue;
      if (narrowest < BAR_MIN_WIDTH * w || widest > BAR_MAX_WIDTH * w || widest > BAR_MAX_RATIO * narrowest) continue;
      return { start, end, matched };
    }
    return undefined;
  }
}

/** A pixel's colour as RGB bits when every channel is clearly on or off, else -1. */
function channelBits(r: number, g: number, b: number): number {
  const rb = r >= BAR_ON ? 4 : r <= BAR_OFF ? 0 : -8;
  const gb = g >= BAR_ON ? 2 : g <= BAR_OFF ? 0 : -8;
  const bb = b >= BAR_ON ? 1 : b <= BAR_OFF ? 0 : -8;
  const bits = rb + gb + bb;
  return bits < 0 ? -1 : bits;
}
