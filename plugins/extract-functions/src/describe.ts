import {
  Node, ts,
  type ArrowFunction, type ConstructorDeclaration, type FunctionDeclaration, type FunctionExpression,
  type MethodDeclaration, type ParameterDeclaration,
} from 'ts-morph';

/** One function node described: signature, parameter and return types, JSDoc, lines. */

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

/** The function-like nodes described. */
export type FunctionNode = FunctionDeclaration | FunctionExpression | ArrowFunction | MethodDeclaration | ConstructorDeclaration;

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

/** The record of one function node; `docNode` carries its JSDoc and line range. */
export function describe(
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

