import { definePlugin, Type } from '@rustchain/core/plugin';

/** `read_file`: reads a regular text file (size-capped) into the `content` output. */
export default definePlugin({
  type: 'read_file',
  description: 'Reads a text file into the content output.',
  params: Type.Object(
    { path: Type.String({ minLength: 1, description: 'file to read, relative to the working directory' }) },
    { additionalProperties: true },
  ),
  outputs: Type.Object({
    content: Type.String(),
    bytes: Type.Integer({ description: 'size of the content in UTF-8 bytes' }),
  }),
  capabilities: ['fs.read'],
  effect: 'read',
  claims: (p) => [{ kind: 'read', path: p.path, pointer: '/path' }],
  async run(p, ctx) {
    const content = await ctx.fs.readText(p.path);
    return { content, bytes: Buffer.byteLength(content, 'utf8') };
  },
});
