import { definePlugin, Type } from '@rustchain/core/plugin';

/** `copy_file`: copies a regular file, overwriting the destination as the original did. */
export default definePlugin({
  type: 'copy_file',
  description: 'Copies a file to a destination (overwritten if it exists; parents created).',
  params: Type.Object(
    {
      source: Type.String({ minLength: 1, description: 'file to copy' }),
      destination: Type.String({ minLength: 1, description: 'where to copy it' }),
    },
    { additionalProperties: true },
  ),
  outputs: Type.Object({ path: Type.String({ description: 'absolute destination path' }) }),
  capabilities: ['fs.read', 'fs.write'],
  effect: 'idempotent',
  claims: (p) => [
    { kind: 'read', path: p.source, pointer: '/source' },
    { kind: 'write', path: p.destination, pointer: '/destination' },
  ],
  async run(p, ctx) {
    const { path } = await ctx.fs.copy(p.source, p.destination, { overwrite: true });
    return { path };
  },
});
