import { isRustchainError, PluginError, type ExecResult, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';
import { gitEnv } from './hardening.ts';

/**
 * The one way the git step types run `git`: through `ctx.exec` (so the command allowlist,
 * argument rules, cwd guard and abort handling apply), never through a shell, with the
 * environment of hardening.ts; the repository found from `path` is checked against the policy.
 */

/** A finished git run whose exit code is a number. */
export interface GitResult extends ExecResult {
  code: number;
}

/**
 * Runs `git <args>` in `cwd`. Exit codes in `ok` (default [0]) return; any other fails with
 * E_GIT_FAILED carrying stderr. A missing git binary is E_GIT_NOT_INSTALLED.
 */
export async function runGit(
  ctx: StepContext,
  cwd: string,
  args: readonly string[],
  options: { ok?: readonly number[]; input?: string; maxOutputBytes?: number } = {},
): Promise<GitResult> {
  let result: ExecResult;
  try {
    result = await ctx.exec.run(['git', ...args], {
      cwd,
      env: gitEnv(),
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}),
    });
  } catch (error) {
    if (isRustchainError(error) && error.code === 'E_STEP_SPAWN_FAILED' && (error.details as { errno?: string }).errno === 'ENOENT') {
      throw new PluginError('E_GIT_NOT_INSTALLED', 'git is not installed (or not on PATH): install git', { cause: error, nonRetryable: true });
    }
    throw error;
  }
  const code = result.exitCode ?? 128;
  // A launcher between us and git (setpriv, bwrap) reports a missing git as exit 127.
  if (code === 127 && /execute|execvp/.test(result.stderr) && /No such file or directory/.test(result.stderr)) {
    throw new PluginError('E_GIT_NOT_INSTALLED', 'git is not installed (or not on PATH): install git', { details: { stderr: tail(result.stderr, 2000) }, nonRetryable: true });
  }
  if (!(options.ok ?? [0]).includes(code)) throw gitFailed(args, { ...result, code });
  return { ...result, code };
}

/** The E_GIT_FAILED error for an unexpected exit; identity problems get E_GIT_IDENTITY_UNKNOWN. */
export function gitFailed(args: readonly string[], result: GitResult, details: Record<string, unknown> = {}): PluginError {
  const stderr = tail(result.stderr, 4000);
  if (/Please tell me who you are|unable to auto-detect email address|empty ident name/.test(result.stderr)) {
    return new PluginError('E_GIT_IDENTITY_UNKNOWN', 'git does not know who the author is: set user.name and user.email (repository or global config) or pass `author`', {
      details: { args, exit_code: result.code, stderr, ...details },
      nonRetryable: true,
    });
  }
  return new PluginError('E_GIT_FAILED', `\`git ${args[0] ?? ''}\` exited with status ${result.code}: ${firstLine(stderr)}`, {
    details: { args, exit_code: result.code, stderr, ...details },
  });
}

/** A repository opened for one step: the directory git runs in and where the repository really is. */
export interface Repository {
  /** The step's `path`, resolved (git's cwd). */
  dir: string;
  /** The working tree's top level. */
  top: string;
  /** The repository's git directory. */
  gitDir: string;
}

/** The argv `openRepository` runs, for claims. */
export const REV_PARSE_ARGS: readonly string[] = ['rev-parse', '--absolute-git-dir', '--show-toplevel'];

/**
 * Resolves `path` through the policy (`access` for steps that change the repository), then
 * asks git where the repository is and checks its top level and git dir too: git searches
 * upwards, so a `path` inside the roots could otherwise reach a repository outside them.
 */
export async function openRepository(ctx: StepContext, path: string, access: 'read' | 'write'): Promise<Repository> {
  const dir = await ctx.fs.resolve(path, access);
  const stat = await ctx.fs.stat(dir);
  if (stat === null) throw new PluginError('E_FS_NOT_FOUND', `${path}: no such directory`, { details: { path, resolved: dir }, nonRetryable: true });
  if (stat.type !== 'directory') throw new PluginError('E_GIT_NOT_A_REPOSITORY', `${path} is not a directory`, { details: { path, resolved: dir }, nonRetryable: true });
  const result = await runGit(ctx, dir, REV_PARSE_ARGS, { ok: [0, 128] });
  const [gitDir = '', top = ''] = result.stdout.split('\n');
  if (result.code !== 0 || gitDir === '' || top === '') {
    throw new PluginError('E_GIT_NOT_A_REPOSITORY', `${path} is not inside a git working tree`, {
      details: { path, resolved: dir, stderr: tail(result.stderr, 2000) },
      nonRetryable: true,
    });
  }
  await ctx.fs.resolve(top, access);
  await ctx.fs.resolve(gitDir, 'read');
  return { dir, top, gitDir };
}

/**
 * Refuses a value git would parse as an option (a branch or ref starting with `-`), and
 * values with NUL or newline. `name` is the parameter, for the message.
 */
export function refuseOptionLike(value: string, name: string): void {
  if (value.startsWith('-') || /[\0\n\r]/.test(value) || value.length === 0) {
    throw new PluginError('E_GIT_INVALID_ARGUMENT', `\`${name}\` must not be empty, start with "-" or contain a newline (got ${JSON.stringify(value)})`, {
      details: { parameter: name, value },
      nonRetryable: true,
    });
  }
}

/** Claims shared by the git step types: the repository path and each git argv they run. */
export function gitClaims(path: string, access: 'read' | 'write', argvs: ReadonlyArray<readonly string[]>): ResourceClaim[] {
  return [
    { kind: access, path, pointer: '/path' },
    ...[REV_PARSE_ARGS, ...argvs].map((args): ResourceClaim => ({ kind: 'exec', argv: ['git', ...args], pointer: '/path' })),
  ];
}

/** The last `max` characters of `text`. */
export function tail(text: string, max: number): string {
  return text.length <= max ? text : text.slice(text.length - max);
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((l) => l.trim() !== '') ?? '';
}
