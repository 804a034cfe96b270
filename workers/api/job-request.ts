// Validation of job requests: settings through the settings table, formats through the export registry; each refusal names its field.
import { RoughcutError } from '../../src/core/errors.js';
import { resolveSettings, SETTINGS, type AnalysisSettings } from '../../src/core/settings.js';
import { resolveExporters } from '../../src/export/registry.js';
import { ApiProblem } from './problem.js';

/**
 * Parses the `settings` object of a request: keys are the settings table's keys
 * (`minShotSeconds`, `edlProfile`, ...), values numbers or strings. Returns only the given
 * settings, parsed; an unknown key or a bad value is a 400 naming `settings.<key>`.
 */
export function parseRequestSettings(raw: unknown): Partial<AnalysisSettings> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ApiProblem('invalid-setting', 'settings must be an object of setting names to values.', { field: 'settings' });
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = `settings.${key}`;
    if (!Object.hasOwn(SETTINGS, key)) {
      throw new ApiProblem('invalid-setting', `${field} is not a setting; known settings: ${Object.keys(SETTINGS).join(', ')}.`, { field });
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ApiProblem('invalid-setting', `${field} must be a string or a number.`, { field });
    }
    try {
      out[key] = resolveSettings({ [key]: String(value) })[key as keyof AnalysisSettings];
    } catch (error) {
      const why = error instanceof RoughcutError && error.cause instanceof Error ? error.cause.message : String(error);
      throw new ApiProblem('invalid-setting', `${field} ${why}.`, { field, code: 'BAD_ARGUMENT', cause: error });
    }
  }
  return out as Partial<AnalysisSettings>;
}

/**
 * Parses `formats`: an array of names or one comma-separated string, as `--format` takes.
 * Returns registry names; an unknown name is a 400 naming `formats`.
 */
export function parseRequestFormats(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((x): x is string => typeof x === 'string')) throw new ApiProblem('bad-request', 'formats must be a list of format names.', { field: 'formats' });
  const { exporters, unknown } = resolveExporters(list.join(','));
  if (unknown.length > 0) throw new ApiProblem('bad-request', `formats: unknown format ${unknown.map((u) => `"${u}"`).join(', ')}.`, { field: 'formats' });
  return exporters.map((e) => e.name);
}
