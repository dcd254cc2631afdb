import {
  Node, Project, ts,
  type ArrowFunction, type FunctionDeclaration, type FunctionExpression, type MethodDeclaration,
  type ConstructorDeclaration, type ParameterDeclaration, type SourceFile,
} from 'ts-morph';

/**
 * Function extraction with the TypeScript compiler (through ts-morph), from text the plugin
 * read through `ctx.fs`: the project lives in an in-memory file system, so the compiler never
 * touches the disk. Types are as written; when not written they are the checker's inference
 * (`infer_types`), which needs the ES lib declarations ts-morph bundles.
 */

/** One parameter of a function. */
export interface ParameterInfo {
  name: string;
  /** As written, else inferred; null when not written and inference is off. */
  type: string | null;
  optional: boolean;
  rest: boolean;
  /** The default value's source text. */
  default?: string;
}

/** One JSDoc block tag (`@param a the first`, `@returns ...`). */
export interface DocTag {
  tag: string;
  /** The parameter a `@param` tag names. */
  name?: string;
  text: string;
}

/** One function found in a file. */
export interface FunctionInfo {
  /** `name`, `Class.method`, `object.member`; `default` for an anonymous default export. */
  name: string;
  kind: 'function' | 'method' | 'arrow' | 'class-method';
  /** `name(a: number, b?: string): Promise<void>`. */
  signature: string;
  parameters: ParameterInfo[];
  return_type: string | null;
  exported: boolean;
  async: boolean;
  start_line: number;
  end_line: number;
  /** The JSDoc description; null without a JSDoc comment. */
  doc: string | null;
  tags: DocTag[];
}

type FunctionNode = FunctionDeclaration | FunctionExpression | ArrowFunction | MethodDeclaration | ConstructorDeclaration;

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

function docOf(node: Node): { doc: string | null; tags: DocTag[] } {
  const docs = ts.getJSDocCommentsAndTags(node.compilerNode).filter(ts.isJSDoc);
  const last = docs.at(-1);
  if (!last) return { doc: null, tags: [] };
  const tags = (last.tags ?? []).map((tag): DocTag => {
    const name = ts.isJSDocParameterTag(tag) ? tag.name.getText() : undefined;
    return { tag: tag.tagName.text, ...(name !== undefined ? { name } : {}), text: (ts.getTextOfJSDocComment(tag.comment) ?? '').trim() };
  });
  return { doc: (ts.getTextOfJSDocComment(last.comment) ?? '').trim(), tags };
}

function typeText(node: Node, written: Node | undefined, infer: boolean): string | null {
  if (written) return written.getText();
  if (!infer) return null;
  return node.getType().getText(node, ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope | ts.TypeFormatFlags.NoTruncation);
}

function parameterInfo(p: ParameterDeclaration, infer: boolean): ParameterInfo {
  const initializer = p.getInitializer();
  return {
    name: p.getName(),
    type: typeText(p, p.getTypeNode(), infer),
    optional: p.hasQuestionToken() || initializer !== undefined,
    rest: p.isRestParameter(),
    ...(initializer ? { default: initializer.getText() } : {}),
  };
}

function returnText(fn: FunctionNode, infer: boolean): string | null {
  if (Node.isConstructorDeclaration(fn)) return null;
  const written = fn.getReturnTypeNode();
  if (written) return written.getText();
  if (!infer) return null;
  return fn.getReturnType().getText(fn, ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope | ts.TypeFormatFlags.NoTruncation);
}

function describe(
  name: string,
  kind: FunctionInfo['kind'],
  fn: FunctionNode,
  docNode: Node,
  exported: boolean,
  infer: boolean,
): FunctionInfo {
  const parameters = fn.getParameters().map((p) => parameterInfo(p, infer));
  const returnType = returnText(fn, infer);
  const params = parameters.map((p) => `${p.rest ? '...' : ''}${p.name}${p.optional && !p.rest ? '?' : ''}${p.type !== null ? `: ${p.type}` : ''}`);
  const isAsync = Node.isConstructorDeclaration(fn) ? false : fn.isAsync();
  return {
    name,
    kind,
    signature: `${isAsync ? 'async ' : ''}${name}(${params.join(', ')})${returnType !== null ? `: ${returnType}` : ''}`,
    parameters,
    return_type: returnType,
    exported,
    async: isAsync,
    start_line: docNode.getStartLineNumber(),
    end_line: docNode.getEndLineNumber(),
    ...docOf(docNode),
  };
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
