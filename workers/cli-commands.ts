// The queue commands (worker, enqueue, watch, serve) that bin/roughcut.js adds to the CLI.
import type { CommandPlugin } from '../src/cli/main.js';

/** Every command defined in workers/; each file registers its own. */
export const commands: CommandPlugin[] = [
  (await import('./serve-command.js')).serveCommand,
  (await import('./watch-command.js')).watchCommand,
  ...(await import('./queue-commands.js')).queueCommands,
];
