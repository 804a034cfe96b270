#!/usr/bin/env node
// The roughcut command: runs the compiled CLI (npm run build puts it in dist/), with the queue
// commands from workers/ when they are built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// Keep V8's young generation at its starting size. V8 doubles it once enough objects have
// survived collections since the last growth, which a long analysis always reaches (per-shot
// features live for a shot): in a 30-minute run it doubled after 1-2 minutes, scavenges came half
// as often, and the 43 kB frame buffers and keyframe images waiting to be collected raised the
// peak RSS ~30 MB above a 5-minute run's. Set before anything is allocated; the flag is read
// whenever V8 considers growing.
v8.setFlagsFromString('--semi-space-growth-factor=1');

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
