/**
 * The `rustchain` entry point (loaded by bin/rustchain.mjs under tsx). Exits explicitly once
 * the command returns: stdout/stderr writes are synchronous for files and pipes on POSIX, and
 * a stray handle (a plugin's timer, a pino stream) must not keep a finished CLI alive.
 */
import { runCli } from './cli.ts';

const code = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
process.exit(code);
