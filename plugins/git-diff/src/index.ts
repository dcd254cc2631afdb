import { definePlugin, isRustchainError, PluginError, Type, type Static, type StepContext } from '@rustchain/core/plugin';
import { gitClaims, openRepository, refuseOptionLike, runGit } from '@rustchain/plugin-git-status';
import { parseNumstat } from './numstat.ts';

/**
 * `git_diff`: the patch text (bounded) and per-file line counts from `--numstat -z`. External
 * diff programs and textconv filters are off (`--no-ext-diff --no-textconv`): both would run
 * programs the repository's config names.
 */

/** Default bound of the returned patch text: 1 MiB. */
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** What git may write before the patch is given up on (numstat still answers). */
const PATCH_CAP_BYTES = 8 * 1024 * 1024;

const Params = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, default: '.', description: 'a directory inside the working tree (default ".")' })),
    staged: Type.Optional(Type.Boolean({ default: false, description: 'diff the index instead of the working tree (--cached)' })),
    ref: Type.Optional(Type.String({ minLength: 1, description: 'compare against this commit, branch or range (e.g. HEAD~1, main..feature)' })),
    paths: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'limit the diff to these pathspecs' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_MAX_BYTES, description: 'bound of the returned `diff` text' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  diff: Type.String({ description: 'the patch, cut at a line boundary after max_bytes' }),
  truncated: Type.Boolean(),
  has_changes: Type.Boolean(),
  files: Type.Array(
    Type.Object({
      path: Type.String(),
      additions: Type.Integer(),
      deletions: Type.Integer(),
      binary: Type.Boolean(),
      orig_path: Type.Optional(Type.String()),
    }),
  ),
  totals: Type.Object({ files: Type.Integer(), additions: Type.Integer(), deletions: Type.Integer() }),
});

type Params = Static<typeof Params>;

/** The argv of both runs; `mode` is `--numstat -z` or nothing (the patch). */
function diffArgs(p: Params, mode: readonly string[]): string[] {
  return [
    'diff', '--no-ext-diff', '--no-textconv', '--no-color', ...mode,
    ...(p.staged === true ? ['--cached'] : []),
    ...(p.ref !== undefined ? [p.ref] : []),
    '--', ...(p.paths ?? []),
  ];
}
const NUMSTAT = ['--numstat', '-z'];

/** `text` cut to `max` bytes at the last line boundary before it. */
function bound(text: string, max: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= max) return { text, truncated: false };
  const cut = Buffer.from(text).subarray(0, max).toString('utf8');
  const line = cut.lastIndexOf('\n');
  return { text: line >= 0 ? cut.slice(0, line + 1) : '', truncated: true };
}

async function diffRun(ctx: StepContext, dir: string, p: Params, args: string[], maxOutputBytes?: number): Promise<string> {
  const result = await runGit(ctx, dir, args, { ok: [0, 128], ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}) });
  if (result.code === 128 && /bad revision|unknown revision|ambiguous argument|invalid object name/i.test(result.stderr)) {
    throw new PluginError('E_GIT_REF_NOT_FOUND', `\`ref\` ${JSON.stringify(p.ref)} names no commit in this repository`, {
      details: { ref: p.ref, stderr: result.stderr.slice(0, 2000) },
      nonRetryable: true,
    });
  }
  if (result.code !== 0) await runGit(ctx, dir, args); // rethrows as E_GIT_FAILED with stderr
  return result.stdout;
}

/** The `git_diff` step type. */
export default definePlugin({
  type: 'git_diff',
  description: 'git diff of the working tree, the index or against a ref: bounded patch text plus per-file line counts.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec', 'fs.read'],
  effect: 'read',
  claims: (p) => gitClaims(p.path ?? '.', 'read', [diffArgs(p, NUMSTAT), diffArgs(p, [])]),
  async run(p, ctx) {
    if (p.ref !== undefined) refuseOptionLike(p.ref, 'ref');
    const repo = await openRepository(ctx, p.path ?? '.', 'read');
    const files = parseNumstat(await diffRun(ctx, repo.dir, p, diffArgs(p, NUMSTAT)));
    let patch: { text: string; truncated: boolean };
    try {
      patch = bound(await diffRun(ctx, repo.dir, p, diffArgs(p, []), Math.max(p.max_bytes ?? DEFAULT_MAX_BYTES, PATCH_CAP_BYTES)), p.max_bytes ?? DEFAULT_MAX_BYTES);
    } catch (error) {
      if (!isRustchainError(error) || error.code !== 'E_OUTPUT_TOO_LARGE') throw error;
      patch = { text: '', truncated: true };
    }
    const totals = {
      files: files.length,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
    };
    return { diff: patch.text, truncated: patch.truncated, has_changes: files.length > 0, files, totals };
  },
});
