import { definePlugin, isRustchainError, Type, type Static, type StepContext } from '@rustchain/core/plugin';
import { discover, unsupported } from './discover.ts';

/**
 * `extract_functions`: the functions of TypeScript and JavaScript files — signatures with
 * parameter and return types, export and async flags, line ranges, JSDoc — parsed by the
 * TypeScript compiler (ts-morph). File text is read only through `ctx.fs.readText`. Other
 * languages are refused (E_EXTRACT_UNSUPPORTED_LANGUAGE): no regex "parsers".
 */

/** Default cap on files parsed from a directory. */
const DEFAULT_MAX_FILES = 200;
/** Default cap on one file's size: 1 MiB. */
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

const Params = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'a source file, or a directory to walk' }),
    language: Type.Optional(Type.String({ description: 'auto (default) from each file extension; typescript and javascript are supported' })),
    max_files: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: DEFAULT_MAX_FILES, description: 'at most this many files from a directory' })),
    max_file_bytes: Type.Optional(Type.Integer({ minimum: 1, default: DEFAULT_MAX_FILE_BYTES, description: 'larger files are skipped (listed in `skipped`)' })),
    infer_types: Type.Optional(Type.Boolean({ default: true, description: 'infer types that are not written (needs the type checker: slower)' })),
  },
  { additionalProperties: true },
);
type Params = Static<typeof Params>;

const ParameterSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.String(), Type.Null()]),
  optional: Type.Boolean(),
  rest: Type.Boolean(),
  default: Type.Optional(Type.String()),
});

const FunctionSchema = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('function'), Type.Literal('method'), Type.Literal('arrow'), Type.Literal('class-method')]),
  signature: Type.String(),
  parameters: Type.Array(ParameterSchema),
  return_type: Type.Union([Type.String(), Type.Null()]),
  exported: Type.Boolean(),
  async: Type.Boolean(),
  start_line: Type.Integer(),
  end_line: Type.Integer(),
  doc: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.Object({ tag: Type.String(), name: Type.Optional(Type.String()), text: Type.String() })),
});

const Outputs = Type.Object({
  files: Type.Array(Type.Object({ path: Type.String(), language: Type.String(), functions: Type.Array(FunctionSchema) })),
  file_count: Type.Integer(),
  function_count: Type.Integer(),
  truncated: Type.Boolean({ description: 'the directory held more than max_files supported files' }),
  skipped: Type.Array(Type.Object({ path: Type.String(), reason: Type.String() }), { description: 'files over max_file_bytes' }),
});

/** What extract_functions returns. */
export type ExtractOutputs = Static<typeof Outputs>;
/** Its parameters. */
export type ExtractParams = Params;

/** The extraction itself, the public helper generate_docs uses too. */
export async function extractFunctions(p: Params, ctx: StepContext): Promise<ExtractOutputs> {
  // ts-morph (the TypeScript compiler) loads only when a step runs: the registry imports every
  // plugin at start-up, generate_docs included (it imports this package).
  const { createProject, extractFromSource } = await import('./extract.ts');
  const language = p.language ?? 'auto';
  if (!['auto', 'typescript', 'javascript'].includes(language)) throw unsupported(`${p.path} (language: ${language})`);
  const { files, truncated } = await discover(ctx, p.path, p.max_files ?? DEFAULT_MAX_FILES);
  const project = createProject();
  const loaded: Array<{ file: (typeof files)[number]; source: ReturnType<typeof project.createSourceFile> }> = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  for (const file of files) {
    let text: string;
    try {
      text = await ctx.fs.readText(file.resolved, { maxBytes: p.max_file_bytes ?? DEFAULT_MAX_FILE_BYTES });
    } catch (error) {
      if (isRustchainError(error) && error.code === 'E_OUTPUT_TOO_LARGE' && files.length > 1) {
        skipped.push({ path: file.path, reason: `larger than ${p.max_file_bytes ?? DEFAULT_MAX_FILE_BYTES} bytes` });
        continue;
      }
      throw error;
    }
    // Every file at its real path, so relative imports between them resolve for inference.
    loaded.push({ file, source: project.createSourceFile(file.resolved, text, { overwrite: true }) });
  }
  const out = loaded.map(({ file, source }) => ({ path: file.path, language: file.language, functions: extractFromSource(source, p.infer_types !== false) }));
  return {
    files: out,
    file_count: out.length,
    function_count: out.reduce((n, f) => n + f.functions.length, 0),
    truncated,
    skipped,
  };
}

/** The `extract_functions` step type. */
export default definePlugin({
  type: 'extract_functions',
  description: 'Lists the functions of TypeScript/JavaScript files: signatures, types, exports, line ranges, JSDoc (TypeScript compiler).',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read'],
  effect: 'read',
  claims: (p) => [{ kind: 'read', path: p.path, pointer: '/path' }],
  run: extractFunctions,
});

export { languageOf } from './discover.ts';
export type { SourceLanguage } from './discover.ts';
export type { FunctionInfo, ParameterInfo, DocTag } from './describe.ts';
