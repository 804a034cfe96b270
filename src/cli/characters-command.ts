// `roughcut characters` commands: the face gallery and naming of unknown faces.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { asRoughcutError, RoughcutError } from '../core/errors.js';
import { createLogger, silentLogger, type Logger } from '../core/logger.js';
import { toNumber } from '../core/rational.js';
import { timecodeToFrames } from '../core/timecode.js';

/** Where the commands write. */
export interface CharacterCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const IMAGE = /\.(jpe?g|png)$/i;

/**
 * Adds the commands to the program; `setExit` receives their exit code (0, 1 or 2).
 * - `characters add <Name> <image|video@time>... --gallery DIR`: copies photos, or grabs frames
 *   from videos, into `DIR/<Name>/`; each is checked for exactly one face, and the ones without
 *   a usable face are removed again with the reason. Exit 2 when none could be added.
 * - `characters name <analysis.json> <from> <to> [--gallery DIR]`: renames a character (usually
 *   `Unknown n`) in the analysis and enrols its face crop in the gallery.
 * - `characters list --gallery DIR`: the people, their photo counts and unusable photos.
 */
export function registerCharacterCommands(program: Command, io: CharacterCommandIo, setExit: (code: number) => void): void {
  const characters = program.command('characters').description('the face gallery for character recognition, and naming of unknown faces');
  const fail = (thrown: unknown, file?: string): void => {
    const error = asRoughcutError(thrown, file);
    io.stderr.write(`roughcut: ${error.message}\n`);
    setExit(error.isInputError ? 2 : 1);
  };
  const loggerFor = (level: string): Logger => (level === 'silent' ? silentLogger : createLogger(level as 'info', (l) => io.stderr.write(l)));

  characters.command('add')
    .description('add photos or video frames of a person to the gallery (DIR/<Name>/)')
    .argument('<name>', 'the person, as it should appear in analyses and rules (character:<name>)')
    .argument('<source...>', 'image files (.jpg/.png), or video@time with time as HH:MM:SS:FF (from the start of the file), HH:MM:SS.sss or seconds')
    .requiredOption('-g, --gallery <dir>', 'the gallery folder (created when missing)')
    .option('--log-level <level>', 'structured log on stderr: debug, info, warn, error, silent', 'silent')
    .action(async (name: string, sources: string[], opts: { gallery: string; logLevel: string }) => {
      try {
        checkName(name);
        const { loadTensorflow } = await import('../classify/tf-runtime.js');
        const { loadFaceModels } = await import('../classify/faces/face-models.js');
        const { describePhoto, loadGallery } = await import('../classify/faces/gallery.js');
        const logger = loggerFor(opts.logLevel);
        const models = await loadFaceModels(await loadTensorflow({ logger }));
        const personDir = path.join(opts.gallery, name);
        await fs.mkdir(personDir, { recursive: true });
        let added = 0;
        for (const source of sources) {
          let target: string | undefined;
          try {
            target = await copyOrGrab(source, personDir);
            const { descriptor, problem } = await describePhoto(target, models);
            if (!descriptor) {
              await fs.rm(target, { force: true });
              io.stderr.write(`roughcut: ${source}: not added: ${problem ?? 'no usable face'}.\n`);
              continue;
            }
            added += 1;
            io.stdout.write(`${name}: added ${path.relative(opts.gallery, target)}\n`);
          } catch (thrown) {
            if (target) await fs.rm(target, { force: true });
            io.stderr.write(`roughcut: ${asRoughcutError(thrown, source).message}\n`);
          }
        }
        const gallery = await loadGallery(opts.gallery, models, logger);
        const person = gallery.people.find((p) => p.name === name);
        io.stdout.write(`${name}: ${person?.photos ?? 0} photo(s) in ${opts.gallery}\n`);
        setExit(added > 0 ? 0 : 2);
      } catch (thrown) {
        fail(thrown);
      }
    });

  characters.command('name')
    .description('name a character of an analysis (e.g. "Unknown 3") and enrol the face in the gallery; re-export without analysing again')
    .argument('<analysis>', 'analysis.json written by roughcut analyze')
    .argument('<from>', 'the current name, e.g. "Unknown 3"')
    .argument('<to>', 'the new name')
    .option('-g, --gallery <dir>', 'gallery to enrol the face in (default: the gallery the analysis used)')
    .action(async (analysis: string, from: string, to: string, opts: { gallery?: string }) => {
      try {
        const { nameCharacter } = await import('../classify/faces/unknown-faces.js');
        const result = await nameCharacter(analysis, from, to, opts.gallery ? { gallery: opts.gallery } : {});
        io.stdout.write(`${analysis}: "${from}" is now "${to}" in ${result.shots} shot(s)${result.enrolled ? `; enrolled ${result.enrolled}` : '; no gallery to enrol the face in (use --gallery)'}\n`);
        setExit(0);
      } catch (thrown) {
        fail(thrown, analysis);
      }
    });

  characters.command('list')
    .description('the people in a gallery, their usable photos, and the photos that cannot be used')
    .requiredOption('-g, --gallery <dir>', 'the gallery folder')
    .option('--json', 'print JSON')
    .action(async (opts: { gallery: string; json?: boolean }) => {
      try {
        const { loadTensorflow } = await import('../classify/tf-runtime.js');
        const { loadFaceModels } = await import('../classify/faces/face-models.js');
        const { loadGallery } = await import('../classify/faces/gallery.js');
        const gallery = await loadGallery(opts.gallery, await loadFaceModels(await loadTensorflow({})));
        if (opts.json) {
          io.stdout.write(`${JSON.stringify({ dir: gallery.dir, people: gallery.people, problems: gallery.problems }, null, 2)}\n`);
        } else {
          for (const p of gallery.people) io.stdout.write(`${p.name}\t${p.photos} photo(s)\n`);
          for (const p of gallery.problems) io.stderr.write(`roughcut: ${p.file}: skipped: ${p.reason}.\n`);
        }
        setExit(0);
      } catch (thrown) {
        fail(thrown, opts.gallery);
      }
    });
}

function checkName(name: string): void {
  if (name.trim() === '' || /[/\\]/.test(name) || name.startsWith('.')) {
    throw new RoughcutError('BAD_ARGUMENT', `"${name}" cannot be a character name: use letters, digits and spaces, no slashes or leading dot.`);
  }
}

/** Copies an image into `dir`, or grabs `video@time` as a JPEG there; returns the new file. */
async function copyOrGrab(source: string, dir: string): Promise<string> {
  const at = source.lastIndexOf('@');
  const isImage = IMAGE.test(source) && await fs.stat(source).then((s) => s.isFile(), () => false);
  if (isImage || at <= 0) {
    const stat = await fs.stat(source).catch(() => undefined);
    if (!stat?.isFile()) throw new RoughcutError('FILE_NOT_FOUND', `${source}: no such image; give a .jpg/.png file or video@time.`, { file: source });
    if (!IMAGE.test(source)) throw new RoughcutError('BAD_ARGUMENT', `${source}: only .jpg, .jpeg and .png photos can be added; for a video use ${source}@HH:MM:SS:FF.`, { file: source });
    const target = await uniquePath(dir, path.basename(source));
    await fs.copyFile(source, target);
    return target;
  }
  const video = source.slice(0, at);
  const time = source.slice(at + 1);
  const { probeMedia } = await import('../ingest/probe.js');
  const { renderKeyframeJpeg } = await import('../frames/keyframe-images.js');
  const { interlacedField } = await import('../frames/decode.js');
  const media = await probeMedia(video);
  const seconds = parseTime(time, media.fps, media.dropFrame, video);
  if (seconds > media.durationSeconds) throw new RoughcutError('BAD_ARGUMENT', `${source}: ${time} is past the end of the video (${media.durationSeconds.toFixed(2)} s).`, { file: video });
  const jpeg = await renderKeyframeJpeg(video, seconds, 1 / toNumber(media.fps), { width: media.displayWidth, height: media.displayHeight }, { maxWidth: 1920, quality: 92, colorSpace: media.colorSpace, interlaced: interlacedField(media.fieldOrder) !== undefined });
  const target = await uniquePath(dir, `${path.parse(video).name}-${time.replace(/[^0-9]+/g, '-')}.jpg`);
  await fs.writeFile(target, jpeg);
  return target;
}

function parseTime(text: string, fps: { num: number; den: number }, dropFrame: boolean, file: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const hms = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text);
  if (hms) return Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  try {
    return timecodeToFrames(text, { fps, dropFrame: dropFrame && /;/.test(text) }) / toNumber(fps);
  } catch (error) {
    throw new RoughcutError('BAD_ARGUMENT', `${file}@${text}: not a time; use HH:MM:SS:FF, HH:MM:SS.sss or seconds.`, { file, cause: error });
  }
}

async function uniquePath(dir: string, base: string): Promise<string> {
  const { name, ext } = path.parse(base);
  for (let n = 1; ; n += 1) {
    const candidate = path.join(dir, n === 1 ? base : `${name}-${n}${ext}`);
    if (!(await fs.stat(candidate).catch(() => undefined))) return candidate;
  }
}
