import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';

/**
 * Where a code step's tool runs and whether it exists: the project directory checked through
 * the policy, a project-local node binary looked up the way npx will, and the clear error for
 * a tool that is not installed.
 */

/** The last `max` bytes of `text`, not splitting a UTF-8 sequence. */
export function lastBytes(text: string, max: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return { text, truncated: false };
  // Drop a partial UTF-8 sequence at the cut (continuation bytes are 10xxxxxx).
  let start = bytes.length - max;
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return { text: bytes.subarray(start).toString('utf8'), truncated: true };
}

/** `path` resolved through the policy; it must be an existing directory. */
export async function projectDir(ctx: StepContext, path: string, access: 'read' | 'write'): Promise<string> {
  const dir = await ctx.fs.resolve(path, access);
  const stat = await ctx.fs.stat(dir);
  if (stat === null) throw new PluginError('E_FS_NOT_FOUND', `${path}: no such directory`, { details: { path, resolved: dir }, nonRetryable: true });
  if (stat.type !== 'directory') {
    throw new PluginError('E_CODE_NOT_A_DIRECTORY', `${path} is a ${stat.type}, not a project directory`, { details: { path, resolved: dir }, nonRetryable: true });
  }
  return dir;
}

/**
 * Looks for node_modules/.bin/<bin> in `dir` and its ancestors the policy lets us read. The
 * directory is listed rather than the entry stat'ed: .bin entries are symlinks, possibly into
 * a store outside the roots, and npx follows them itself.
 */
export async function hasLocalBin(ctx: StepContext, dir: string, bin: string): Promise<boolean> {
  for (let at = dir; ; ) {
    try {
      if ((await ctx.fs.list(`${at}/node_modules/.bin`)).some((e) => e.name === bin)) return true;
    } catch (error) {
      if (!isRustchainError(error)) throw error;
      if (error.code.startsWith('E_POLICY_')) return false;
      // E_FS_NOT_FOUND and friends: no .bin here, keep going up.
    }
    const parent = at.slice(0, at.lastIndexOf('/')) || '/';
    if (parent === at) return false;
    at = parent;
  }
}

/** The E_CODE_TOOL_MISSING error, saying what to install. */
export function toolMissing(tool: string, language: string, cause?: unknown): PluginError {
  const install: Record<string, string> = {
    prettier: 'npm install --save-dev prettier',
    eslint: 'npm install --save-dev eslint (and an eslint.config.js)',
    cargo: 'install Rust with rustup (https://rustup.rs)',
    go: 'install Go (https://go.dev/dl)',
    gofmt: 'install Go (https://go.dev/dl)',
    npm: 'install Node.js with npm',
    npx: 'install Node.js with npm',
  };
  return new PluginError('E_CODE_TOOL_MISSING', `\`${tool}\` is not installed for ${language}: ${install[tool] ?? `install ${tool}`}`, {
    details: { tool, language, install: install[tool] ?? null },
    nonRetryable: true,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * True when the program itself was not found. Besides ENOENT at spawn, a launcher between
 * us and the program (setpriv, bwrap) reports it as exit 127 with "failed to execute <cmd>".
 */
export function notFound(exitCode: number, stderr: string, command: string): boolean {
  return exitCode === 127 && stderr.length < 2000 && stderr.includes(command) && /No such file or directory/.test(stderr) && /execute|execvp/.test(stderr);
}
