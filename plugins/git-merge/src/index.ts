import { definePlugin, PluginError, Type, type PluginErrorCode, type Static } from '@rustchain/core/plugin';
import { gitClaims, gitFailed, openRepository, refuseOptionLike, runGit, tail } from '@rustchain/plugin-git-status';

/**
 * `git_merge`: merges `branch` into the current branch (`git merge --no-edit`). A conflict is
 * E_GIT_MERGE_CONFLICT with the conflicted paths, and the merge is aborted so the working tree
 * is as before, unless `abort_on_conflict: false` leaves it for a later step to resolve.
 */

const Params = Type.Object(
  {
    branch: Type.String({ minLength: 1, description: 'the branch (or commit) to merge into the current branch' }),
    path: Type.Optional(Type.String({ minLength: 1, default: '.', description: 'a directory inside the working tree (default ".")' })),
    no_ff: Type.Optional(Type.Boolean({ default: false, description: 'always create a merge commit' })),
    ff_only: Type.Optional(Type.Boolean({ default: false, description: 'refuse unless it is a fast-forward' })),
    message: Type.Optional(Type.String({ minLength: 1, description: 'the merge commit message' })),
    abort_on_conflict: Type.Optional(Type.Boolean({ default: true, description: 'on conflict, `git merge --abort` so the tree is left as before' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  branch: Type.String(),
  merged_branch: Type.String({ description: 'same as branch (the original output)' }),
  sha: Type.String({ description: 'HEAD after the merge' }),
  merged_sha: Type.String({ description: 'the commit that was merged' }),
  fast_forward: Type.Boolean(),
  merge_commit: Type.Boolean({ description: 'a merge commit was created' }),
  already_up_to_date: Type.Boolean(),
  success: Type.Boolean({ description: 'always true (the original output; a failure fails the step)' }),
});

type Params = Static<typeof Params>;

function plan(p: Params) {
  return {
    target: ['rev-parse', '--verify', '--quiet', `${p.branch}^{commit}`],
    head: ['rev-parse', '--verify', '--quiet', 'HEAD'],
    merge: [
      'merge', '--no-edit',
      ...(p.no_ff === true ? ['--no-ff'] : []),
      ...(p.ff_only === true ? ['--ff-only'] : []),
      ...(p.message !== undefined ? ['-m', p.message] : []),
      p.branch,
    ],
    conflicts: ['diff', '--name-only', '--diff-filter=U', '-z', '--no-ext-diff'],
    abort: ['merge', '--abort'],
  };
}

function fail(code: PluginErrorCode, message: string, details: Record<string, unknown>): PluginError {
  return new PluginError(code, message, { details, nonRetryable: true });
}

/** The `git_merge` step type. */
export default definePlugin({
  type: 'git_merge',
  description: 'Merges a branch into the current one; a conflict fails with the conflicted paths and is aborted.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec', 'fs.write'],
  effect: 'side-effect',
  claims(p) {
    const s = plan(p);
    return gitClaims(p.path ?? '.', 'write', [s.target, s.head, s.merge, s.conflicts, s.abort]);
  },
  async run(p, ctx) {
    refuseOptionLike(p.branch, 'branch');
    const s = plan(p);
    const repo = await openRepository(ctx, p.path ?? '.', 'write');
    const target = await runGit(ctx, repo.dir, s.target, { ok: [0, 1, 128] });
    if (target.code !== 0) throw fail('E_GIT_REF_NOT_FOUND', `branch ${JSON.stringify(p.branch)} names no commit`, { branch: p.branch });
    const mergedSha = target.stdout.trim();
    const beforeRun = await runGit(ctx, repo.dir, s.head, { ok: [0, 1, 128] });
    const before = beforeRun.code === 0 ? beforeRun.stdout.trim() : null;
    const merged = await runGit(ctx, repo.dir, s.merge, { ok: [0, 1, 2, 128] });
    if (merged.code !== 0) {
      const conflicts = (await runGit(ctx, repo.dir, s.conflicts, { ok: [0, 128] })).stdout.split('\0').filter((f) => f !== '');
      if (conflicts.length > 0) {
        const abort = p.abort_on_conflict !== false;
        if (abort) await runGit(ctx, repo.dir, s.abort);
        throw fail('E_GIT_MERGE_CONFLICT', `merging ${p.branch} conflicts in ${conflicts.length} path(s)${abort ? '; the merge was aborted' : '; left in progress'}`, {
          branch: p.branch,
          conflicts,
          aborted: abort,
          stdout: tail(merged.stdout, 4000),
        });
      }
      if (/would be overwritten by merge/.test(merged.stderr)) {
        throw fail('E_GIT_LOCAL_CHANGES', 'local changes would be overwritten by the merge: commit or stash them first', { branch: p.branch, stderr: tail(merged.stderr, 2000) });
      }
      if (/Not possible to fast-forward/.test(merged.stderr)) {
        throw fail('E_GIT_NOT_FAST_FORWARD', `${p.branch} cannot be fast-forwarded onto the current branch (ff_only)`, { branch: p.branch });
      }
      throw gitFailed(s.merge, merged);
    }
    const after = (await runGit(ctx, repo.dir, s.head)).stdout.trim();
    const upToDate = before === after;
    return {
      branch: p.branch,
      merged_branch: p.branch,
      sha: after,
      merged_sha: mergedSha,
      fast_forward: !upToDate && after === mergedSha,
      merge_commit: !upToDate && after !== mergedSha,
      already_up_to_date: upToDate,
      success: true,
    };
  },
});
