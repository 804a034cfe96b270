// `roughcut characters` commands: the face gallery and naming of unknown faces.
import type { Command } from 'commander';

/** Where the commands write. */
export interface CharacterCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Adds the commands to the program; `setExit` receives their exit code (0, 1 or 2). */
export function registerCharacterCommands(_program: Command, _io: CharacterCommandIo, _setExit: (code: number) => void): void {
  // Filled in by the characters work (issue 4).
}
