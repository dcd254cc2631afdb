import { definePlugin, Type } from '@rustchain/core/plugin';

const Entry = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('file'), Type.Literal('directory'), Type.Literal('symlink'), Type.Literal('other')]),
  size: Type.Integer(),
});

/** `list_directory`: the entries of one directory, sorted by name (symlinks are not followed). */
export default definePlugin({
  type: 'list_directory',
  description: 'Lists the entries of a directory (name, type, size), sorted by name.',
  params: Type.Object(
    { path: Type.String({ minLength: 1, description: 'directory to list, relative to the working directory' }) },
    { additionalProperties: true },
  ),
  outputs: Type.Object({ entries: Type.Array(Entry), count: Type.Integer() }),
  capabilities: ['fs.read'],
  effect: 'read',
  claims: (p) => [{ kind: 'read', path: p.path, pointer: '/path' }],
  async run(p, ctx) {
    const entries = await ctx.fs.list(p.path);
    return { entries, count: entries.length };
  },
});
