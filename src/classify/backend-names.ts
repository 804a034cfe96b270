// The TensorFlow.js backend names and the --backend flag, without loading TensorFlow.js itself.
import { RoughcutError } from '../core/errors.js';

/** Backend names as analysis.json records them (PRODUCT.md section 4). */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** The ladder, best first. */
export const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Parses a `--backend` value. @throws RoughcutError `BAD_ARGUMENT` naming the choices. */
export function parseBackendName(text: string): BackendName | 'auto' {
  if (text === 'auto' || (BACKENDS as readonly string[]).includes(text)) return text as BackendName | 'auto';
  throw new RoughcutError('BAD_ARGUMENT', `--backend "${text}" is not one of auto, ${BACKENDS.join(', ')}.`);
}
