// Compact per-frame features kept for the whole file: what keyframe choice needs, ~70 bytes a frame.
import type { RgbFrame } from '../frames/frame.js';

/** Bins of the joint RGB histogram (4 levels per channel). */
export const HISTOGRAM_BINS = 64;
const CHUNK_FRAMES = 1024;
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_F32 = new Float32Array(0);

/**
 * Stores, per frame, a 64-bin colour histogram (as fractions of 255), a sharpness measure
 * (mean absolute Laplacian of luma) and the mean luma. Grows in fixed chunks, so memory is a
 * few megabytes for hours of video and nothing else of a frame is kept.
 */
export class FrameFeatureStore {
  private histograms: Uint8Array[] = [];
  private sharpness: Float32Array[] = [];
  private luma: Float32Array[] = [];
  private count = 0;
  private released = 0;
  private readonly lumaScratch: Uint8Array;
  private readonly counts = new Uint32Array(HISTOGRAM_BINS);
  private readonly gridWidth: number;
  private readonly gridHeight: number;

  constructor(readonly width: number, readonly height: number) {
    this.gridWidth = Math.ceil(width / 2);
    this.gridHeight = Math.ceil(height / 2);
    this.lumaScratch = new Uint8Array(this.gridWidth * this.gridHeight);
  }

  /**
   * Frees the features of frames before `frame` (whole chunks only); asking for them afterwards
   * throws. Keeps memory bounded by what open shots still need.
   */
  release(frame: number): void {
    const chunks = Math.floor(frame / CHUNK_FRAMES);
    for (let c = this.released; c < Math.min(chunks, this.histograms.length); c++) {
      this.histograms[c] = EMPTY_U8;
      this.sharpness[c] = EMPTY_F32;
      this.luma[c] = EMPTY_F32;
    }
    this.released = Math.max(this.released, Math.min(chunks, this.histograms.length));
  }

  /** Number of frames added. */
  get length(): number {
    return this.count;
  }

  /** Computes and keeps the features of the next frame (frames must arrive in order). */
  add(frame: RgbFrame): void {
    if (frame.index !== this.count) throw new RangeError(`frame ${frame.index} added out of order (expected ${this.count})`);
    const chunk = Math.floor(this.count / CHUNK_FRAMES);
    const slot = this.count % CHUNK_FRAMES;
    if (slot === 0) {
      this.histograms.push(new Uint8Array(CHUNK_FRAMES * HISTOGRAM_BINS));
      this.sharpness.push(new Float32Array(CHUNK_FRAMES));
      this.luma.push(new Float32Array(CHUNK_FRAMES));
    }
    // Every other pixel of every other row: keyframe choice compares frames of one shot with
    // each other, which a quarter of a 160-wide frame does as well as all of it, at a quarter of the cost.
    const { data, width } = frame;
    const w = this.gridWidth;
    const h = this.gridHeight;
    const y = this.lumaScratch;
    const counts = this.counts;
    counts.fill(0);
    let lumaSum = 0;
    for (let row = 0, p = 0; row < h; row++) {
      for (let col = 0, i = 2 * row * width * 3; col < w; col++, p++, i += 6) {
        const r = data[i]!;
        const g = data[i + 1]!;
        const b = data[i + 2]!;
        const l = (77 * r + 150 * g + 29 * b) >> 8;
        y[p] = l;
        lumaSum += l;
        counts[((r >> 6) << 4) | ((g >> 6) << 2) | (b >> 6)]! += 1;
      }
    }
    let lap = 0;
    for (let row = 1; row < h - 1; row++) {
      const base = row * w;
      for (let col = 1; col < w - 1; col++) {
        const p = base + col;
        const v = 4 * y[p]! - y[p - 1]! - y[p + 1]! - y[p - w]! - y[p + w]!;
        lap += v < 0 ? -v : v;
      }
    }
    const pixels = w * h;
    const hist = this.histograms[chunk]!;
    for (let k = 0; k < HISTOGRAM_BINS; k++) hist[slot * HISTOGRAM_BINS + k] = Math.round((counts[k]! * 255) / pixels);
    this.sharpness[chunk]![slot] = lap / Math.max(1, (w - 2) * (h - 2));
    this.luma[chunk]![slot] = lumaSum / pixels;
    this.count += 1;
  }

  /** The histogram of frame `index` (a view, 64 values summing to about 255). */
  histogram(index: number): Uint8Array {
    this.check(index);
    const chunk = this.histograms[Math.floor(index / CHUNK_FRAMES)]!;
    const at = (index % CHUNK_FRAMES) * HISTOGRAM_BINS;
    return chunk.subarray(at, at + HISTOGRAM_BINS);
  }

  /** Mean absolute Laplacian of luma: higher is sharper. */
  sharpnessOf(index: number): number {
    this.check(index);
    return this.sharpness[Math.floor(index / CHUNK_FRAMES)]![index % CHUNK_FRAMES]!;
  }

  /** Mean luma, 0-255. */
  lumaOf(index: number): number {
    this.check(index);
    return this.luma[Math.floor(index / CHUNK_FRAMES)]![index % CHUNK_FRAMES]!;
  }

  private check(index: number): void {
    if (index < this.released * CHUNK_FRAMES || index >= this.count) {
      throw new RangeError(`frame ${index} has no features (kept: ${this.released * CHUNK_FRAMES}-${this.count - 1})`);
    }
  }
}
