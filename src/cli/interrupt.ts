// Ctrl-C and SIGTERM during a command that writes results: cancel the work in progress (which
// removes its staging folder and stops its ffmpeg processes) instead of dying with half of it on disk.
import os from 'node:os';
import { STOP_SIGNALS } from './commands.js';

type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * A repeat of a signal within this long is the same request arriving twice (a terminal's Ctrl-C
 * reaches bin/roughcut.js and the process it started, which also passes it on); a later one
 * means "stop now".
 */
const REPEAT_WINDOW_MS = 1000;

export interface Interrupt {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** The signal that arrived, if one did. */
  readonly received: () => StopSignal | undefined;
  /** The conventional exit status for it: 128 + the signal's number. */
  readonly exitCode: () => number;
  /** Removes the handlers. */
  readonly dispose: () => void;
}

/**
 * Installs handlers for SIGINT, SIGTERM and SIGHUP until `dispose`: the first aborts
 * {@link Interrupt.signal} and calls `onFirst` (to say what happens); a second one more than a
 * second later exits at once with 128 + its number.
 */
export function interruptOnSignals(onFirst: (signal: StopSignal) => void): Interrupt {
  const controller = new AbortController();
  let first: { signal: StopSignal; at: number } | undefined;
  const handler = (signal: StopSignal): void => {
    const now = Date.now();
    if (!first) {
      first = { signal, at: now };
      onFirst(signal);
      controller.abort(new Error(`interrupted by ${signal}`));
    } else if (now - first.at > REPEAT_WINDOW_MS) {
      process.exit(128 + os.constants.signals[signal]);
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    received: () => first?.signal,
    exitCode: () => (first ? 128 + os.constants.signals[first.signal] : 0),
    dispose: () => { for (const s of STOP_SIGNALS) process.off(s, handler); },
  };
}
