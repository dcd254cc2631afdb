import { definePlugin, PluginError, Type, type Static } from '@rustchain/core/plugin';
import { gitClaims, openRepository, runGit } from '@rustchain/plugin-git-status';

/**
 * `git_commit`: stages like the original (`git add .` in `path`, i.e. every change under it,
 * untracked files included) unless `all: false`, then commits. The message goes in on stdin
 * (`--file=-`), never through argv, so no message can read as an option. An empty index is
 * E_GIT_NOTHING_TO_COMMIT (checked first with `diff --cached --quiet`), not a git failure.
 */

const Params = Type.Object(
  {
    message: Type.String({ minLength: 1, description: 'the commit message' }),
    path: Type.Optional(Type.String({ minLength: 1, default: '.', description: 'a directory inside the working tree (default ".")' })),
    all: Type.Optional(Type.Boolean({ default: true, description: 'stage every change under `path` first, untracked files included (the original did `git add .`)' })),
    paths: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'stage and commit only these pathspecs' })),
    allow_empty: Type.Optional(Type.Boolean({ default: false, description: 'commit even when nothing is staged' })),
    author: Type.Optional(Type.String({ pattern: '^[^<>\\n]+ <[^<>\\n]*>$', description: 'override the author, "Name <email>"' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  sha: Type.String({ description: 'the new commit' }),
  short_sha: Type.String(),
  summary: Type.String({ description: 'the first line of the message' }),
  message: Type.String({ description: 'the message as given (the original output)' }),
  author: Type.String({ description: '"Name <email>" as recorded' }),
  committed: Type.Boolean({ description: 'always true: a failure fails the step (the original output)' }),
});

type Params = Static<typeof Params>;

/** Every git argv the step may run, in order (stage, check, commit, read back). */
function plan(p: Params): { stage: string[] | null; check: string[]; commit: string[]; show: string[] } {
  const scope = p.paths ? ['--', ...p.paths] : [];
  const stage = p.paths ? ['add', '--all', '--', ...p.paths] : p.all === false ? null : ['add', '--all', '--', '.'];
  return {
    stage,
    check: ['diff', '--cached', '--quiet', '--no-ext-diff', ...(p.paths ? scope : [])],
    commit: [
      'commit', '--file=-', '--cleanup=whitespace',
      ...(p.allow_empty === true ? ['--allow-empty'] : []),
      ...(p.author !== undefined ? [`--author=${p.author}`] : []),
      ...scope,
    ],
    show: ['log', '-1', '--format=%H%x00%h%x00%s%x00%an <%ae>', 'HEAD'],
  };
}

/** The `git_commit` step type. */
export default definePlugin({
  type: 'git_commit',
  description: 'Stages (all changes under path by default, or the given paths) and commits; outputs the new sha.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec', 'fs.write'],
  effect: 'side-effect',
  claims(p) {
    const { stage, check, commit, show } = plan(p);
    return gitClaims(p.path ?? '.', 'write', [...(stage ? [stage] : []), check, commit, show]);
  },
  async run(p, ctx) {
    if (p.message.trim() === '') {
      throw new PluginError('E_GIT_INVALID_ARGUMENT', '`message` is only whitespace: git refuses an empty commit message', {
        details: { parameter: 'message' },
        nonRetryable: true,
      });
    }
    const { stage, check, commit, show } = plan(p);
    const repo = await openRepository(ctx, p.path ?? '.', 'write');
    if (stage) await runGit(ctx, repo.dir, stage);
    const staged = (await runGit(ctx, repo.dir, check, { ok: [0, 1] })).code === 1;
    if (!staged && p.allow_empty !== true) {
      throw new PluginError('E_GIT_NOTHING_TO_COMMIT', `nothing to commit in ${p.path ?? '.'}${p.all === false && !p.paths ? ' (nothing is staged and `all` is false)' : ''}`, {
        details: { path: p.path ?? '.', root: repo.top },
        nonRetryable: true,
      });
    }
    await runGit(ctx, repo.dir, commit, { input: p.message });
    const [sha = '', short = '', summary = '', author = ''] = (await runGit(ctx, repo.dir, show)).stdout.trimEnd().split('\0');
    return { sha, short_sha: short, summary, message: p.message, author, committed: true };
  },
});
