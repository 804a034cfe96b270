// Validation of job requests: settings through the settings table, formats through the export registry, models and rules through the CLI's checks; each refusal names its field.
import { parseBackendName } from '../../src/classify/backend-names.js';
import { checkCharacters, checkModelFolder, type ModelOptions } from '../../src/cli/model-options.js';
import { RoughcutError } from '../../src/core/errors.js';
import { resolveSettings, SETTINGS, type AnalysisSettings } from '../../src/core/settings.js';
import { resolveExporters } from '../../src/export/registry.js';
import { parseRules, type RoughCutRules, type RuleFlags } from '../../src/export/rules.js';
import { resolveMediaFolder } from './media-paths.js';
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

/** A refusal from a CLI check as a 400 naming `field` (the check's sentence kept, its code attached). */
function refused(error: unknown, field: string): never {
  if (error instanceof RoughcutError) throw new ApiProblem('bad-request', `${field}: ${error.message}`, { field, code: error.code, cause: error });
  throw error;
}

/** The `model`, `characters` and `backend` fields of a request, before checking. */
export interface ModelFields {
  readonly model?: unknown;
  readonly characters?: unknown;
  readonly backend?: unknown;
}

/**
 * Parses the model fields of a request as `roughcut analyze` checks its flags:
 * `model` is a model folder under a media root (with labels.json), `characters` a gallery folder
 * under a media root, or `{gallery?, detector?, threshold?}` (`{}`: cluster unknown faces only),
 * `backend` one of auto and the TensorFlow.js backends. Folders are returned as real paths.
 * A path outside the roots is a 403; any other bad value a 400 naming its field.
 */
export async function parseRequestModels(raw: ModelFields, roots: readonly string[]): Promise<ModelOptions | undefined> {
  const out: { -readonly [K in keyof ModelOptions]: ModelOptions[K] } = {};
  if (raw.model !== undefined && raw.model !== null) {
    const folder = await resolveMediaFolder(raw.model, roots, 'model');
    out.model = await checkModelFolder(folder).catch((error: unknown) => refused(error, 'model'));
  }
  if (raw.characters !== undefined && raw.characters !== null) {
    const given = typeof raw.characters === 'string' ? { gallery: raw.characters } : raw.characters;
    if (typeof given !== 'object' || Array.isArray(given)) {
      throw new ApiProblem('bad-request', 'characters must be a gallery folder or an object {"gallery"?: "...", "detector"?: "fast"|"accurate", "threshold"?: number}.', { field: 'characters' });
    }
    const fields = given as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !['gallery', 'detector', 'threshold'].includes(k));
    if (unknown.length > 0) throw new ApiProblem('bad-request', `characters.${unknown[0]!} is not an option; characters takes gallery, detector and threshold.`, { field: `characters.${unknown[0]!}` });
    if (fields.detector !== undefined && typeof fields.detector !== 'string') throw new ApiProblem('bad-request', 'characters.detector must be "fast" or "accurate".', { field: 'characters.detector' });
    if (fields.threshold !== undefined && typeof fields.threshold !== 'number') throw new ApiProblem('bad-request', 'characters.threshold must be a number (a face descriptor distance, 0.5 by default).', { field: 'characters.threshold' });
    const gallery = fields.gallery === undefined ? undefined : await resolveMediaFolder(fields.gallery, roots, 'characters.gallery');
    out.characters = await checkCharacters({
      ...(gallery === undefined ? {} : { gallery }),
      ...(fields.detector === undefined ? {} : { detector: fields.detector as string }),
      ...(fields.threshold === undefined ? {} : { threshold: fields.threshold as number }),
    }).catch((error: unknown) => refused(error, 'characters'));
  }
  if (raw.backend !== undefined && raw.backend !== null) {
    if (typeof raw.backend !== 'string') throw new ApiProblem('bad-request', 'backend must be a string.', { field: 'backend' });
    try {
      out.backend = parseBackendName(raw.backend);
    } catch (error) {
      refused(error, 'backend');
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The rule fields a request may carry (those of RoughCutRules), each with the flag that checks it. */
const RULE_FIELDS: Readonly<Record<keyof RoughCutRules, { readonly flag: keyof RuleFlags; readonly type: 'list' | 'seconds' | 'frames' | 'text' }>> = {
  include: { flag: 'include', type: 'list' },
  exclude: { flag: 'exclude', type: 'list' },
  scale: { flag: 'scale', type: 'list' },
  minDurationSeconds: { flag: 'minDuration', type: 'seconds' },
  mergeGapSeconds: { flag: 'mergeGap', type: 'seconds' },
  handlesFrames: { flag: 'handles', type: 'frames' },
  handlesSeconds: { flag: 'handles', type: 'seconds' },
  order: { flag: 'order', type: 'text' },
};

/**
 * Parses `rules`: an object with the fields of RoughCutRules (`include`, `exclude` and `scale` as
 * lists or comma-separated strings, `minDurationSeconds`, `mergeGapSeconds`, `handlesFrames` or
 * `handlesSeconds`, `order`), checked by the same parser as the CLI's rule flags. Returns the
 * parsed rules; an unknown field or a bad value is a 400 naming `rules.<field>`.
 */
export function parseRequestRules(raw: unknown): RoughCutRules | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ApiProblem('bad-request', 'rules must be an object such as {"include": ["anchor"], "handles": 12} of rough-cut rules.', { field: 'rules' });
  }
  const fields = raw as Record<string, unknown>;
  if (fields.handlesFrames !== undefined && fields.handlesSeconds !== undefined) {
    throw new ApiProblem('bad-request', 'rules: give handlesFrames or handlesSeconds, not both.', { field: 'rules.handlesSeconds' });
  }
  const flags: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const field = `rules.${key}`;
    if (!Object.hasOwn(RULE_FIELDS, key)) throw new ApiProblem('bad-request', `${field} is not a rule; known rules: ${Object.keys(RULE_FIELDS).join(', ')}.`, { field });
    if (value === undefined || value === null) continue;
    const { flag, type } = RULE_FIELDS[key as keyof RoughCutRules];
    let text: string;
    if (type === 'list') {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((x): x is string => typeof x === 'string')) throw new ApiProblem('bad-request', `${field} must be a list of names (or one comma-separated string).`, { field });
      text = list.join(',');
    } else if (type === 'text') {
      if (typeof value !== 'string') throw new ApiProblem('bad-request', `${field} must be a string.`, { field });
      text = value;
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (type === 'frames' && !Number.isInteger(value))) {
        throw new ApiProblem('bad-request', `${field} must be a non-negative ${type === 'frames' ? 'whole number of frames' : 'number of seconds'}.`, { field });
      }
      text = key === 'handlesSeconds' ? `${value}s` : String(value);
    }
    try {
      parseRules({ [flag]: text });
    } catch (error) {
      refused(error, field);
    }
    flags[flag] = text;
  }
  return parseRules(flags as RuleFlags);
}
