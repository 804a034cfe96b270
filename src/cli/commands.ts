// The names of the commands src/cli/main.ts defines itself, in a module with no imports, so that
// bin/roughcut.js can decide how to start before it loads anything else.

/**
 * The commands main.ts defines itself. A command line that starts with one of them needs no
 * plugin (bin/roughcut.js then skips loading the queue commands, and with them BullMQ and the
 * HTTP server, which cost a third of a second of start-up), and runs to completion on its own.
 */
export const BUILTIN_COMMANDS: ReadonlySet<string> = new Set(['analyze', 'probe', 'export', 'train', 'evaluate', 'characters']);
