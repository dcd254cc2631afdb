import { definePlugin, Type } from '@rustchain/core/plugin';

/** `move_file`: renames a file (or directory), overwriting the destination as the original did. */
export default definePlugin({
  type: 'move_file',
  description: 'Moves (renames) a file to a destination (overwritten if it exists; parents created).',
  params: Type.Object(
    {
      source: Type.String({ minLength: 1, description: 'file to move' }),
      destination: Type.String({ minLength: 1, description: 'new location' }),
    },
    { additionalProperties: true },
  ),
  outputs: Type.Object({ path: Type.String({ description: 'absolute destination path' }) }),
  capabilities: ['fs.write'],
  // The source disappears: a second run finds nothing to move.
  effect: 'side-effect',
  claims: (p) => [
    { kind: 'write', path: p.source, pointer: '/source' },
    { kind: 'write', path: p.destination, pointer: '/destination' },
  ],
  async run(p, ctx) {
    return ctx.fs.move(p.source, p.destination, { overwrite: true });
  },
});
