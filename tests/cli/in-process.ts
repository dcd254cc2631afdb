import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../cli/src/cli.ts';

/** What one in-process CLI invocation printed, and its exit code. */
export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command line through the real CLI in this process (no spawn: a table of dozens of
 * invocations would otherwise spend minutes starting Node). The caller sets the working
 * directory and RUSTCHAIN_HOME; streams are pipes, not terminals.
 */
export async function cliInProcess(args: readonly string[]): Promise<InProcessRun> {
  const collect = () => {
    const stream = new PassThrough();
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    return { stream, text: () => text };
  };
  const out = collect();
  const err = collect();
  const code = await runCli([...args], { stdin: Readable.from([]), stdout: out.stream, stderr: err.stream });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out.text(), stderr: err.text() };
}
