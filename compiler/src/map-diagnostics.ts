import type * as TS from 'typescript';
import { ts } from './typescript.ts';
import type { Diagnostic, ErrorCode, Mission } from '@rustchain/core';
import { locate } from './emit.ts';
import type { GeneratedDiagnostic } from './typecheck.ts';

/**
 * Maps TypeScript diagnostics in a generated module back to the mission source. The walk
 * goes from the node TypeScript blamed up to the step's entry in the module's `parameters`
 * object, collecting the property names and array indices on the way: that path is the JSON
 * pointer under `/steps/<i>/parameters`, which the loader's source map turns into a YAML line
 * and column. `stepKeys` maps an entry's key (the step id) to the step's index.
 */
export function mapDiagnostics(mission: Mission, generated: readonly GeneratedDiagnostic[], stepKeys: ReadonlyMap<string, number>): Diagnostic[] {
  return generated.map((g) => mapOne(mission, g, stepKeys));
}

function mapOne(mission: Mission, g: GeneratedDiagnostic, stepKeys: ReadonlyMap<string, number>): Diagnostic {
  const where = g.node ? pathOf(g.node, stepKeys) : null;
  const pointer = where ? `/steps/${where.index}/parameters${where.segments.map((s) => `/${escapeToken(s)}`).join('')}` : '';
  const pos = locate(mission, pointer);
  const stepId = where ? mission.steps[where.index]?.id : undefined;
  const code = where ? codeFor(g, where.access) : 'E_COMPILE_TYPE';
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

/** "Property does not exist" inside an accessor is a bad reference; anything else is a bad value. */
function codeFor(g: GeneratedDiagnostic, access: string[] | null): ErrorCode {
  if (access !== null && (g.tsCode === 2339 || g.tsCode === 7053)) {
    const [root, , outputsWord] = access;
    if (root === 'steps' && access.length === 1) return 'E_TEMPLATE_UNKNOWN_STEP';
    if (root === 'steps' && outputsWord === 'outputs') return 'E_TEMPLATE_UNKNOWN_OUTPUT';
    return 'E_TEMPLATE_UNKNOWN_VAR';
  }
  return 'E_PARAMS_INVALID';
}

interface NodePath {
  index: number;
  segments: string[];
  /** Inside an accessor: the names read before the failing one (`['steps', 'a', 'outputs']`). */
  access: string[] | null;
}

function pathOf(start: TS.Node, stepKeys: ReadonlyMap<string, number>): NodePath | null {
  const segments: string[] = [];
  let access: string[] | null = null;
  let inArrow = false;
  let child: TS.Node = start;
  for (let node: TS.Node | undefined = start.parent; node; child = node, node = node.parent) {
    if (access === null && (ts.isPropertyAccessExpression(child) || ts.isElementAccessExpression(child))) access = accessChain(child);
    if (ts.isArrowFunction(node)) inArrow = true;
    if (ts.isPropertyAssignment(node) && isParametersObject(node.parent)) {
      const index = stepKeys.get(literalName(node.name));
      return index === undefined ? null : { index, segments, access: inArrow ? access : null };
    }
    if (ts.isPropertyAssignment(node)) segments.unshift(literalName(node.name));
    else if (ts.isArrayLiteralExpression(node)) segments.unshift(String(node.elements.findIndex((e) => e === child)));
    else if (ts.isVariableDeclaration(node)) return null;
  }
  return null;
}

/** True for the object literal of the module's top-level `const parameters = { ... }`. */
function isParametersObject(node: TS.Node): boolean {
  const declaration = node.parent;
  return ts.isObjectLiteralExpression(node) && declaration !== undefined && ts.isVariableDeclaration(declaration) &&
    ts.isIdentifier(declaration.name) && declaration.name.text === 'parameters' && ts.isSourceFile(declaration.parent.parent.parent);
}

/** For `c.steps.a.outputs.nope`: `['steps', 'a', 'outputs']` (the failing name dropped). */
function accessChain(access: TS.Node): string[] {
  const names: string[] = [];
  let node: TS.Node = access;
  while (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
    names.unshift(ts.isPropertyAccessExpression(node) ? node.name.text : literalName(node.argumentExpression));
    node = node.expression;
  }
  names.pop();
  return names;
}

/** The name a property key or element-access argument spells (quotes removed). */
function literalName(node: TS.Node): string {
  if (ts.isComputedPropertyName(node)) return literalName(node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isIdentifier(node) || ts.isNumericLiteral(node)) return node.text;
  return node.getText();
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
