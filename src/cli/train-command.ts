// `roughcut train` commands: train and evaluate scene classifiers.
import type { Command } from 'commander';

/** Where the commands write. */
export interface TrainCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Adds the commands to the program; `setExit` receives their exit code (0, 1 or 2). */
export function registerTrainCommands(_program: Command, _io: TrainCommandIo, _setExit: (code: number) => void): void {
  // Filled in by the train work (issue 3).
}
