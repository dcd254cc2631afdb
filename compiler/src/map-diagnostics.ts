import { Node } from 'ts-morph';
import type { Diagnostic, ErrorCode, Mission } from '@rustchain/core';
import { locate } from './emit.ts';
import type { GeneratedDiagnostic } from './typecheck.ts';

/**
 * Maps TypeScript diagnostics in a generated module back to the mission source. The walk
 * goes from the node TypeScript blamed up to the step's parameters const, collecting the
 * property names and array indices on the way: that path is the JSON pointer under
 * `/steps/<i>/parameters`, which the loader's source map turns into a YAML line and column.
 */
export function mapDiagnostics(mission: Mission, generated: readonly GeneratedDiagnostic[], stepBindings: ReadonlyMap<string, number>): Diagnostic[] {
  return generated.map((g) => mapOne(mission, g, stepBindings));
}

function mapOne(mission: Mission, g: GeneratedDiagnostic, stepBindings: ReadonlyMap<string, number>): Diagnostic {
  const where = g.node ? pathOf(g.node, stepBindings) : null;
  const pointer = where ? `/steps/${where.index}/parameters${where.segments.map((s) => `/${escapeToken(s)}`).join('')}` : '';
  const pos = locate(mission, pointer);
  const stepId = where ? mission.steps[where.index]?.id : undefined;
  const code = where ? codeFor(g, where.inAccessor) : 'E_COMPILE_TYPE';
  const prefix = stepId === undefined ? 'generated module' : `step '${stepId}'`;
  return {
    code,
    severity: 'error',
    message: `${prefix}: ${g.message} (TS${g.tsCode} at generated ${g.line}:${g.column})`,
    file: mission.source.file,
    line: pos.line,
    column: pos.column,
    pointer: pos.pointer,
  };
}

/** Property-does-not-exist errors inside an accessor are bad references; the rest are bad values. */
function codeFor(g: GeneratedDiagnostic, inAccessor: { segments: string[]; failing: string } | null): ErrorCode {
  if (inAccessor && (g.tsCode === 2339 || g.tsCode === 7053)) {
    const [root, , outputsWord] = inAccessor.segments;
    const depth = inAccessor.segments.length; // segments before the failing name
    if (root === 'steps' && depth === 1) return 'E_TEMPLATE_UNKNOWN_STEP';
    if (root === 'steps' && outputsWord === 'outputs') return 'E_TEMPLATE_UNKNOWN_OUTPUT';
    return 'E_TEMPLATE_UNKNOWN_VAR';
  }
  return 'E_PARAMS_INVALID';
}

interface NodePath {
  index: number;
  segments: string[];
  inAccessor: { segments: string[]; failing: string } | null;
}

function pathOf(start: Node, stepBindings: ReadonlyMap<string, number>): NodePath | null {
  const segments: string[] = [];
  let inAccessor: NodePath['inAccessor'] = null;
  let child: Node = start;
  for (let node = start.getParent(); node; child = node, node = node.getParent()) {
    if ((Node.isPropertyAccessExpression(child) || Node.isElementAccessExpression(child)) && inAccessor === null) {
      inAccessor = accessChain(child);
    }
    if (Node.isPropertyAssignment(node)) segments.unshift(literalName(node.getNameNode()));
    else if (Node.isArrayLiteralExpression(node)) segments.unshift(String(node.getElements().findIndex((e) => e === child)));
    else if (Node.isVariableDeclaration(node)) {
      const index = stepBindings.get(node.getName());
      return index === undefined ? null : { index, segments, inAccessor: inAccessorOnly(inAccessor, start) };
    }
  }
  return null;
}

/** Only keep accessor info when the blamed node sits in an arrow function. */
function inAccessorOnly(info: NodePath['inAccessor'], start: Node): NodePath['inAccessor'] {
  return start.getFirstAncestor((n) => Node.isArrowFunction(n)) ? info : null;
}

/** For `c.steps.a.outputs.nope`: segments `['steps','a','outputs']`, failing `nope`. */
function accessChain(access: Node): { segments: string[]; failing: string } {
  const names: string[] = [];
  let node: Node = access;
  while (Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) {
    if (Node.isPropertyAccessExpression(node)) names.unshift(node.getName());
    else names.unshift(literalName(node.getArgumentExpression() ?? node));
    node = node.getExpression();
  }
  const failing = names.pop() ?? '';
  return { segments: names, failing };
}

/** The name a property key or element-access argument spells (quotes removed). */
function literalName(node: Node): string {
  return Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node) ? node.getLiteralValue() : node.getText();
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
