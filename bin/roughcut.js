#!/usr/bin/env node
// The roughcut command: runs the compiled CLI (npm run build puts it in dist/), with the queue
// commands from workers/ when they are built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('roughcut: not built yet; run "npm run build" in the roughcut folder first.\n');
  process.exit(2);
}
const { main, BUILTIN_COMMANDS } = await import(entry.href);
const queueCommands = new URL('../dist/workers/cli-commands.js', import.meta.url);
// `roughcut analyze ...` and the other built-in commands start without loading the queue's.
const wantsPlugins = !BUILTIN_COMMANDS.has(process.argv[2]) && existsSync(fileURLToPath(queueCommands));
const plugins = wantsPlugins ? (await import(queueCommands.href)).commands : [];
process.exitCode = await main(process.argv.slice(2), undefined, plugins);
