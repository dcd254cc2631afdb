import { definePlugin, Type, type Static } from '@rustchain/core/plugin';
import { gitClaims, openRepository, runGit } from './git.ts';
import { countEntries, parsePorcelainV2, shortFormat } from './porcelain.ts';

/**
 * `git_status`: `git status --porcelain=v2 --branch -z`, parsed. Read-only: optional locks
 * are off, so git does not even refresh the index file.
 */

const Params = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, default: '.', description: 'a directory inside the working tree (default ".")' })),
    include_untracked: Type.Optional(Type.Boolean({ default: true, description: 'list untracked files (each file, not just its directory)' })),
    include_ignored: Type.Optional(Type.Boolean({ default: false, description: 'list ignored files too' })),
  },
  { additionalProperties: true },
);

const Entry = Type.Object({
  path: Type.String(),
  index: Type.String({ description: 'status letter in the index; "." unchanged, "?" untracked, "!" ignored' }),
  worktree: Type.String({ description: 'status letter in the working tree' }),
  kind: Type.Union([Type.Literal('changed'), Type.Literal('renamed'), Type.Literal('untracked'), Type.Literal('ignored'), Type.Literal('unmerged')]),
  orig_path: Type.Optional(Type.String({ description: 'the path before a rename or copy' })),
});

const Outputs = Type.Object({
  branch: Type.Object({
    head: Type.Union([Type.String(), Type.Null()], { description: 'branch name; null when HEAD is detached' }),
    upstream: Type.Union([Type.String(), Type.Null()]),
    ahead: Type.Integer(),
    behind: Type.Integer(),
    oid: Type.Union([Type.String(), Type.Null()], { description: 'HEAD commit; null before the first commit' }),
  }),
  entries: Type.Array(Entry),
  clean: Type.Boolean({ description: 'nothing staged, modified, unmerged or untracked (ignored files do not count)' }),
  counts: Type.Object({
    staged: Type.Integer(),
    unstaged: Type.Integer(),
    untracked: Type.Integer(),
    ignored: Type.Integer(),
    unmerged: Type.Integer(),
    total: Type.Integer(),
  }),
  status: Type.String({ description: 'the short format (`XY path`), as the original step returned it' }),
  root: Type.String({ description: 'the working tree top level' }),
});

/** The git argv for these parameters. */
function statusArgs(p: Static<typeof Params>): string[] {
  const args = ['status', '--porcelain=v2', '--branch', '-z', `--untracked-files=${p.include_untracked === false ? 'no' : 'all'}`];
  if (p.include_ignored === true) args.push('--ignored=matching');
  return args;
}

/** The `git_status` step type. */
export default definePlugin({
  type: 'git_status',
  description: 'Parsed git status (porcelain v2): branch, ahead/behind, entries, counts, clean.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec', 'fs.read'],
  effect: 'read',
  claims: (p) => gitClaims(p.path ?? '.', 'read', [statusArgs(p)]),
  async run(p, ctx) {
    const repo = await openRepository(ctx, p.path ?? '.', 'read');
    const result = await runGit(ctx, repo.dir, statusArgs(p));
    const { branch, entries } = parsePorcelainV2(result.stdout);
    const counts = countEntries(entries);
    return { branch, entries, clean: counts.total === counts.ignored, counts, status: shortFormat(entries), root: repo.top };
  },
});

export { runGit, gitFailed, openRepository, refuseOptionLike, gitClaims, tail, REV_PARSE_ARGS } from './git.ts';
export { GIT_HARDENING, gitEnv } from './hardening.ts';
export type { GitResult, Repository } from './git.ts';
export { parsePorcelainV2 } from './porcelain.ts';
export type { StatusEntry, BranchInfo, ParsedStatus } from './porcelain.ts';
