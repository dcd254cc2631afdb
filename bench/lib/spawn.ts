import { spawn } from 'node:child_process';

/**
 * The raw baseline for command steps: one child_process.spawn, argv only (no shell),
 * stdout/stderr piped and collected (the command step captures them too), resolved on close.
 */
export function rawSpawn(argv: readonly string[], cwd: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ code, stdout }) : reject(new Error(`${cmd} exited ${code}`))));
  });
}
