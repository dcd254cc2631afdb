import { Node, Project, ts, type SourceFile } from 'ts-morph';
import { describe, type FunctionInfo } from './describe.ts';

/**
 * Function extraction with the TypeScript compiler (through ts-morph), from text the plugin
 * read through `ctx.fs`: the project lives in an in-memory file system, so the compiler never
 * touches the disk. Types are as written; when not written they are the checker's inference
 * (`infer_types`), which needs the ES lib declarations ts-morph bundles.
 */

/** A project whose compiler sees only the files we add. */
export function createProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      allowJs: true,
      checkJs: false,
      target: ts.ScriptTarget.ES2022,
      // The ES lib only: no DOM or @types, so inference stays cheap and deterministic.
      lib: ['lib.es2022.d.ts'],
      types: [],
      noEmit: true,
      strict: true,
      jsx: ts.JsxEmit.Preserve,
    },
  });
}

/** Functions of one file: declarations, function-valued variables, class and object-literal members. Nested functions are not listed. */
export function extractFromSource(source: SourceFile, infer: boolean): FunctionInfo[] {
  const exportedNodes = new Set<Node>();
  for (const declarations of source.getExportedDeclarations().values()) {
    for (const d of declarations) if (d.getSourceFile() === source) exportedNodes.add(d);
  }
  const out: FunctionInfo[] = [];
  for (const fn of source.getFunctions()) {
    if (fn.isOverload()) continue;
    out.push(describe(fn.getName() ?? 'default', 'function', fn, fn, exportedNodes.has(fn) || fn.isDefaultExport(), infer));
  }
  for (const statement of source.getVariableStatements()) {
    for (const decl of statement.getDeclarations()) {
      const init = decl.getInitializer();
      const exported = exportedNodes.has(decl);
      if (Node.isArrowFunction(init)) out.push(describe(decl.getName(), 'arrow', init, decl, exported, infer));
      else if (Node.isFunctionExpression(init)) out.push(describe(decl.getName(), 'function', init, decl, exported, infer));
      else if (Node.isObjectLiteralExpression(init)) {
        for (const member of init.getProperties()) {
          if (Node.isMethodDeclaration(member)) {
            out.push(describe(`${decl.getName()}.${member.getName()}`, 'method', member, member, exported, infer));
          } else if (Node.isPropertyAssignment(member)) {
            const value = member.getInitializer();
            const name = `${decl.getName()}.${member.getName()}`;
            if (Node.isArrowFunction(value)) out.push(describe(name, 'arrow', value, member, exported, infer));
            else if (Node.isFunctionExpression(value)) out.push(describe(name, 'method', value, member, exported, infer));
          }
        }
      }
    }
  }
  for (const cls of source.getClasses()) {
    const className = cls.getName() ?? 'default';
    const exported = exportedNodes.has(cls) || cls.isDefaultExport();
    for (const ctor of cls.getConstructors()) {
      if (!ctor.isOverload()) out.push(describe(`${className}.constructor`, 'class-method', ctor, ctor, exported, infer));
    }
    for (const method of cls.getMethods()) {
      if (!method.isOverload()) out.push(describe(`${className}.${method.getName()}`, 'class-method', method, method, exported, infer));
    }
    for (const prop of cls.getProperties()) {
      const value = prop.getInitializer();
      if (Node.isArrowFunction(value)) out.push(describe(`${className}.${prop.getName()}`, 'arrow', value, prop, exported, infer));
    }
  }
  for (const assignment of source.getExportAssignments()) {
    const value = assignment.getExpression();
    if (Node.isArrowFunction(value)) out.push(describe('default', 'arrow', value, assignment, true, infer));
    else if (Node.isFunctionExpression(value)) out.push(describe('default', 'function', value, assignment, true, infer));
  }
  return out.sort((a, b) => a.start_line - b.start_line || a.name.localeCompare(b.name));
}
