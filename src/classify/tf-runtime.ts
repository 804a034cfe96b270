// TensorFlow.js with the best backend that works here: tfjs-node-gpu, tfjs-node, WASM, plain JS.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { RoughcutError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';

import { BACKENDS, type BackendName } from './backend-names.js';

// The names live in backend-names.ts, so that the CLI can check --backend without loading TensorFlow.js.
export { BACKENDS, parseBackendName, type BackendName } from './backend-names.js';

/** The TensorFlow.js namespace every classifier module uses (one instance per process or thread). */
export type Tf = typeof tf;

/** What start-up chose, and why the better backends were passed over. */
export interface TfRuntime {
  readonly tf: Tf;
  readonly backend: BackendName;
  /** Each backend above the chosen one, with the reason it was skipped. */
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
  /** For the native backends: whether TensorFlow placed work on a GPU device. */
  readonly gpu: boolean;
}

export interface LoadTfOptions {
  /** `'auto'` (default) walks the ladder; a name forces that backend and fails if it cannot load. */
  readonly backend?: BackendName | 'auto';
  readonly logger?: Logger;
}

const require = createRequire(import.meta.url);
let chosen: Promise<TfRuntime> | undefined;
let chosenFor: string | undefined;

/**
 * Chooses the backend once per process (or worker thread): the first of tensorflow-gpu,
 * tensorflow, wasm, cpu that loads and initialises. The native packages are optional
 * dependencies whose install downloads libtensorflow; where that failed they are missing or
 * throw from `require` itself (a missing .node binding, a missing CUDA library), and both count
 * as "skipped" with the error's first line as the reason. The choice and the reasons are logged.
 * Later calls return the same runtime; asking for a different forced backend afterwards is an error.
 *
 * @throws RoughcutError `BAD_ARGUMENT` when a forced backend cannot load (with its reason).
 */
export function loadTensorflow(options: LoadTfOptions = {}): Promise<TfRuntime> {
  const wanted = options.backend ?? 'auto';
  if (chosen) {
    if (wanted !== 'auto' && chosenFor !== wanted) {
      return chosen.then((runtime) => {
        if (runtime.backend === wanted) return runtime;
        throw new RoughcutError('BAD_ARGUMENT', `--backend ${wanted}: this process already runs TensorFlow.js on ${runtime.backend}; start a new process to change it.`);
      });
    }
    return chosen;
  }
  chosenFor = wanted;
  chosen = chooseBackend(wanted, options.logger ?? silentLogger);
  chosen.catch(() => { chosen = undefined; chosenFor = undefined; });
  return chosen;
}

async function chooseBackend(wanted: BackendName | 'auto', logger: Logger): Promise<TfRuntime> {
  const skipped: { backend: BackendName; reason: string }[] = [];
  const ladder = wanted === 'auto' ? BACKENDS : [wanted];
  for (const backend of ladder) {
    try {
      await tryBackend(backend);
      const gpu = backend === 'tensorflow-gpu' ? usesGpu() : false;
      const runtime: TfRuntime = { tf, backend, skipped, gpu };
      logger.info('TensorFlow.js backend chosen', {
        backend, gpu, skipped: skipped.map((s) => `${s.backend}: ${s.reason}`),
      });
      return runtime;
    } catch (error) {
      const reason = firstLine(error);
      skipped.push({ backend, reason });
      if (wanted !== 'auto') {
        throw new RoughcutError('BAD_ARGUMENT', `--backend ${backend} cannot run here: ${reason}. Use --backend auto to take the best one that works.`, { cause: error });
      }
      logger.debug('TensorFlow.js backend skipped', { backend, reason });
    }
  }
  // The plain JS backend is part of @tensorflow/tfjs and cannot be missing.
  throw new RoughcutError('CLASSIFIER_FAILED', `no TensorFlow.js backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

async function tryBackend(backend: BackendName): Promise<void> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      // Loading the package registers the 'tensorflow' backend on the shared tfjs-core; it
      // throws here when the native library is missing or cannot be opened.
      require(backend === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      await setBackend('tensorflow');
      if (backend === 'tensorflow-gpu' && !usesGpu()) {
        throw new Error('tfjs-node-gpu loaded but TensorFlow sees no GPU device');
      }
      return;
    }
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      await setBackend('wasm');
      return;
    }
    case 'cpu':
      await setBackend('cpu');
  }
}

async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend "${name}" failed to initialise`);
  await tf.ready();
  // A tiny op proves the kernels run before anything depends on them.
  const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
  const value = (await probe.data())[0];
  probe.dispose();
  if (value !== 2) throw new Error(`backend "${name}" computed 1 + 1 = ${value}`);
}

/** Whether the native backend put its devices on a GPU (tfjs-node exposes this on the binding). */
function usesGpu(): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean; binding?: { isUsingGpuDevice?: () => boolean } };
  if (typeof backend.isUsingGpuDevice === 'boolean') return backend.isUsingGpuDevice;
  try {
    return backend.binding?.isUsingGpuDevice?.() ?? false;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim().slice(0, 300);
}
