import { definePlugin, Type } from '@rustchain/core/plugin';

/** `delete_file`: removes a file; a missing file is not an error (deleted: false). */
export default definePlugin({
  type: 'delete_file',
  description: 'Deletes a file; succeeds with deleted: false when it does not exist.',
  params: Type.Object(
    { path: Type.String({ minLength: 1, description: 'file to delete, relative to the working directory' }) },
    { additionalProperties: true },
  ),
  outputs: Type.Object({ deleted: Type.Boolean({ description: 'false when nothing existed at the path' }) }),
  capabilities: ['fs.write'],
  effect: 'idempotent',
  claims: (p) => [{ kind: 'write', path: p.path, pointer: '/path' }],
  async run(p, ctx) {
    return { deleted: await ctx.fs.remove(p.path) };
  },
});
