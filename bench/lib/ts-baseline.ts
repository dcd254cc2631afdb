import ts from 'typescript';

/**
 * The compile baseline: the TypeScript compiler type-checking and emitting a hand-written
 * module of the same size as a compiled mission (one typed constant per step, a schedule,
 * a default export), straight through the compiler API with the source held in memory.
 * It is the floor for "emit + type-check n steps"; the mission compiler adds generating the
 * code (ts-morph) and mapping diagnostics back to YAML.
 */

/** The equivalent module for an n-step chain. */
export function equivalentModule(n: number): string {
  const out: string[] = [
    'export interface NoopParams { readonly message?: string }',
    'export interface Step<P> { readonly id: string; readonly type: string; readonly params: P; readonly dependsOn: readonly string[] }',
  ];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(`s${i}`);
    out.push(`export const s${i}: Step<NoopParams> = { id: 's${i}', type: 'noop', params: { message: 'step ${i}' }, dependsOn: [${i ? `'s${i - 1}'` : ''}] };`);
  }
  out.push(`export const schedule = { order: [${ids.map((x) => `'${x}'`).join(', ')}] } as const;`);
  out.push(`export default [${ids.join(', ')}];`);
  return out.join('\n');
}

/** Same lib and strictness as the mission compiler's checker, so only the module differs. */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.ESNext,
  skipLibCheck: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  types: [],
};

/** Parsed lib files, kept across calls as the mission compiler keeps its own. */
const libCache = new Map<string, ts.SourceFile | undefined>();

/** Type-checks and emits `source`; throws if it has any diagnostic. */
export function checkAndEmit(source: string): void {
  const host = ts.createCompilerHost(OPTIONS, true);
  const file = '/virtual/mission.ts';
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang) => {
    if (name === file) return ts.createSourceFile(name, source, lang);
    if (!libCache.has(name)) libCache.set(name, getSourceFile(name, lang));
    return libCache.get(name);
  };
  host.writeFile = () => undefined;
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], OPTIONS, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) throw new Error(ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n'));
  program.emit();
}
