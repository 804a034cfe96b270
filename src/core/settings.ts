// The one table of analysis settings: default, allowed values and description; CLI flags and env derive from it.
import { RoughcutError } from './errors.js';

/** Every setting of `analyze` that changes its results; recorded in analysis.json. */
export interface AnalysisSettings {
  /** Shortest shot a detector may produce, in seconds. */
  readonly minShotSeconds: number;
  /** Width of the frames the detectors see (height follows the display aspect). */
  readonly analysisWidth: number;
  /** Comma-separated detector names, or `default`. */
  readonly detectors: string;
  /** Largest keyframe JPEG width. */
  readonly keyframeWidth: number;
  /** EDL reader profile. */
  readonly edlProfile: 'generic' | 'premiere' | 'resolve' | 'avid' | 'openshot';
  /** How gradual transitions are written to the EDL. */
  readonly edlTransitions: 'cut' | 'dissolve';
  /** EDL reel name: a name of up to 8 characters, or `auto` to derive one from the file name. */
  readonly reel: string;
  /** Record timecode of the first event, or `auto`: 01:00:00:00, 00:00:00:00 for the OpenShot profile. */
  readonly recordStart: string;
  /** Frames per second the scene classifier samples (every shot's keyframe is classified too). */
  readonly classifyFps: number;
  /** A smoothed top class probability below this labels the frames `unknown`. */
  readonly unknownBelow: number;
  /** Shortest label segment, in seconds; shorter runs merge into a neighbour. */
  readonly minSegmentSeconds: number;
  /** Frames per second the face analyzer samples when characters are on. */
  readonly faceFps: number;
}

interface SettingSpec<K extends keyof AnalysisSettings> {
  readonly key: K;
  readonly flag: string;
  readonly description: string;
  readonly defaultValue: AnalysisSettings[K];
  readonly parse: (text: string) => AnalysisSettings[K];
}

function numberIn(min: number, max: number, integer = false) {
  return (text: string): number => {
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new RangeError(`must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
    }
    return v;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): T => {
    if (!(values as readonly string[]).includes(text)) throw new RangeError(`must be one of ${values.join(', ')}, got "${text}"`);
    return text as T;
  };
}

type SettingTable = { [K in keyof AnalysisSettings]: SettingSpec<K> };

/** The settings table: the compiler keeps it in step with AnalysisSettings. */
export const SETTINGS: SettingTable = {
  minShotSeconds: { key: 'minShotSeconds', flag: 'min-shot', description: 'shortest shot in seconds (0.1-10)', defaultValue: 0.4, parse: numberIn(0.1, 10) },
  analysisWidth: { key: 'analysisWidth', flag: 'analysis-width', description: 'width of the frames the detectors see (64-640)', defaultValue: 160, parse: numberIn(64, 640, true) },
  detectors: { key: 'detectors', flag: 'detectors', description: 'shot detectors to run, comma-separated, or "default"', defaultValue: 'default', parse: (t) => t },
  keyframeWidth: { key: 'keyframeWidth', flag: 'keyframe-width', description: 'largest keyframe JPEG width (64-3840)', defaultValue: 1280, parse: numberIn(64, 3840, true) },
  edlProfile: { key: 'edlProfile', flag: 'edl-profile', description: 'EDL dialect: generic, premiere, resolve, avid, openshot', defaultValue: 'generic', parse: oneOf(['generic', 'premiere', 'resolve', 'avid', 'openshot'] as const) },
  edlTransitions: { key: 'edlTransitions', flag: 'edl-transitions', description: 'write gradual transitions as cuts or as D dissolves: cut, dissolve', defaultValue: 'cut', parse: oneOf(['cut', 'dissolve'] as const) },
  reel: { key: 'reel', flag: 'reel', description: 'EDL reel name (up to 8 characters) or "auto" to derive it from the file name', defaultValue: 'AX', parse: (t) => {
    if (t !== 'auto' && !/^[A-Za-z0-9_]{1,8}$/.test(t)) throw new RangeError(`must be 1-8 letters, digits or _ or "auto", got "${t}"`);
    return t;
  } },
  recordStart: { key: 'recordStart', flag: 'record-start', description: 'record timecode of the first EDL event; auto = 01:00:00:00 (00:00:00:00 for the openshot profile)', defaultValue: 'auto', parse: (t) => {
    if (t !== 'auto' && !/^\d{2}:\d{2}:\d{2}[:;]\d{2}$/.test(t)) throw new RangeError(`must be a timecode like 01:00:00:00 or "auto", got "${t}"`);
    return t;
  } },
  classifyFps: { key: 'classifyFps', flag: 'classify-fps', description: 'frames per second the scene classifier samples, besides every shot keyframe (0.1-30)', defaultValue: 0.5, parse: numberIn(0.1, 30) },
  unknownBelow: { key: 'unknownBelow', flag: 'unknown-below', description: 'label frames "unknown" when the classifier is less sure than this (0-1)', defaultValue: 0.5, parse: numberIn(0, 1) },
  minSegmentSeconds: { key: 'minSegmentSeconds', flag: 'min-segment', description: 'shortest label segment in seconds (0-600)', defaultValue: 2, parse: numberIn(0, 600) },
  faceFps: { key: 'faceFps', flag: 'face-fps', description: 'frames per second the face analyzer samples with --characters, besides the keyframe of any shot no sample falls in or nobody in the gallery was named in (0.1-30)', defaultValue: 0.5, parse: numberIn(0.1, 30) },
};

/** The defaults of every setting. */
export function defaultSettings(): AnalysisSettings {
  const out: Record<string, unknown> = {};
  for (const spec of Object.values(SETTINGS)) out[spec.key] = spec.defaultValue;
  return out as unknown as AnalysisSettings;
}

/** The environment variable for a setting: `ROUGHCUT_MIN_SHOT` for `--min-shot`. */
export function envName(flag: string): string {
  return `ROUGHCUT_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Resolves settings from defaults, then the environment, then explicit values (flags, API
 * fields) given as text. Throws BAD_ARGUMENT naming the flag on an invalid value.
 */
export function resolveSettings(given: Readonly<Record<string, string | undefined>>, env: NodeJS.ProcessEnv = {}): AnalysisSettings {
  const out: Record<string, unknown> = {};
  for (const spec of Object.values(SETTINGS) as SettingSpec<keyof AnalysisSettings>[]) {
    const text = given[spec.key] ?? env[envName(spec.flag)];
    if (text === undefined) {
      out[spec.key] = spec.defaultValue;
      continue;
    }
    try {
      out[spec.key] = spec.parse(text);
    } catch (error) {
      throw new RoughcutError('BAD_ARGUMENT', `--${spec.flag} ${(error as Error).message}.`, { cause: error });
    }
  }
  return out as unknown as AnalysisSettings;
}
