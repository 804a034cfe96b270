// Runs the roughcut CLI in-process with captured stdout/stderr, as a user's shell would see it.
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer | string, _enc, done) { chunks.push(chunk.toString()); done(); } });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/** Runs `roughcut <argv...>` and returns its exit code and output. */
export async function runCli(argv: readonly string[]): Promise<CliRun> {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
