// `roughcut export`: new rough cuts and marker lists from an earlier analysis.json, without decoding again.
import type { Command } from 'commander';
import path from 'node:path';
import { asRoughcutError, RoughcutError } from '../core/errors.js';
import { FCPXML_VERSIONS, type FcpxmlVersion } from '../export/fcpxml.js';
import { exporterGroups, exporters, resolveExporters } from '../export/registry.js';
import type { Exporter } from '../export/exporter.js';
import { addRuleOptions, hasRules, parseRules, selectEvents, type RuleFlags } from '../export/rules.js';
import { loadAnalysis, writeExports } from '../export/write-exports.js';

/** What the command writes to. */
export interface ExportCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Every name `--format` accepts, for help texts. */
export const FORMAT_NAMES: readonly string[] = [...exporters.map((e) => e.name), ...Object.keys(exporterGroups)];

/**
 * Turns a `--format` list into exporters.
 *
 * @throws RoughcutError `BAD_ARGUMENT` naming the unknown formats.
 */
export function parseFormats(list: string): Exporter[] {
  const { exporters: found, unknown } = resolveExporters(list);
  if (unknown.length > 0 || found.length === 0) {
    throw new RoughcutError('BAD_ARGUMENT', `unknown export format ${unknown.length > 0 ? unknown.map((u) => `"${u}"`).join(', ') : `"${list}"`}; choose from ${FORMAT_NAMES.join(', ')}.`);
  }
  return found;
}

/**
 * The option bag the CLI gives every exporter, from the flags shared by `export` and `analyze`.
 *
 * @throws RoughcutError `BAD_ARGUMENT` for a bad threshold or FCPXML version.
 */
export function exportOptionsFromFlags(flags: { reviewBelow?: string; fcpxmlVersion?: string; recordStart?: string }): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags.reviewBelow !== undefined) {
    const value = Number(flags.reviewBelow);
    if (!(value >= 0 && value <= 1)) throw new RoughcutError('BAD_ARGUMENT', `--review-below "${flags.reviewBelow}" is not a confidence between 0 and 1.`);
    options.reviewBelow = value;
  }
  if (flags.fcpxmlVersion !== undefined) {
    if (!(FCPXML_VERSIONS as readonly string[]).includes(flags.fcpxmlVersion)) {
      throw new RoughcutError('BAD_ARGUMENT', `--fcpxml-version "${flags.fcpxmlVersion}" is not one of ${FCPXML_VERSIONS.join(', ')}.`);
    }
    options.version = flags.fcpxmlVersion as FcpxmlVersion;
  }
  if (flags.recordStart !== undefined) options.recordStart = flags.recordStart;
  return options;
}

/** Adds the `export` command to the program; `setExit` receives its exit code (0, 1 or 2). */
export function registerExportCommand(program: Command, io: ExportCommandIo, setExit: (code: number) => void): void {
  const command = program.command('export')
    .description('write rough cuts and marker lists from an earlier analysis.json, without decoding the video again')
    .argument('<analysis>', 'an analysis.json written by roughcut analyze')
    .option('-f, --format <list>', `comma-separated: ${FORMAT_NAMES.join(', ')} (markers = markers-edl + markers-csv)`, 'edl')
    .option('-o, --out <dir>', 'output folder (default: the folder of analysis.json)')
    .option('--review-below <confidence>', 'transitions less confident than this become review markers (default 0.6)')
    .option('--record-start <timecode>', 'record timecode of the first frame of the timeline (default 01:00:00:00)')
    .option('--fcpxml-version <version>', `FCPXML version: ${FCPXML_VERSIONS.join(', ')} (default 1.9)`);
  addRuleOptions(command)
    .action(async (file: string, opts: { format: string; out?: string; reviewBelow?: string; recordStart?: string; fcpxmlVersion?: string } & RuleFlags) => {
      try {
        const chosen = parseFormats(opts.format);
        const options = exportOptionsFromFlags(opts);
        const rules = parseRules(opts);
        const analysis = await loadAnalysis(file);
        // Rules give every exporter the same selected events; without them each writes one clip per shot.
        if (hasRules(rules)) options.events = selectEvents(analysis, rules);
        const written = await writeExports(analysis, chosen, opts.out ?? path.dirname(path.resolve(file)), options);
        for (const w of written) io.stdout.write(`${w}\n`);
        setExit(0);
      } catch (thrown) {
        const error = asRoughcutError(thrown, file);
        io.stderr.write(`roughcut: ${error.message}\n`);
        setExit(error.isInputError ? 2 : 1);
      }
    });
}
