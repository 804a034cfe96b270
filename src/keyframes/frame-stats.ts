// Cheap per-frame measurements shared by the shot detectors: a decimated luma plane, its mean/stddev, a YUV histogram.
import type { RgbFrame } from '../frames/frame.js';

/** Bins per channel of {@link FrameStats.histogram} (Y, U, V concatenated). */
export const HISTOGRAM_BINS_PER_CHANNEL = 16;

/** What the detectors keep of one frame: a few kilobytes, reused through ring buffers. */
export interface FrameStats {
  index: number;
  /** Luma, 0-255, every `step`-th pixel of every `step`-th row. */
  readonly luma: Float32Array;
  /** Normalised Y, U, V histograms (each sums to 1), `3 * HISTOGRAM_BINS_PER_CHANNEL` values. */
  readonly histogram: Float32Array;
  /** Mean and standard deviation of `luma`. */
  mean: number;
  std: number;
}

/** Allocates an empty record sized for frames of `width` x `height` decimated by `step`. */
export function createFrameStats(width: number, height: number, step: number): FrameStats {
  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  return { index: -1, luma: new Float32Array(w * h), histogram: new Float32Array(3 * HISTOGRAM_BINS_PER_CHANNEL), mean: 0, std: 0 };
}

/**
 * Fills `out` from `frame` without allocating: BT.601 luma and chroma of every `step`-th pixel.
 * Decimating by 2 keeps 1/4 of a 160-wide frame, which is plenty for frame-level statistics and
 * makes the whole measurement a few microseconds.
 */
export function measureFrame(frame: RgbFrame, step: number, out: FrameStats): FrameStats {
  // The cut, dissolve and fade detectors each measure every frame the same way: the second and
  // third copy the first one's record (a few kilobytes) instead of going over the pixels again.
  if (lastMeasured.frame === frame && lastMeasured.step === step && lastMeasured.stats.index === frame.index && lastMeasured.stats.luma.length === out.luma.length) {
    if (lastMeasured.stats !== out) copyStats(lastMeasured.stats, out);
    return out;
  }
  measurePixels(frame, step, out);
  lastMeasured = { frame, step, stats: out };
  return out;
}

/** The frame measured last, and where its record is (a detector's ring slot, reused later). */
let lastMeasured: { frame?: RgbFrame; step: number; stats: FrameStats } = { step: 0, stats: createFrameStats(1, 1, 1) };

function copyStats(from: FrameStats, to: FrameStats): void {
  to.luma.set(from.luma);
  to.histogram.set(from.histogram);
  to.index = from.index;
  to.mean = from.mean;
  to.std = from.std;
}

function measurePixels(frame: RgbFrame, step: number, out: FrameStats): FrameStats {
  const { data, width, height } = frame;
  const luma = out.luma;
  const hist = out.histogram;
  hist.fill(0);
  const shift = 8 - Math.log2(HISTOGRAM_BINS_PER_CHANNEL);
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let row = 0; row < height; row += step) {
    let i = row * width * 3;
    for (let col = 0; col < width; col += step, i += 3 * step) {
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      const y = (77 * r + 150 * g + 29 * b) >> 8;
      const u = Math.min(255, Math.max(0, ((-43 * r - 85 * g + 128 * b) >> 8) + 128));
      const v = Math.min(255, Math.max(0, ((128 * r - 107 * g - 21 * b) >> 8) + 128));
      luma[n++] = y;
      sum += y;
      sumSq += y * y;
      hist[y >> shift]! += 1;
      hist[HISTOGRAM_BINS_PER_CHANNEL + (u >> shift)]! += 1;
      hist[2 * HISTOGRAM_BINS_PER_CHANNEL + (v >> shift)]! += 1;
    }
  }
  for (let k = 0; k < hist.length; k++) hist[k]! /= n;
  out.index = frame.index;
  out.mean = sum / n;
  out.std = Math.sqrt(Math.max(0, sumSq / n - out.mean * out.mean));
  return out;
}

/** Histogram distance in [0, 1]: one minus the mean histogram intersection over Y, U and V. */
export function histogramDistance(a: FrameStats, b: FrameStats): number {
  let shared = 0;
  const ha = a.histogram;
  const hb = b.histogram;
  for (let k = 0; k < ha.length; k++) shared += Math.min(ha[k]!, hb[k]!);
  return 1 - shared / 3;
}

/** Mean absolute luma difference in [0, 1]. */
export function lumaDistance(a: FrameStats, b: FrameStats): number {
  const la = a.luma;
  const lb = b.luma;
  let s = 0;
  for (let k = 0; k < la.length; k++) s += Math.abs(la[k]! - lb[k]!);
  return s / la.length / 255;
}

/**
 * The frame difference the cut detector thresholds: colour-histogram change (robust to motion)
 * plus pixel change (catches cuts between shots of similar colour), roughly 0-1.
 */
export function frameDistance(a: FrameStats, b: FrameStats): number {
  return 0.5 * histogramDistance(a, b) + 2 * lumaDistance(a, b);
}

/** A fixed-size ring of reusable {@link FrameStats}, addressed by frame index. */
export class StatsRing {
  private readonly slots: FrameStats[];

  constructor(readonly size: number, width: number, height: number, readonly step: number) {
    this.slots = Array.from({ length: size }, () => createFrameStats(width, height, step));
  }

  /** Measures `frame` into the slot of its index and returns it. */
  add(frame: RgbFrame): FrameStats {
    return measureFrame(frame, this.step, this.slots[frame.index % this.size]!);
  }

  /** The stats of frame `index`, or undefined when it has left the ring (or never came). */
  get(index: number): FrameStats | undefined {
    if (index < 0) return undefined;
    const s = this.slots[index % this.size]!;
    return s.index === index ? s : undefined;
  }
}

/**
 * Coarse colour layout of a frame: the mean Y, U and V (BT.601, 0-255) of each cell of a
 * `columns` x `rows` grid, every `step`-th pixel, written into `out` (`3 * columns * rows`
 * values: all Y cells, then U, then V). Block means are linear in the picture, so a dissolve
 * mixes them exactly like the pixels, while motion inside a cell barely moves them: the
 * motion-tolerant counterpart of the luma plane.
 */
export function measureBlocks(frame: RgbFrame, columns: number, rows: number, step: number, out: Float32Array): Float32Array {
  const { data, width, height } = frame;
  const cells = columns * rows;
  out.fill(0);
  const counts = new Uint32Array(cells);
  for (let row = 0; row < height; row += step) {
    const cellRow = Math.min(rows - 1, Math.floor((row * rows) / height)) * columns;
    let i = row * width * 3;
    for (let col = 0; col < width; col += step, i += 3 * step) {
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      const c = cellRow + Math.min(columns - 1, Math.floor((col * columns) / width));
      out[c]! += (77 * r + 150 * g + 29 * b) / 256;
      out[cells + c]! += (-43 * r - 85 * g + 128 * b) / 256 + 128;
      out[2 * cells + c]! += (128 * r - 107 * g - 21 * b) / 256 + 128;
      counts[c]! += 1;
    }
  }
  for (let c = 0; c < cells; c++) {
    const n = Math.max(1, counts[c]!);
    out[c]! /= n;
    out[cells + c]! /= n;
    out[2 * cells + c]! /= n;
  }
  return out;
}

/** RMS difference of two equal-length feature vectors (block means: 0-255). */
export function rmsDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k]! - b[k]!;
    s += d * d;
  }
  return Math.sqrt(s / Math.max(1, a.length));
}
