import { basename, join } from 'node:path';
import type * as TS from 'typescript';
import { isKnownClean, checkKey, rememberClean } from './typecheck-cache.ts';
import { ts, typescriptVersion } from './typescript.ts';

/**
 * In-process type-check of a generated module, on the TypeScript compiler API. One compiler
 * host per resolution root caches every parsed dependency (lib files, @rustchain/core, typebox,
 * plugins), and each check passes the previous program as `oldProgram`, so only the generated
 * file is parsed and checked again. The file lives in memory only. A clean result is remembered
 * across processes (typecheck-cache.ts) while none of the files the check read changes. ts-morph was measured against this (2026-12-01, same machine, CPU time of a cold
 * `compile` of a 5-step mission, medians of 5): its Project took 855 ms for the first check
 * and 430 ms to load, against 750 ms and 362 ms here (+15 %), over the 10 % the project
 * accepts for it, so the compiler keeps the direct API (one TypeScript in the install).
 */

/** Inside the repository (tests, benchmarks) packages resolve with the source condition. */
const CONDITIONS: readonly string[] = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((arg) => arg.includes('@rustchain/source'))
  ? ['@rustchain/source']
  : [];

let options: TS.CompilerOptions | undefined;

/**
 * The repository's strict settings (a generated module must pass under the strictest), built on
 * first use so that TypeScript loads only when a check really runs. Under the source condition
 * the check sees the same sources the process runs, not a dist/ that may be stale or absent.
 */
function compilerOptions(): TS.CompilerOptions {
  options ??= {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.ESNext,
    // Bundler resolution: the in-memory file needs no package.json "type" to be ESM.
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    verbatimModuleSyntax: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    isolatedModules: true,
    // No @types/node: the generated file never touches Node APIs, and leaving its ~60 big
    // declaration files out halves the first check.
    types: [],
    customConditions: [...CONDITIONS],
  };
  return options;
}

interface Checker {
  host: TS.CompilerHost;
  cache: Map<string, TS.SourceFile | undefined>;
  virtual: { path: string; code: string };
  previous: TS.Program | undefined;
}

const checkers = new Map<string, Checker>();

function checkerFor(root: string): Checker {
  let checker = checkers.get(root);
  if (checker) return checker;
  const host = ts.createCompilerHost(compilerOptions(), true);
  // No JSDoc parsing: comments carry no types in .ts/.d.ts files, and skipping them cuts the
  // parse of the ~450 dependency files (lib.*.d.ts above all) that dominates a cold check.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseNone;
  const cache = new Map<string, TS.SourceFile | undefined>();
  const virtual = { path: '', code: '' };
  const readSource = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, language, onError, shouldCreate) => {
    if (fileName === virtual.path) return ts.createSourceFile(fileName, virtual.code, language, true);
    if (!cache.has(fileName)) cache.set(fileName, readSource(fileName, language, onError, shouldCreate));
    return cache.get(fileName);
  };
  host.fileExists = (fileName) => fileName === virtual.path || fileExists(fileName);
  host.readFile = (fileName) => (fileName === virtual.path ? virtual.code : readFile(fileName));
  checker = { host, cache, virtual, previous: undefined };
  checkers.set(root, checker);
  return checker;
}

/** One TypeScript diagnostic in the generated file, with the node it points at. */
export interface GeneratedDiagnostic {
  /** TypeScript's numeric code (2322, 2339, ...). */
  tsCode: number;
  message: string;
  /** The innermost node at the diagnostic's start (parents set); undefined for file-level problems. */
  node: TS.Node | undefined;
  /** 1-based position in the generated code. */
  line: number;
  column: number;
}

/**
 * Type-checks `code` as if it were a file named like `outFile` inside `resolveFrom` (whose
 * node_modules must hold @rustchain/core and the plugins). Returns only diagnostics located
 * in the generated file: errors inside plugin or core sources are not the mission's fault.
 */
export function typecheckGenerated(code: string, options: { outFile: string; resolveFrom: string }): GeneratedDiagnostic[] {
  const fileName = basename(options.outFile).replace(/\.[cm]?[jt]s$/, '') + '.ts';
  const key = checkKey({ code, fileName, resolveFrom: options.resolveFrom, conditions: CONDITIONS, typescript: typescriptVersion() });
  if (isKnownClean(key)) return [];
  const checker = checkerFor(options.resolveFrom);
  checker.virtual.path = join(options.resolveFrom, '.rustchain-typecheck', fileName).split('\\').join('/');
  checker.virtual.code = code;
  const program = ts.createProgram({
    rootNames: [checker.virtual.path],
    options: compilerOptions(),
    host: checker.host,
    ...(checker.previous === undefined ? {} : { oldProgram: checker.previous }),
  });
  checker.previous = program;
  const file = program.getSourceFile(checker.virtual.path);
  if (!file) return [];
  const raw = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  if (raw.length === 0) {
    rememberClean(key, program.getSourceFiles().map((f) => f.fileName).filter((name) => name !== checker!.virtual.path));
  }
  return raw.map((d) => {
    const start = d.start ?? 0;
    const { line, character } = file.getLineAndCharacterOfPosition(start);
    return {
      tsCode: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      node: d.start === undefined ? undefined : innermostAt(file, start),
      line: line + 1,
      column: character + 1,
    };
  });
}

/** The deepest node whose span (without leading trivia) contains `pos`. */
function innermostAt(file: TS.SourceFile, pos: number): TS.Node {
  let node: TS.Node = file;
  for (;;) {
    const next: TS.Node | undefined = ts.forEachChild(node, (child) => (child.getStart(file) <= pos && pos < child.getEnd() ? child : undefined));
    if (!next) return node;
    node = next;
  }
}
