import { basename, join } from 'node:path';
import { Node, Project, ts, type SourceFile } from 'ts-morph';

/**
 * In-process type-check of a generated module. One ts-morph Project per process and
 * resolution root: lib files, @rustchain/core and plugin sources are parsed once and reused
 * across compiles; only the generated file changes. The file lives in memory only.
 */

/** The repository's strict settings; a generated module must pass under the strictest. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
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
  resolveJsonModule: true,
  types: ['node'],
};

const projects = new Map<string, Project>();

function projectFor(root: string): Project {
  let project = projects.get(root);
  if (!project) {
    project = new Project({ compilerOptions: COMPILER_OPTIONS, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
    projects.set(root, project);
  }
  return project;
}

/** One TypeScript diagnostic in the generated file, with the AST node it points at. */
export interface GeneratedDiagnostic {
  /** TypeScript's numeric code (2322, 2339, ...). */
  tsCode: number;
  message: string;
  /** The innermost node at the diagnostic's start; undefined for file-level problems. */
  node: Node | undefined;
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
  const project = projectFor(options.resolveFrom);
  const path = join(options.resolveFrom, '.rustchain-typecheck', basename(options.outFile).replace(/\.[cm]?[jt]s$/, '') + '.ts');
  const file = project.createSourceFile(path, code, { overwrite: true });
  project.resolveSourceFileDependencies();
  const program = project.getProgram().compilerObject;
  const tsFile = program.getSourceFile(file.getFilePath());
  const raw = tsFile ? [...program.getSyntacticDiagnostics(tsFile), ...program.getSemanticDiagnostics(tsFile)] : [];
  return raw.map((d) => toGenerated(d, file));
}

function toGenerated(d: ts.Diagnostic, file: SourceFile): GeneratedDiagnostic {
  const start = d.start ?? 0;
  const { line, column } = file.getLineAndColumnAtPos(start);
  return {
    tsCode: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    node: d.start === undefined ? undefined : file.getDescendantAtPos(start),
    line,
    column,
  };
}
