import { definePlugin, Type } from '@rustchain/core/plugin';

/** `create_file`: writes `content` to `path`, creating parent directories. */
export default definePlugin({
  type: 'create_file',
  description: 'Creates (or overwrites) a file with the given content, creating parent directories.',
  // additionalProperties: true keeps corpus missions with extra keys loading, as the original did.
  params: Type.Object(
    {
      path: Type.String({ minLength: 1, description: 'file to write, relative to the working directory' }),
      content: Type.Optional(Type.String({ description: 'text to write (default "")' })),
    },
    { additionalProperties: true },
  ),
  outputs: Type.Object({
    path: Type.String({ description: 'absolute path written' }),
    bytes: Type.Integer({ description: 'bytes written' }),
  }),
  capabilities: ['fs.write'],
  effect: 'idempotent',
  claims: (p) => [{ kind: 'write', path: p.path, pointer: '/path' }],
  async run(p, ctx) {
    return ctx.fs.writeText(p.path, p.content ?? '', { createParents: true });
  },
});
