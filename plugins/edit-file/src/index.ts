import { definePlugin, Type } from '@rustchain/core/plugin';

/** `edit_file`: replaces a file's content, or appends to it with `append: true`. */
export default definePlugin({
  type: 'edit_file',
  description: 'Replaces the content of a file, or appends to it when append is true.',
  params: Type.Object(
    {
      path: Type.String({ minLength: 1, description: 'file to edit, relative to the working directory' }),
      content: Type.Optional(Type.String({ description: 'new content, or the text to append (default "")' })),
      append: Type.Optional(Type.Boolean({ description: 'append instead of replacing (default false)' })),
    },
    { additionalProperties: true },
  ),
  outputs: Type.Object({
    path: Type.String({ description: 'absolute path written' }),
    bytes: Type.Integer({ description: 'bytes written by this step' }),
  }),
  capabilities: ['fs.write'],
  // Appending twice differs from appending once, so the step is not idempotent in general.
  effect: 'side-effect',
  claims: (p) => [{ kind: 'write', path: p.path, pointer: '/path' }],
  async run(p, ctx) {
    return ctx.fs.writeText(p.path, p.content ?? '', { append: p.append ?? false });
  },
});
