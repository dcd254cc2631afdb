import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { walk } from './walk.ts';

/**
 * `file_search`: finds entries under a directory whose path matches a glob, optionally only
 * the lines of those files containing a literal string. A bounded recursive walk through
 * `ctx.fs`, inside the policy's read roots; symlinks are never followed.
 */

const DEFAULT_MAX_RESULTS = 1000;
const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** Parameters of a `file_search` step. */
const Params = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'the directory to search' }),
    pattern: Type.String({
      minLength: 1,
      description: 'glob over paths relative to `path` (`**/*.ts`; without `/` it matches names at any depth); without glob characters, names containing it (as the original)',
    }),
    content: Type.Optional(Type.String({ minLength: 1, description: 'literal text to find inside matching files; each matching line is a result' })),
    max_results: Type.Optional(Type.Integer({ minimum: 1, description: `results returned at most (default ${DEFAULT_MAX_RESULTS}); more sets truncated` })),
    max_depth: Type.Optional(Type.Integer({ minimum: 0, description: `directory levels below \`path\` to descend (0: only its own entries; default ${DEFAULT_MAX_DEPTH})` })),
    max_file_bytes: Type.Optional(Type.Integer({ minimum: 1, description: `larger files are not searched for content (default ${DEFAULT_MAX_FILE_BYTES})` })),
  },
  { additionalProperties: true },
);

/** Outputs of a `file_search` step. */
const Outputs = Type.Object({
  matches: Type.Array(
    Type.Object({
      path: Type.String({ description: 'absolute path' }),
      relative: Type.String({ description: 'path relative to the searched directory, `/`-separated' }),
      type: Type.Union([Type.Literal('file'), Type.Literal('directory')]),
      line: Type.Optional(Type.Integer({ description: '1-based line number (content search)' })),
      text: Type.Optional(Type.String({ description: 'the matching line (content search; cut at 1000 characters)' })),
    }),
    { description: 'matching entries in walk order (sorted, depth first); with `content`, one per matching line' },
  ),
  count: Type.Integer({ description: 'number of matches returned' }),
  truncated: Type.Boolean({ description: 'a limit (max_results, 200,000 entries, 30 s) stopped the search early' }),
});

/** The `file_search` step type: glob (and optional content) search inside the read roots. */
export default definePlugin({
  type: 'file_search',
  description: 'Find files and directories matching a glob under a directory, optionally the lines containing a text',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read'],
  effect: 'read',
  claims: (p) => [{ kind: 'read', path: p.path, pointer: '/path' }],
  async run(p, ctx) {
    // picomatch loads only when a step runs: the registry imports every plugin at start-up.
    const { compileMatcher } = await import('./match.ts');
    const root = await ctx.fs.resolve(p.path, 'read');
    const stat = await ctx.fs.stat(root);
    if (stat === null) throw new PluginError('E_FS_NOT_FOUND', `\`${p.path}\` does not exist`, { details: { path: p.path, resolved: root }, nonRetryable: true });
    if (stat.type !== 'directory') {
      throw new PluginError('E_FILE_SEARCH_NOT_A_DIRECTORY', `\`${p.path}\` is a ${stat.type}, not a directory`, { details: { path: p.path, resolved: root, type: stat.type }, nonRetryable: true });
    }
    const { matches, truncated } = await walk(ctx, {
      root,
      matcher: compileMatcher(p.pattern),
      content: p.content,
      maxResults: p.max_results ?? DEFAULT_MAX_RESULTS,
      maxDepth: p.max_depth ?? DEFAULT_MAX_DEPTH,
      maxFileBytes: p.max_file_bytes ?? DEFAULT_MAX_FILE_BYTES,
    });
    return { matches, count: matches.length, truncated };
  },
});
