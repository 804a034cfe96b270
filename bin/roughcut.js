#!/usr/bin/env node
// The roughcut command: runs the compiled CLI (npm run build puts it in dist/), with the queue
// commands from workers/ when they are built.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const built = new URL('../dist/src/cli/commands.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write('roughcut: not built yet; run "npm run build" in the roughcut folder first.\n');
  process.exit(2);
}
const { BUILTIN_COMMANDS, MALLOC_ENVIRONMENT, STOP_SIGNALS } = await import(built.href);
const builtin = BUILTIN_COMMANDS.has(process.argv[2]);

// glibc raises its mmap threshold each time a large block is freed (up to 32 MB); after that,
// blocks of that size come from the heap of the thread that allocates them and stay there when
// freed. Every libuv thread that encoded a contact sheet or a keyframe JPEG kept its 6-12 MB, and
// a 30-minute analysis peaked ~60 MB above a 5-minute one. A fixed threshold (the default's
// starting value, 128 kB) keeps large blocks mapped and gives them back when they are freed.
// glibc reads it only at start-up, so on Linux the built-in commands run themselves again with it
// set, once (the Dockerfile sets it for the image, and with it for the long-running queue
// commands, which are not re-run: their own signal handling counts signals). Signals sent to this
// process are passed on (the inner one ignores a repeat within a second, as a terminal's Ctrl-C
// reaches both), and the inner process's exit status is this one's.
if (builtin && process.platform === 'linux' && Object.keys(MALLOC_ENVIRONMENT).some((name) => process.env[name] === undefined)) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...MALLOC_ENVIRONMENT, ...process.env },
  });
  const forward = (signal) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); };
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`roughcut: could not start ${process.execPath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
} else {
  await run();
}

async function run() {
  // Keep V8's young generation at its starting size. V8 doubles it once enough objects have
  // survived collections since the last growth, which a long analysis always reaches (per-shot
  // features live for a shot): in a 30-minute run it doubled after 1-2 minutes, scavenges came
  // half as often, and the 43 kB frame buffers and keyframe images waiting to be collected raised
  // the peak RSS ~30 MB above a 5-minute run's. Set before anything is allocated; the flag is read
  // whenever V8 considers growing.
  v8.setFlagsFromString('--semi-space-growth-factor=1');

  const { main } = await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
  const queueCommands = new URL('../dist/workers/cli-commands.js', import.meta.url);
  // `roughcut analyze ...` and the other built-in commands start without loading the queue's.
  const wantsPlugins = !builtin && existsSync(fileURLToPath(queueCommands));
  const plugins = wantsPlugins ? (await import(queueCommands.href)).commands : [];
  process.exitCode = await main(process.argv.slice(2), undefined, plugins);
}
