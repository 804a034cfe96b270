// What bin/roughcut.js needs to decide how to start, in a module with no imports, so that it can
// decide before it loads anything else.

/**
 * The commands main.ts defines itself. A command line that starts with one of them needs no
 * plugin (bin/roughcut.js then skips loading the queue commands, and with them BullMQ and the
 * HTTP server, which cost a third of a second of start-up), and runs to completion on its own.
 */
export const BUILTIN_COMMANDS: ReadonlySet<string> = new Set(['analyze', 'probe', 'export', 'train', 'evaluate', 'characters']);

/**
 * The signals a command that writes results stops cleanly on (src/cli/interrupt.ts), and so the
 * ones bin/roughcut.js passes on to the copy of itself it starts.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * glibc's malloc settings for processes that encode images, read only when a process starts (so
 * set in the environment of one; the Dockerfile sets the same):
 * - the mmap threshold fixed at its default starting value (128 kB): glibc otherwise raises it
 *   after each large free, and freed sheet and JPEG buffers stay in each thread's heap;
 * - two arenas: each libuv thread that ran an encode otherwise keeps an arena of its own. The
 *   CLI's peak on the 5-minute benchmark program went from 113.5 to 106 MB; ffmpeg children, which
 *   inherit it, decode no slower (60 s of 1080p, three runs each).
 */
export const MALLOC_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' };
