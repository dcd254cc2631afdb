import { definePlugin, Type, type ResourceClaim } from '@rustchain/core/plugin';
import { extractFunctions } from '@rustchain/plugin-extract-functions';
import { renderMarkdown } from './markdown.ts';

/**
 * `generate_docs`: Markdown API docs from the functions `extract_functions` finds (its public
 * helper, this package's dependency) and their JSDoc: one section per file, per function the
 * signature, description, parameter table and return. Written through `ctx.fs.writeText`
 * when `output` is given; always returned as `markdown`.
 */

const Params = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'a source file or a directory (TypeScript/JavaScript)' }),
    output: Type.Optional(Type.String({ minLength: 1, description: 'a Markdown file to write (parents created)' })),
    title: Type.Optional(Type.String({ minLength: 1, description: 'the document title (default: "API: <path>")' })),
    exported_only: Type.Optional(Type.Boolean({ default: false, description: 'document exported functions only' })),
    max_files: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 200 })),
    infer_types: Type.Optional(Type.Boolean({ default: true, description: 'show inferred types where none are written' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  markdown: Type.String(),
  path: Type.Union([Type.String(), Type.Null()], { description: 'the file written (absolute), null without `output`' }),
  bytes: Type.Integer(),
  file_count: Type.Integer({ description: 'files with at least one documented function' }),
  function_count: Type.Integer(),
  undocumented: Type.Array(Type.String(), { description: 'functions without a JSDoc description, as file#name' }),
});

/** The `generate_docs` step type. */
export default definePlugin({
  type: 'generate_docs',
  description: 'Markdown API documentation from TypeScript/JavaScript functions and their JSDoc; optionally written to a file.',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read', 'fs.write'],
  effect: 'idempotent',
  claims(p) {
    const claims: ResourceClaim[] = [{ kind: 'read', path: p.path, pointer: '/path' }];
    if (p.output !== undefined) claims.push({ kind: 'write', path: p.output, pointer: '/output' });
    return claims;
  },
  async run(p, ctx) {
    // Checked before the (slower) extraction: a denied output fails fast.
    if (p.output !== undefined) await ctx.fs.resolve(p.output, 'write');
    const extracted = await extractFunctions(
      { path: p.path, ...(p.max_files !== undefined ? { max_files: p.max_files } : {}), ...(p.infer_types !== undefined ? { infer_types: p.infer_types } : {}) },
      ctx,
    );
    const keep = (fn: { exported: boolean }) => p.exported_only !== true || fn.exported;
    const markdown = renderMarkdown(p.title ?? `API: ${p.path}`, extracted, keep);
    const documented = extracted.files.map((f) => ({ path: f.path, functions: f.functions.filter(keep) }));
    const written = p.output !== undefined ? await ctx.fs.writeText(p.output, markdown, { createParents: true }) : null;
    return {
      markdown,
      path: written?.path ?? null,
      bytes: Buffer.byteLength(markdown),
      file_count: documented.filter((f) => f.functions.length > 0).length,
      function_count: documented.reduce((n, f) => n + f.functions.length, 0),
      undocumented: documented.flatMap((f) => f.functions.filter((fn) => fn.doc === null || fn.doc === '').map((fn) => `${f.path}#${fn.name}`)),
    };
  },
});
