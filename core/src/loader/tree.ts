import type { LineCounter, Node, Scalar } from 'yaml';
import { yaml } from './yaml-lib.ts';
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
  /**
   * Position of each value (maps, sequences, scalars, sequence items), in document order. A
   * plain object, not a Map: it becomes the Mission's `sourceMap` as is (hundreds of thousands
   * of entries on a big mission are not copied). Every pointer is '' or starts with '/', so no
   * key can collide with an Object.prototype member; read it with `Object.hasOwn` all the same.
   */
  values: Record<string, Position>;
  /** Position of each mapping key, under the pointer of its value. */
  keys: Map<string, Position>;
  /**
   * Column of value[0], for single-line scalars whose source maps 1:1 onto the value, where
   * a template diagnostic can land: strings holding `${{`, and values of keys holding it.
   * (Recording every scalar cost a third of the walk on a 100,000-step mission.)
   */
  valueColumns: Map<string, number>;
  /** Source text of each top-level scalar (e.g. to keep an unquoted `version: 1.10` as written). */
  raw: Map<string, string>;
}

/** Keys that would reach Object.prototype in naive JavaScript code (SECURITY-CATALOGUE 5.A.6). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Aliases a mission may dereference in total; a billion-laughs file needs hundreds. */
const MAX_ALIAS_DEREFERENCES = 50;

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
  const values: Record<string, Position> = {};
  const index: SourceIndex = { values, keys: new Map(), valueColumns: new Map(), raw: new Map() };
  const diagnostics: Diagnostic[] = [];
  const anchors = new Map<string, Node>();
  let dereferences = 0;
  let aborted = false;

  const pos = positionFinder(lineCounter);
  const report = (code: ErrorCode, at: Position, message: string, pointer: string, hint?: string) => {
    diagnostics.push({ code, severity: 'error', message, file, line: at.line, column: at.column, pointer, ...(hint ? { hint } : {}) });
  };

  // `via` is the position of the alias we are expanding under, if any: expanded nodes
  // have no source of their own at this pointer, so they point at the alias.
  const walk = (node: unknown, pointer: string, depth: number, via: Position | null, templatedKey = false): unknown => {
    if (aborted) return null;
    if (node === null || node === undefined) return null;
    if (yaml().isAlias(node)) {
      const at = via ?? pos(node.range?.[0] ?? 0);
      values[pointer] = at;
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
    values[pointer] = start;
    if (n.anchor) anchors.set(n.anchor, n);
    if (yaml().isScalar(n)) {
      if (!via) recordScalar(n, pointer, start, depth, templatedKey);
      return n.value;
    }
    if (depth >= MAX_DEPTH) {
      report('E_INPUT_TOO_DEEP', start, `the document nests deeper than ${MAX_DEPTH} levels`, pointer);
      aborted = true;
      return null;
    }
    if (yaml().isSeq(n)) return n.items.map((item, i) => walk(item, `${pointer}/${i}`, depth + 1, via));
    if (yaml().isMap(n)) {
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        if (!yaml().isPair(pair)) continue;
        const keyNode = pair.key as unknown;
        const keyAt = via ?? (keyNode && typeof keyNode === 'object' && 'range' in keyNode ? pos((keyNode as Node).range?.[0] ?? 0) : start);
        if (keyNode !== null && !yaml().isScalar(keyNode)) {
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
        // walk records the child's position unless it returns at once: no node (a value-less
        // `key:` at the end of a map), or the walk was already aborted. Then point at the key.
        const unrecorded = aborted || pair.value === null || pair.value === undefined;
        const value = walk(pair.value, child, depth + 1, via, key.includes('${{'));
        if (unrecorded) values[child] = keyAt;
        // Never invoke a setter, even for keys we allow: plain assignment only where no
        // accessor can be inherited (the common case, and much faster than defineProperty).
        if (key in Object.prototype) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
      return out;
    }
    return null;
  };

  const recordScalar = (n: Scalar, pointer: string, at: Position, depth: number, templatedKey: boolean) => {
    if (depth > 1 && !(templatedKey || (typeof n.value === 'string' && n.value.includes('${{')))) return;
    const [from, to] = n.range ?? [0, 0];
    const raw = text.slice(from, to);
    if (depth <= 1) index.raw.set(pointer, raw);
    if (typeof n.value !== 'string' || raw.includes('\n')) return;
    if (n.type === yaml().Scalar.PLAIN && raw === n.value) index.valueColumns.set(pointer, at.column);
    else if ((n.type === yaml().Scalar.QUOTE_DOUBLE || n.type === yaml().Scalar.QUOTE_SINGLE) && raw.slice(1, -1) === n.value) {
      index.valueColumns.set(pointer, at.column + 1);
    }
  };

  const value = walk(doc.contents, '', 0, null);
  return { value, index, diagnostics };
}

/** Offset → 1-based line and column. */
function toPosition(lineCounter: LineCounter, offset: number): Position {
  const p = lineCounter.linePos(offset);
  return { line: p.line, column: p.col };
}

/**
 * toPosition for offsets that mostly come in document order (a tree walk): the line of the
 * previous offset is tried first, then the next one, before a binary search. Same results
 * as LineCounter.linePos, without its intermediate object.
 */
function positionFinder(lineCounter: LineCounter): (offset: number) => Position {
  const starts = lineCounter.lineStarts;
  let hint = 0;
  const covers = (i: number, offset: number): boolean =>
    i < starts.length && starts[i]! <= offset && (i + 1 === starts.length || starts[i + 1]! > offset);
  return (offset) => {
    if (!covers(hint, offset)) {
      if (covers(hint + 1, offset)) hint++;
      else {
        let low = 0;
        let high = starts.length;
        while (low < high) {
          const mid = (low + high) >> 1;
          if (starts[mid]! <= offset) low = mid + 1;
          else high = mid;
        }
        // `low` is the first line starting after `offset`: none before it means no line at all.
        if (low === 0) return toPosition(lineCounter, offset);
        hint = low - 1;
      }
    }
    return { line: hint + 1, column: offset - starts[hint]! + 1 };
  };
}
