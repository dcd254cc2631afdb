import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type LineCounter, type Node } from 'yaml';
import type { Diagnostic, ErrorCode } from '../errors.ts';
import { escapePointerToken } from '../template/scan.ts';
import { MAX_DEPTH, type ParsedText } from './parse.ts';

/** A 1-based source position. */
export interface Position {
  line: number;
  column: number;
}

/** Where every node of the document came from, by RFC 6901 pointer. */
export interface SourceIndex {
  /** Position of each value (maps, sequences, scalars, sequence items). */
  values: Map<string, Position>;
  /** Position of each mapping key, under the pointer of its value. */
  keys: Map<string, Position>;
  /** For single-line scalars whose source maps 1:1 onto the value: column of value[0]. */
  valueColumns: Map<string, number>;
  /** Source text of each scalar (e.g. to keep an unquoted `version: 1.10` as written). */
  raw: Map<string, string>;
}

/** Keys that would reach Object.prototype in naive JavaScript code (SECURITY-CATALOGUE 5.A.6). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Aliases a mission may dereference in total; a billion-laughs file needs hundreds. */
export const MAX_ALIAS_DEREFERENCES = 50;

/** The plain JavaScript value of the document, its source index and the problems found. */
export interface Tree {
  value: unknown;
  index: SourceIndex;
  diagnostics: Diagnostic[];
}

/**
 * Converts the yaml AST to plain data in one walk, recording positions as it goes. We do not
 * use `doc.toJS()`: it yields no positions, and it throws a bare ReferenceError on alias
 * bombs. Here aliases are expanded under a budget (each dereference counts, including those
 * reached through another alias), forbidden keys are dropped and reported, and depth is
 * capped, so the recursion below is bounded by MAX_DEPTH.
 */
export function buildTree(parsed: ParsedText, file: string): Tree {
  const { doc, lineCounter, text } = parsed;
  const index: SourceIndex = { values: new Map(), keys: new Map(), valueColumns: new Map(), raw: new Map() };
  const diagnostics: Diagnostic[] = [];
  const anchors = new Map<string, Node>();
  let dereferences = 0;
  let aborted = false;

  const pos = (offset: number): Position => toPosition(lineCounter, offset);
  const report = (code: ErrorCode, at: Position, message: string, pointer: string, hint?: string) => {
    diagnostics.push({ code, severity: 'error', message, file, line: at.line, column: at.column, pointer, ...(hint ? { hint } : {}) });
  };

  // `via` is the position of the alias we are expanding under, if any: expanded nodes
  // have no source of their own at this pointer, so they point at the alias.
  const walk = (node: unknown, pointer: string, depth: number, via: Position | null): unknown => {
    if (aborted) return null;
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const at = via ?? pos(node.range?.[0] ?? 0);
      index.values.set(pointer, at);
      if (++dereferences > MAX_ALIAS_DEREFERENCES) {
        report('E_YAML_ALIAS_LIMIT', at, `more than ${MAX_ALIAS_DEREFERENCES} alias expansions (possible alias bomb)`, pointer, 'write the values out instead of aliasing them');
        aborted = true;
        return null;
      }
      const target = anchors.get(node.source);
      if (!target) {
        report('E_YAML_PARSE', at, `unknown alias *${node.source}`, pointer);
        return null;
      }
      return walk(target, pointer, depth, at);
    }
    const n = node as Node;
    const start = via ?? pos(n.range?.[0] ?? 0);
    index.values.set(pointer, start);
    if (n.anchor) anchors.set(n.anchor, n);
    if (isScalar(n)) {
      if (!via) recordScalar(n, pointer, start);
      return n.value;
    }
    if (depth >= MAX_DEPTH) {
      report('E_INPUT_TOO_DEEP', start, `the document nests deeper than ${MAX_DEPTH} levels`, pointer);
      aborted = true;
      return null;
    }
    if (isSeq(n)) return n.items.map((item, i) => walk(item, `${pointer}/${i}`, depth + 1, via));
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as unknown;
        const keyAt = via ?? (keyNode && typeof keyNode === 'object' && 'range' in keyNode ? pos((keyNode as Node).range?.[0] ?? 0) : start);
        if (keyNode !== null && !isScalar(keyNode)) {
          report('E_SCHEMA_TYPE', keyAt, 'mapping keys must be plain strings', pointer);
          continue;
        }
        const key = keyNode === null ? '' : String(keyNode.value);
        const child = `${pointer}/${escapePointerToken(key)}`;
        index.keys.set(child, keyAt);
        if (FORBIDDEN_KEYS.has(key)) {
          report('E_SCHEMA_FORBIDDEN_KEY', keyAt, `the key \`${key}\` is not allowed`, child, 'rename the key; it could alter object prototypes in JavaScript consumers');
          continue;
        }
        const value = walk(pair.value, child, depth + 1, via);
        // A value-less pair (`key:` at the end of a map) has no node: point at the key.
        if (!index.values.has(child)) index.values.set(child, keyAt);
        // defineProperty, not assignment: never invoke a setter, even for keys we allow.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return null;
  };

  const recordScalar = (n: Scalar, pointer: string, at: Position) => {
    const [from, to] = n.range ?? [0, 0];
    const raw = text.slice(from, to);
    index.raw.set(pointer, raw);
    if (typeof n.value !== 'string' || raw.includes('\n')) return;
    if (n.type === Scalar.PLAIN && raw === n.value) index.valueColumns.set(pointer, at.column);
    else if ((n.type === Scalar.QUOTE_DOUBLE || n.type === Scalar.QUOTE_SINGLE) && raw.slice(1, -1) === n.value) {
      index.valueColumns.set(pointer, at.column + 1);
    }
  };

  const value = walk(doc.contents, '', 0, null);
  return { value, index, diagnostics };
}

/** Offset → 1-based line and column. */
export function toPosition(lineCounter: LineCounter, offset: number): Position {
  const p = lineCounter.linePos(offset);
  return { line: p.line, column: p.col };
}
