// The roughcut command line: a thin shell over the stage functions; errors become exit codes here.
import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { analyzeFile } from '../analyze.js';
import { interruptOnSignals } from './interrupt.js';
import { addRuleOptions, hasRules, parseRules, type RuleFlags } from '../export/rules.js';
import { asRoughcutError, RoughcutError } from '../core/errors.js';
import { createLogger, silentLogger } from '../core/logger.js';
import { formatRational } from '../core/rational.js';
import { envName, resolveSettings, SETTINGS } from '../core/settings.js';
import type { MediaInfo } from '../core/types.js';
import { probeMedia } from '../ingest/probe.js';
import { validateWhileProbing } from '../ingest/validate.js';
import { registerCharacterCommands } from './characters-command.js';
import { addModelOptions, modelOptions } from './model-options.js';
import { exportOptionsFromFlags, FORMAT_NAMES, parseFormats, registerExportCommand } from './export-command.js';
import { createProgressReporter } from './progress-bar.js';
import { registerTrainCommands } from './train-command.js';

/** Exit codes: 0 success, 1 an analysis failed, 2 usage or input error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where a command writes. */
export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/**
 * Adds commands to the program from outside `src/` (the queue commands live in `workers/`, which
 * `src/` never imports): bin/roughcut.js passes them in.
 */
export type CommandPlugin = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** Output folder names for the inputs: the file name without extension, made unique. */
export function outputNames(files: readonly string[]): string[] {
  const used = new Map<string, number>();
  return files.map((f) => {
    const base = path.parse(f).name.replace(/^\.+/, '') || 'video';
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

function describeMedia(m: MediaInfo): string {
  const rows: [string, string][] = [
    ['file', m.path], ['container', m.container], ['video', `${m.codec} ${m.pixelFormat} ${m.width}x${m.height}`],
    ['display', `${m.displayWidth}x${m.displayHeight} (SAR ${formatRational(m.sampleAspectRatio)}, DAR ${formatRational(m.displayAspectRatio)}, rotation ${m.rotation})`],
    ['frame rate', `${formatRational(m.fps)}${m.variableFrameRate ? ` variable (average ${formatRational(m.averageFps)})` : ''}`],
    ['frames', String(m.frameCount)], ['duration', `${m.durationSeconds.toFixed(3)} s`],
    ['timecode', `${m.startTimecode} (${m.dropFrame ? 'drop-frame' : 'non-drop'}, from ${m.startTimecodeSource})`],
    ['field order', m.fieldOrder], ['colour', m.colorSpace ?? 'untagged'],
    ['audio', m.audioStreams.length === 0 ? 'none' : m.audioStreams.map((a) => `#${a.index} ${a.codec} ${a.channels}ch ${a.sampleRate} Hz`).join(', ')],
  ];
  return rows.map(([k, v]) => `${k.padEnd(12)}${v}`).join('\n');
}

function buildProgram(io: Io, setExit: (code: number) => void, plugins: readonly CommandPlugin[]): Command {
  const program = new Command('roughcut')
    .description('Shot boundaries, keyframes and rough-cut EDLs from broadcast footage.')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  const analyze = program.command('analyze')
    .description('analyse videos: shots, transitions, keyframes, analysis.json, a CMX 3600 EDL and report.html per input')
    .argument('<video...>', 'video files (use -- before names that start with a dash)')
    .option('-o, --out <dir>', 'output folder; each input gets <dir>/<name>/', 'roughcut-out')
    .option('--scores', 'also write per-frame detector scores to scores.csv (for tuning)')
    .option('-f, --format <list>', `also write these exports: ${FORMAT_NAMES.join(', ')} (the EDL, report.html and analysis.json are always written)`)
    .option('--review-below <confidence>', 'transitions less confident than this become review markers in the exports (default 0.6)')
    .option('--json', 'progress as JSON lines on stderr, results as JSON lines on stdout')
    .option('--log-level <level>', 'structured log on stderr: debug, info, warn, error, silent', 'silent');
  for (const spec of Object.values(SETTINGS)) {
    analyze.addOption(new Option(`--${spec.flag} <value>`, `${spec.description} (default ${spec.defaultValue}; env ${envName(spec.flag)})`));
  }
  addModelOptions(analyze);
  addRuleOptions(analyze);
  analyze.action(async (videos: string[], opts: Record<string, string | boolean | undefined>) => {
    const given: Record<string, string | undefined> = {};
    for (const spec of Object.values(SETTINGS)) {
      const key = spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const v = opts[key];
      if (typeof v === 'string') given[spec.key] = v;
    }
    const settings = resolveSettings(given, process.env);
    const json = opts.json === true;
    const logLevel = String(opts.logLevel);
    const logger = logLevel === 'silent' ? silentLogger : createLogger(logLevel as 'info');
    const progress = createProgressReporter(json ? 'json' : io.stderr.isTTY ? 'bar' : 'none', io.stderr);
    const exportFormats = typeof opts.format === 'string' ? parseFormats(opts.format) : [];
    const exportOptions = exportOptionsFromFlags({
      reviewBelow: typeof opts.reviewBelow === 'string' ? opts.reviewBelow : undefined,
      recordStart: settings.recordStart === 'auto' ? undefined : settings.recordStart,
    });
    const models = await modelOptions(opts);
    const rules = parseRules(opts as RuleFlags);
    const names = outputNames(videos);
    let inputErrors = 0;
    let failures = 0;
    const interrupt = interruptOnSignals((signal) => {
      progress.done();
      io.stderr.write(`roughcut: ${signal}: stopping; the file in progress is not written (no partial output) and the rest are not started.\n`);
    });
    try {
      for (const [i, video] of videos.entries()) {
        if (interrupt.received()) break;
        try {
          const media = await validateWhileProbing(video, () => probeMedia(video));
          interrupt.signal.throwIfAborted();
          const out = await analyzeFile(video, {
            outDir: path.join(String(opts.out), names[i]!), settings, writeScores: opts.scores === true, media, signal: interrupt.signal,
            onProgress: progress.onProgress, logger, exports: exportFormats, exportOptions, ...models, ...(hasRules(rules) ? { rules } : {}),
          });
          progress.done();
          const a = out.analysis;
          if (json) {
            io.stdout.write(`${JSON.stringify({ type: 'result', file: video, ok: true, outDir: out.outDir, files: out.files, shots: a.shots.length, transitions: a.transitions.length, framesPerSecond: a.timing.framesPerSecond })}\n`);
          } else {
            io.stdout.write(`${video}: ${a.shots.length} shots, ${a.transitions.length} transitions, ${a.source.frameCount} frames at ${a.timing.framesPerSecond.toFixed(0)} fps -> ${out.outDir}\n`);
          }
        } catch (thrown) {
          progress.done();
          const error = asRoughcutError(thrown, video);
          if (interrupt.received()) {
            if (json) io.stdout.write(`${JSON.stringify({ type: 'result', file: video, ok: false, code: 'ABORTED', error: `${video}: cancelled by ${interrupt.received()}.` })}\n`);
            break;
          }
          if (error.isInputError) inputErrors += 1;
          else failures += 1;
          logger.error('analysis failed', { file: video, code: error.code, stderr: error.stderr });
          if (json) io.stdout.write(`${JSON.stringify({ type: 'result', file: video, ok: false, code: error.code, error: error.message })}\n`);
          io.stderr.write(`roughcut: ${error.message}\n`);
        }
      }
    } finally {
      interrupt.dispose();
    }
    setExit(interrupt.received() ? interrupt.exitCode() : failures > 0 ? EXIT.failed : inputErrors > 0 ? EXIT.usage : EXIT.ok);
  });

  program.command('probe')
    .description('show what the pipeline will assume about a file: rate, frame count, timecode, size, aspect, rotation, VFR, audio')
    .argument('<video>', 'a video file')
    .option('--json', 'print the probe result as JSON')
    .action(async (video: string, opts: { json?: boolean }) => {
      try {
        const media = await validateWhileProbing(video, () => probeMedia(video));
        io.stdout.write(opts.json ? `${JSON.stringify(media, null, 2)}\n` : `${describeMedia(media)}\n`);
        setExit(EXIT.ok);
      } catch (thrown) {
        const error = asRoughcutError(thrown, video);
        io.stderr.write(`roughcut: ${error.message}\n`);
        setExit(error.isInputError ? EXIT.usage : EXIT.failed);
      }
    });
  registerExportCommand(program, io, setExit);
  registerTrainCommands(program, io, setExit);
  registerCharacterCommands(program, io, setExit);
  for (const plugin of plugins) plugin(program, io, setExit);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, plugins: readonly CommandPlugin[] = []): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => { code = c; }, plugins);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof RoughcutError) {
      io.stderr.write(`roughcut: ${error.message}\n`);
      return error.isInputError ? EXIT.usage : EXIT.failed;
    }
    io.stderr.write(`roughcut: unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
