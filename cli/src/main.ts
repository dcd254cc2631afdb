/**
 * The `rustchain` entry point (bin/rustchain.mjs imports it). Exits explicitly once the command
 * returns, so that a stray handle (a plugin's timer, a pino stream) cannot keep a finished CLI
 * alive — but only after stdout and stderr have drained: a large write to a pipe can be partly
 * queued, and exiting at once would cut a `--json` document short.
 */
import type { Writable } from 'node:stream';
import { runCli } from './cli.ts';

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

const code = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
