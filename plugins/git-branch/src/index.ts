import { definePlugin, PluginError, Type, type PluginErrorCode, type Static } from '@rustchain/core/plugin';
import { gitClaims, gitFailed, openRepository, refuseOptionLike, runGit } from '@rustchain/plugin-git-status';

/**
 * `git_branch`: creates a branch and, like the original (`git checkout -b`), switches to it
 * (`git switch -c`); `checkout: false` only creates it (`git branch`). The name is checked
 * with `git check-ref-format --branch` and refused when it starts with `-`; an existing branch
 * is E_GIT_BRANCH_EXISTS rather than being reset.
 */

const Params = Type.Object(
  {
    branch: Type.String({ minLength: 1, description: 'the new branch name' }),
    path: Type.Optional(Type.String({ minLength: 1, default: '.', description: 'a directory inside the working tree (default ".")' })),
    checkout: Type.Optional(Type.Boolean({ default: true, description: 'switch to the new branch (the original always did)' })),
    start_point: Type.Optional(Type.String({ minLength: 1, description: 'the commit or branch it starts at (default: HEAD)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  branch: Type.String(),
  created: Type.Boolean({ description: 'always true: a failure fails the step (the original output)' }),
  checked_out: Type.Boolean(),
  sha: Type.Union([Type.String(), Type.Null()], { description: 'the commit the branch points at; null on an unborn branch' }),
  previous: Type.Union([Type.String(), Type.Null()], { description: 'the branch HEAD was on before; null when detached' }),
});

type Params = Static<typeof Params>;

function plan(p: Params) {
  const start = p.start_point !== undefined ? [p.start_point] : [];
  return {
    format: ['check-ref-format', '--branch', p.branch],
    exists: ['show-ref', '--verify', '--quiet', `refs/heads/${p.branch}`],
    start: p.start_point !== undefined ? ['rev-parse', '--verify', '--quiet', `${p.start_point}^{commit}`] : null,
    previous: ['symbolic-ref', '--quiet', '--short', 'HEAD'],
    create: p.checkout === false ? ['branch', p.branch, ...start] : ['switch', '--create', p.branch, ...start],
    sha: ['rev-parse', '--verify', '--quiet', `refs/heads/${p.branch}`],
  };
}

function invalid(code: PluginErrorCode, message: string, details: Record<string, unknown>): PluginError {
  return new PluginError(code, message, { details, nonRetryable: true });
}

/** The `git_branch` step type. */
export default definePlugin({
  type: 'git_branch',
  description: 'Creates a branch (at HEAD or start_point) and switches to it unless checkout is false.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec', 'fs.write'],
  effect: 'side-effect',
  claims(p) {
    const s = plan(p);
    return gitClaims(p.path ?? '.', 'write', [s.format, s.exists, ...(s.start ? [s.start] : []), s.previous, s.create, s.sha]);
  },
  async run(p, ctx) {
    refuseOptionLike(p.branch, 'branch');
    if (p.start_point !== undefined) refuseOptionLike(p.start_point, 'start_point');
    const s = plan(p);
    const repo = await openRepository(ctx, p.path ?? '.', 'write');
    if ((await runGit(ctx, repo.dir, s.format, { ok: [0, 1, 128] })).code !== 0) {
      throw invalid('E_GIT_INVALID_REF', `${JSON.stringify(p.branch)} is not a valid branch name (git check-ref-format)`, { branch: p.branch });
    }
    if ((await runGit(ctx, repo.dir, s.exists, { ok: [0, 1] })).code === 0) {
      throw invalid('E_GIT_BRANCH_EXISTS', `a branch named ${JSON.stringify(p.branch)} already exists`, { branch: p.branch });
    }
    if (s.start && (await runGit(ctx, repo.dir, s.start, { ok: [0, 1, 128] })).code !== 0) {
      throw invalid('E_GIT_REF_NOT_FOUND', `start_point ${JSON.stringify(p.start_point)} names no commit`, { start_point: p.start_point });
    }
    const before = await runGit(ctx, repo.dir, s.previous, { ok: [0, 1, 128] });
    const created = await runGit(ctx, repo.dir, s.create, { ok: [0, 1, 128] });
    if (created.code !== 0) {
      if (/would be overwritten/.test(created.stderr)) {
        throw invalid('E_GIT_LOCAL_CHANGES', 'local changes would be overwritten by switching: commit or stash them first', { branch: p.branch, stderr: created.stderr });
      }
      throw gitFailed(s.create, created);
    }
    const sha = await runGit(ctx, repo.dir, s.sha, { ok: [0, 1] });
    return {
      branch: p.branch,
      created: true,
      checked_out: p.checkout !== false,
      sha: sha.code === 0 ? sha.stdout.trim() : null,
      previous: before.code === 0 ? before.stdout.trim() : null,
    };
  },
});
