// The models of `analyze` run in a worker thread beside the decode: the WASM backend is
// single-threaded in Node, and the main thread is busy feeding the shot detectors.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RoughcutError, type ErrorCode } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RgbFrame } from '../frames/frame.js';
import type { BackendName } from './tf-runtime.js';
import type { FaceObservation, GallerySummary } from './faces/types.js';

/** Face recognition options: a gallery folder (none: find and cluster unknown faces only), detector, match distance. */
export type CharacterOptions = { readonly gallery?: string; readonly detector?: 'fast' | 'accurate'; readonly threshold?: number };

/** What the thread loads. */
export interface ModelHostOptions {
  /** A model folder written by `roughcut train`; omit for no scene classifier. */
  readonly model?: string;
  /** Face recognition: a gallery folder (or none, to find and cluster unknown faces only). */
  readonly characters?: CharacterOptions;
  readonly backend?: BackendName | 'auto';
  readonly logger?: Logger;
}

/** What the thread reported once its models were loaded. */
export interface ModelHostInfo {
  readonly backend: BackendName;
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
  readonly gpu: boolean;
  readonly classifier?: { readonly classes: readonly string[]; readonly architecture: string; readonly inputSize: number; readonly modelDir: string };
  readonly faces?: { readonly frameWidth: number; readonly sampleFps: number; readonly detector: string; readonly threshold: number; readonly gallery: GallerySummary };
}

/** Messages from the host to the thread. */
export type HostRequest =
  | { readonly type: 'init'; readonly options: Omit<ModelHostOptions, 'logger'> }
  | { readonly type: 'classify'; readonly id: number; readonly frames: readonly RgbFrame[] }
  | { readonly type: 'faces'; readonly id: number; readonly frame: RgbFrame }
  | { readonly type: 'close' };

/** Messages from the thread to the host. */
export type ThreadReply =
  | { readonly type: 'ready'; readonly info: ModelHostInfo }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string; readonly fields?: Record<string, unknown> }
  | { readonly type: 'scores'; readonly id: number; readonly scores: readonly Float32Array[] }
  | { readonly type: 'faces'; readonly id: number; readonly faces: readonly FaceObservation[] }
  | { readonly type: 'error'; readonly id?: number; readonly code: ErrorCode; readonly message: string };

interface Pending {
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
}

/** Requests queued in the thread before the caller waits for the oldest (bounds memory). */
const DEFAULT_MAX_IN_FLIGHT = 6;

/**
 * A worker thread that holds the scene classifier and the face analyzer on one TensorFlow.js
 * backend. Requests are answered in order; `classify` and `faces` return promises, and
 * `whenBelow` lets a producer (the decode loop) wait while too many are queued.
 */
export class ModelHost {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: RoughcutError | undefined;
  private readonly drained: (() => void)[] = [];
  private loaded: ModelHostInfo | undefined;
  private closed = false;
  /**
   * Resolves with what the thread loaded. Rejects when loading fails (`BAD_MODEL` for a model
   * folder that cannot be read, `BAD_ARGUMENT` for a forced backend that cannot run,
   * `CLASSIFIER_FAILED` otherwise), and every request fails with the same error.
   */
  readonly ready: Promise<ModelHostInfo>;

  private constructor(private readonly worker: Worker, options: ModelHostOptions, private readonly maxInFlight: number) {
    const logger = options.logger ?? silentLogger;
    let settle!: { resolve: (info: ModelHostInfo) => void; reject: (error: RoughcutError) => void };
    this.ready = new Promise<ModelHostInfo>((resolve, reject) => { settle = { resolve, reject }; });
    // Callers that never wait for `ready` still see the failure through their requests.
    this.ready.catch(() => undefined);
    const broken = (error: RoughcutError): void => {
      settle.reject(error);
      this.fail(error);
    };
    worker.on('message', (reply: ThreadReply) => {
      if (reply.type === 'log') logger[reply.level](reply.msg, reply.fields);
      else if (reply.type === 'ready') {
        this.loaded = reply.info;
        settle.resolve(reply.info);
      } else if (reply.type === 'error' && reply.id === undefined) broken(new RoughcutError(reply.code, reply.message));
      else this.receive(reply);
    });
    worker.on('error', (e) => broken(new RoughcutError('CLASSIFIER_FAILED', `the model thread failed${this.loaded ? '' : ' to start'}: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => {
      if (!this.closed) broken(new RoughcutError('CLASSIFIER_FAILED', `the model thread exited (code ${code})${this.loaded ? '' : ' before its models were loaded'}`));
    });
    const { logger: _logger, ...init } = options;
    worker.postMessage({ type: 'init', options: init } satisfies HostRequest);
  }

  /**
   * Starts the thread and has it load the models, without waiting: requests sent meanwhile
   * queue in the thread and are answered once the models are in (so loading overlaps the decode).
   */
  static launch(options: ModelHostOptions, maxInFlight = DEFAULT_MAX_IN_FLIGHT): ModelHost {
    return new ModelHost(startThread(), options, maxInFlight);
  }

  /**
   * Starts the thread and waits until the models are loaded.
   *
   * @throws RoughcutError as {@link ModelHost.ready} rejects.
   */
  static async start(options: ModelHostOptions, maxInFlight = DEFAULT_MAX_IN_FLIGHT): Promise<ModelHost> {
    const host = ModelHost.launch(options, maxInFlight);
    try {
      await host.ready;
      return host;
    } catch (error) {
      await host.close();
      throw error;
    }
  }

  /** What the thread loaded. @throws Error before {@link ModelHost.ready} has resolved. */
  get info(): ModelHostInfo {
    if (!this.loaded) throw new Error('the model thread has not loaded its models yet; await ready first');
    return this.loaded;
  }

  /** Class probabilities for each frame (rows in `info.classifier.classes` order). */
  classify(frames: readonly RgbFrame[]): Promise<Float32Array[]> {
    const copies = frames.map(ownCopy);
    return this.request<Float32Array[]>({ type: 'classify', id: this.nextId, frames: copies }, copies.map((f) => f.data.buffer as ArrayBuffer));
  }

  /** Faces found in one frame (at `info.faces.frameWidth`), with descriptors and crops. */
  faces(frame: RgbFrame): Promise<FaceObservation[]> {
    const copy = ownCopy(frame);
    return this.request<FaceObservation[]>({ type: 'faces', id: this.nextId, frame: copy }, [copy.data.buffer as ArrayBuffer]);
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once fewer than the host's limit of requests are queued in the thread. */
  async whenBelow(): Promise<void> {
    while (this.pending.size >= this.maxInFlight && !this.failure) {
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  /** Stops the thread; unanswered requests reject. */
  async close(): Promise<void> {
    this.closed = true;
    this.fail(new RoughcutError('ABORTED', 'the model thread was closed'));
    this.worker.postMessage({ type: 'close' } satisfies HostRequest);
    await this.worker.terminate();
  }

  private request<T>(message: HostRequest & { id: number }, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    this.nextId += 1;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(message.id, { resolve: resolve as (v: never) => void, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  private receive(reply: ThreadReply): void {
    if (reply.type === 'ready' || reply.type === 'log' || reply.id === undefined) return;
    const id = reply.id;
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (reply.type === 'error') pending.reject(new RoughcutError(reply.code, reply.message));
    else pending.resolve((reply.type === 'scores' ? reply.scores : reply.faces) as never);
    this.wakeDrained();
  }

  private fail(error: RoughcutError): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.wakeDrained();
  }

  private wakeDrained(): void {
    for (const wake of this.drained.splice(0)) wake();
  }
}

/** A frame whose pixels own their buffer, so it can be transferred without detaching a shared pipe chunk. */
function ownCopy(frame: RgbFrame): RgbFrame {
  return { index: frame.index, ptsSeconds: frame.ptsSeconds, width: frame.width, height: frame.height, data: frame.data.slice() };
}

/**
 * Starts the thread on its script: the compiled `model-thread.js` beside this file, or, when
 * this file runs from source (tsx, vitest), the `.ts` source after registering tsx's loader in
 * the thread (Node 20 does not pass `--import` loaders on to worker threads).
 */
function startThread(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./model-thread.js', import.meta.url));
  const entry = new URL('./model-thread.ts', import.meta.url).href;
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const exportsMap = (require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = pathToFileURL(path.join(path.dirname(manifest), exportsMap['./esm/api']!.import.default)).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}
