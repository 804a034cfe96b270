// Shot detectors by name: adding a detector is one file and one line here.
import { RoughcutError } from '../core/errors.js';
import type { DetectorFactory } from './detector.js';
import { createDissolveDetector } from './dissolve-detector.js';
import { createFadeDetector } from './fade-detector.js';
import { createHardCutDetector } from './hard-cut-detector.js';

/** Every detector, by the name the `--detectors` setting uses. */
export const DETECTORS: Readonly<Record<string, DetectorFactory>> = {
  hardcut: (context) => createHardCutDetector(context),
  fade: (context) => createFadeDetector(context),
  dissolve: (context) => createDissolveDetector(context),
};

/** The detectors run when none are named: together they find cuts, fades and dissolves. */
export const DEFAULT_DETECTORS: readonly string[] = ['hardcut', 'fade', 'dissolve'];

/** The factory registered as `name`; throws RoughcutError('BAD_ARGUMENT') naming the known ones otherwise. */
export function detectorFactory(name: string): DetectorFactory {
  const factory = Object.hasOwn(DETECTORS, name) ? DETECTORS[name] : undefined;
  if (!factory) {
    throw new RoughcutError('BAD_ARGUMENT', `Unknown shot detector "${name}"; use one of: ${Object.keys(DETECTORS).join(', ')}.`);
  }
  return factory;
}
