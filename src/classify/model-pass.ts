// What `analyze` asks of the models during its one decode: sampled frames to the scene
// classifier, sparse larger frames to the face analyzer, answers collected in frame order.
import type { Logger } from '../core/logger.js';
import { toNumber, type Rational } from '../core/rational.js';
import type { DecodedFrame, FrameOutput } from '../frames/decode.js';
import type { RgbFrame } from '../frames/frame.js';
import type { LabelSample } from '../keyframes/label-segments.js';
import type { FaceObservation } from './faces/types.js';
import { ModelHost, type ModelHostInfo, type ModelHostOptions } from './model-host.js';

/** Frames sent to the classifier in one request. */
const BATCH = 16;

export interface ModelPassOptions extends ModelHostOptions {
  /** The video's frame rate: sampling rates are per second of it. */
  readonly fps: Rational;
  /** Scene classifier samples per second (every shot's keyframe is classified as well). */
  readonly classifyFps: number;
  /** Face analysis samples per second; default the analyzer's own recommendation. */
  readonly faceFps?: number;
  /** Display size of the video, for the face frames' height. */
  readonly display: { readonly width: number; readonly height: number };
  /** For an interlaced source, the field the face frames are taken from (FrameOutput.field). */
  readonly field?: 'top' | 'bottom';
  readonly logger?: Logger;
}

/** Faces found in one sampled frame. */
export interface FaceSample {
  readonly frame: number;
  readonly faces: readonly FaceObservation[];
}

/** One run of the models over a decode. */
export class ModelPass {
  private batch: RgbFrame[] = [];
  private readonly work: Promise<void>[] = [];
  private readonly samples: LabelSample[] = [];
  private readonly faceSamples: FaceSample[] = [];
  private readonly sampled = new Set<number>();
  private readonly faceFrames: number[] = [];
  /** The first failure of the thread, thrown by the next push or by finish. */
  private failure: unknown;
  /** Every this many frames a frame goes to the classifier (0: no classifier). */
  readonly classifyEvery: number;
  /** Every this many frames a frame goes to the face analyzer (0: no faces). */
  readonly faceEvery: number;
  /** The decode outputs the pass adds beside the analysis frames. */
  readonly outputs: readonly FrameOutput[];

  private constructor(private readonly host: ModelHost, options: ModelPassOptions) {
    const fps = toNumber(options.fps);
    this.classifyEvery = options.model ? Math.max(1, Math.round(fps / options.classifyFps)) : 0;
    const faces = options.characters ? host.info.faces : undefined;
    this.faceEvery = faces ? Math.max(1, Math.round(fps / (options.faceFps ?? faces.sampleFps))) : 0;
    this.outputs = faces
      ? [{ name: 'faces', width: faces.frameWidth, height: Math.max(2, Math.round((faces.frameWidth * options.display.height) / options.display.width / 2) * 2), every: this.faceEvery, ...(options.field ? { field: options.field } : {}) }]
      : [];
  }

  /**
   * Starts the model thread; `undefined` when there is nothing to run (no model, no characters).
   * The scene classifier loads while the decode runs (its frames queue meanwhile); with
   * characters this waits for the thread, since face frames are decoded at the analyzer's size.
   */
  static async start(options: ModelPassOptions): Promise<ModelPass | undefined> {
    if (!options.model && !options.characters) return undefined;
    const host = ModelHost.launch(options);
    if (options.characters) {
      try {
        await host.ready;
      } catch (error) {
        await host.close();
        throw error;
      }
    }
    return new ModelPass(host, options);
  }

  /** What the thread loaded, once it has. @throws RoughcutError when loading failed. */
  loaded(): Promise<ModelHostInfo> {
    return this.host.ready;
  }

  /** Takes what it needs from one decoded frame; waits while the thread is too far behind. */
  async push(decoded: DecodedFrame, analysis: RgbFrame): Promise<void> {
    if (this.classifyEvery > 0 && analysis.index % this.classifyEvery === 0) {
      this.batch.push(analysis);
      if (this.batch.length >= BATCH) this.sendBatch();
    }
    const face = decoded.frames.faces;
    if (face) this.sendFaces(face);
    if (this.failure) throw this.failure;
    if (this.host.inFlight > 0) await this.host.whenBelow();
  }

  /** Classifies more frames (shot keyframes decoded from their images) unless already sampled. */
  classifyFrames(frames: readonly RgbFrame[]): void {
    if (this.classifyEvery === 0) return;
    for (const frame of frames) {
      if (!this.sampled.has(frame.index)) this.batch.push(frame);
      if (this.batch.length >= BATCH) this.sendBatch();
    }
  }

  /** Looks for faces on more frames (keyframes of shots no face sample fell in), at `outputs`' face size. */
  analyzeFaces(frames: readonly RgbFrame[]): void {
    if (this.faceEvery === 0) return;
    for (const frame of frames) this.sendFaces(frame);
  }

  /** Whether any frame in `[startFrame, endFrame)` went to the face analyzer. */
  hasFaceSample(startFrame: number, endFrame: number): boolean {
    return this.faceFrames.some((f) => f >= startFrame && f < endFrame);
  }

  /** Whether a frame has been (or is being) classified. */
  hasSample(frame: number): boolean {
    return this.sampled.has(frame) || this.batch.some((f) => f.index === frame);
  }

  /** Waits for every answer: classifier samples and face samples, each in frame order. */
  async finish(): Promise<{ samples: LabelSample[]; faces: FaceSample[] }> {
    await this.host.ready;
    this.sendBatch();
    await Promise.all(this.work);
    if (this.failure) throw this.failure;
    const byFrame = (a: { frame: number }, b: { frame: number }): number => a.frame - b.frame;
    return { samples: this.samples.sort(byFrame), faces: this.faceSamples.sort(byFrame) };
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    await this.host.close();
  }

  private sendBatch(): void {
    if (this.batch.length === 0) return;
    const frames = this.batch;
    this.batch = [];
    for (const f of frames) this.sampled.add(f.index);
    this.track(this.host.classify(frames).then((scores) => {
      frames.forEach((f, i) => this.samples.push({ frame: f.index, scores: scores[i]! }));
    }));
  }

  private sendFaces(frame: RgbFrame): void {
    this.faceFrames.push(frame.index);
    this.track(this.host.faces(frame).then((faces) => { this.faceSamples.push({ frame: frame.index, faces }); }));
  }

  /** Keeps a request's promise; its failure is kept for the caller instead of going unhandled. */
  private track(promise: Promise<void>): void {
    this.work.push(promise.catch((error: unknown) => { this.failure ??= error; }));
  }
}
