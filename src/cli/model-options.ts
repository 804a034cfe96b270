// The model flags (--model, --characters, --face-detector, --face-threshold, --backend) shared by analyze, enqueue and watch, checked before any work starts.
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AnalyzeOptions } from '../analyze.js';
import { BACKENDS, parseBackendName } from '../classify/backend-names.js';
import { DEFAULT_MATCH_THRESHOLD } from '../classify/faces/types.js';
import { RoughcutError } from '../core/errors.js';

/** The models an analysis runs, as {@link analyzeFile}'s options take them. */
export type ModelOptions = Pick<AnalyzeOptions, 'model' | 'characters' | 'backend'>;

/** Character recognition settings before checking: what the flags or an API request carry. */
export interface CharacterFlags {
  readonly gallery?: string;
  readonly detector?: string;
  readonly threshold?: string | number;
}

/**
 * Checks that `dir` is a model folder written by `roughcut train` (it has labels.json); returns it.
 *
 * @throws RoughcutError `BAD_MODEL` naming the folder and how to make one.
 */
export async function checkModelFolder(dir: string): Promise<string> {
  if (!(await isFile(path.join(dir, 'labels.json')))) {
    throw new RoughcutError('BAD_MODEL', `${dir}: not a roughcut model folder (no labels.json); train one with "roughcut train <examples> --out ${dir}".`, { file: dir });
  }
  return dir;
}

/**
 * Checks character recognition settings: the gallery (when given) must be a folder, the detector
 * fast or accurate (default fast), the threshold a descriptor distance in (0, 2).
 *
 * @throws RoughcutError `BAD_ARGUMENT` naming the flag at fault.
 */
export async function checkCharacters(flags: CharacterFlags): Promise<NonNullable<AnalyzeOptions['characters']>> {
  if (flags.gallery !== undefined && !(await isDirectory(flags.gallery))) {
    throw new RoughcutError('BAD_ARGUMENT', `--characters ${flags.gallery}: not a folder; make one with a subfolder of photos per person (DIR/<Name>/*.jpg).`, { file: flags.gallery });
  }
  const detector = String(flags.detector ?? 'fast');
  if (detector !== 'fast' && detector !== 'accurate') throw new RoughcutError('BAD_ARGUMENT', `--face-detector "${detector}" is not one of fast, accurate.`);
  const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
  if (threshold !== undefined && !(threshold > 0 && threshold < 2)) {
    throw new RoughcutError('BAD_ARGUMENT', `--face-threshold "${String(flags.threshold)}" is not a descriptor distance between 0 and 2 (${DEFAULT_MATCH_THRESHOLD} is the default).`);
  }
  return { ...(flags.gallery === undefined ? {} : { gallery: flags.gallery }), detector, ...(threshold === undefined ? {} : { threshold }) };
}

/**
 * The models `analyze` (and `enqueue`, `watch`) runs, from commander's flags, checked once before
 * any file is decoded or queued.
 *
 * @throws RoughcutError `BAD_MODEL` for a model folder without labels.json, `BAD_ARGUMENT` for a
 *   bad backend, detector or threshold, or a gallery that is not a folder.
 */
export async function modelOptions(opts: Record<string, unknown>): Promise<ModelOptions> {
  const backend = parseBackendName(String(opts.backend ?? 'auto'));
  const out: { model?: string; characters?: AnalyzeOptions['characters']; backend: typeof backend } = { backend };
  if (typeof opts.model === 'string') out.model = await checkModelFolder(opts.model);
  if (typeof opts.characters === 'string') {
    out.characters = await checkCharacters({
      gallery: opts.characters,
      ...(opts.faceDetector === undefined ? {} : { detector: String(opts.faceDetector) }),
      ...(opts.faceThreshold === undefined ? {} : { threshold: String(opts.faceThreshold) }),
    });
  }
  return out;
}

/**
 * Adds the model flags `analyze` takes to another command (`enqueue`, `watch`), so they read
 * {@link modelOptions} the same way; returns the command.
 */
export function addModelOptions(command: Command): Command {
  return command
    .option('--model <dir>', 'scene classifier folder written by "roughcut train": label frames, shots and segments')
    .option('--characters <dir>', 'recognise characters by face from a gallery folder (DIR/<Name>/*.jpg); unknown faces are clustered')
    .option('--face-detector <name>', 'face detector with --characters: fast or accurate (about 5x slower)', 'fast')
    .option('--face-threshold <distance>', `face match distance with --characters (lower is stricter; default ${DEFAULT_MATCH_THRESHOLD})`)
    .option('--backend <name>', `TensorFlow.js backend for the models: auto, ${BACKENDS.join(', ')}`, 'auto');
}

const isFile = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isFile(), () => false);
const isDirectory = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isDirectory(), () => false);
