// face-api on roughcut's own TensorFlow.js: detectors, landmarks and 128-d descriptors read from the package folder.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RoughcutError } from '../../core/errors.js';
import type { Tf, TfRuntime } from '../tf-runtime.js';

/** Which face detector runs on frames: TinyFaceDetector (fast) or SSD MobileNet v1 (accurate). */
export type FaceDetectorName = 'fast' | 'accurate';

/** One face found in an image, in that image's pixels, with its aligned 128-d descriptor. */
export interface DetectedFace {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly score: number;
  readonly descriptor: Float32Array;
}

/** How `FaceModels.detect` looks. */
export interface DetectOptions {
  readonly minScore?: number;
  readonly inputSize?: number;
  readonly known?: (box: { x: number; y: number; width: number; height: number }) => Float32Array | undefined;
  /**
   * Of the detections scoring under `weak.below`, only the `weak.max` best get landmarks and a
   * descriptor (the rest are dropped): a cap on what a low `minScore` costs on a busy frame.
   */
  readonly weak?: { readonly below: number; readonly max: number };
}

/** The face-api networks, loaded once per thread onto the runtime's backend. */
export interface FaceModels {
  readonly tf: Tf;
  /** Names the weights in caches: descriptors from another model are not comparable. */
  readonly modelId: string;
  /**
   * Faces in an RGB24 image with their descriptors. `inputSize` applies to the fast detector
   * (multiple of 32: larger finds smaller faces and costs more). `known` may return a descriptor
   * already computed for a box (the same face on the previous sample): landmarks and descriptor
   * are then skipped for it, which is most of a face's cost.
   */
  detect(image: { width: number; height: number; data: Uint8Array }, detector: FaceDetectorName, options?: DetectOptions): Promise<DetectedFace[]>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- face-api's node-wasm build ships no ESM types we can bind to the shared tfjs. */
type FaceApi = any;

const require = createRequire(import.meta.url);
const FACE_API_VERSION = '1.7.15';
/** Names the descriptor model in gallery caches: descriptors of another model are not comparable. */
export const FACE_MODEL_ID = `face-api ${FACE_API_VERSION} face_recognition_model`;
let loaded: Promise<FaceModels> | undefined;

/** The folder of face-api's model weights inside the installed package. */
export function faceModelFolder(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/**
 * Loads face-api's tiny face detector, SSD MobileNet v1, 68-point landmarks and the face
 * recognition net from the files the npm package ships (no network). The node-wasm build of
 * face-api `require`s `@tensorflow/tfjs`, the same CommonJS module our ESM import resolves to,
 * so it shares the one engine and the backend `loadTensorflow` chose (checked here).
 * Memoized per process or worker thread.
 *
 * @throws RoughcutError `BAD_MODEL` when the weights are missing or do not load.
 */
export function loadFaceModels(runtime: TfRuntime): Promise<FaceModels> {
  loaded ??= load(runtime);
  loaded.catch(() => { loaded = undefined; });
  return loaded;
}

async function load(runtime: TfRuntime): Promise<FaceModels> {
  const { tf } = runtime;
  const faceapi: FaceApi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  if (faceapi.tf.engine() !== tf.engine()) {
    throw new RoughcutError('BAD_MODEL', 'face-api loaded a second TensorFlow.js engine; @tensorflow/tfjs must be installed once (npm dedupe).');
  }
  const folder = faceModelFolder();
  const weights = (name: string): void => {
    const manifestPath = path.join(folder, `${name}-weights_manifest.json`);
    try {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { paths: string[]; weights: unknown[] }[];
      const buffer = Buffer.concat(manifest.flatMap((group) => group.paths.map((p) => readFileSync(path.join(folder, p)))));
      const specs = manifest.flatMap((group) => group.weights) as Parameters<Tf['io']['decodeWeights']>[1];
      const map = tf.io.decodeWeights(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength), specs);
      const net = NETS[name]!;
      faceapi.nets[net].loadFromWeightMap(map);
    } catch (error) {
      throw new RoughcutError('BAD_MODEL', `${manifestPath}: face model weights could not be loaded (${error instanceof Error ? error.message : String(error)}); reinstall @vladmandic/face-api.`, { file: manifestPath, cause: error });
    }
  };
  for (const name of Object.keys(NETS)) weights(name);
  return {
    tf,
    modelId: FACE_MODEL_ID,
    async detect(image, detector, options = {}) {
      const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      try {
        const detectorOptions = detector === 'accurate'
          ? new faceapi.SsdMobilenetv1Options({ minConfidence: options.minScore ?? 0.5, maxResults: 20 })
          : new faceapi.TinyFaceDetectorOptions({ inputSize: options.inputSize ?? 320, scoreThreshold: options.minScore ?? 0.5 });
        let detections: any[] = await faceapi.detectAllFaces(input, detectorOptions);
        if (options.weak) {
          const { below, max } = options.weak;
          const weak = detections.filter((d) => d.score < below).sort((a, b) => b.score - a.score);
          detections = [...detections.filter((d) => d.score >= below), ...weak.slice(0, max)];
        }
        const boxOf = (d: any): { x: number; y: number; width: number; height: number } => ({ x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height });
        const reused = detections.map((d) => options.known?.(boxOf(d)));
        const missing = detections.filter((_, i) => !reused[i]);
        const described: any[] = missing.length === 0 ? [] : await new faceapi.DetectAllFaceLandmarksTask(
          Promise.resolve(missing.map((d) => faceapi.extendWithFaceDetection({}, d))), input, false,
        ).withFaceDescriptors();
        const faces: DetectedFace[] = [];
        detections.forEach((d, i) => {
          const descriptor = reused[i] ?? (described.find((r) => r.detection === d)?.descriptor as Float32Array | undefined);
          if (descriptor) faces.push({ ...boxOf(d), score: d.score, descriptor });
        });
        return faces;
      } finally {
        input.dispose();
      }
    },
  };
}

/** Weight file prefixes and the face-api nets they load into. */
const NETS: Record<string, string> = {
  tiny_face_detector_model: 'tinyFaceDetector',
  ssd_mobilenetv1_model: 'ssdMobilenetv1',
  face_landmark_68_model: 'faceLandmark68Net',
  face_recognition_model: 'faceRecognitionNet',
};

/** Euclidean distance between two descriptors (face-api's measure; 0.6 is its usual same-person limit). */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** The element-wise mean of descriptors. */
export function meanDescriptor(descriptors: readonly ArrayLike<number>[]): number[] {
  const first = descriptors[0];
  if (!first) return [];
  const mean = new Array<number>(first.length).fill(0);
  for (const d of descriptors) for (let i = 0; i < mean.length; i += 1) mean[i] = mean[i]! + (d[i] ?? 0) / descriptors.length;
  return mean;
}
