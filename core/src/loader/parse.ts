import { CST, Lexer, LineCounter, parseAllDocuments, type Document, type YAMLError } from 'yaml';
import type { Diagnostic, ErrorCode } from '../errors.ts';
import { diagnosticAt } from './input.ts';
import { findJsonSyntaxError } from './json-syntax.ts';

/** Deepest nesting of collections a mission may use. */
export const MAX_DEPTH = 64;

/** A parsed document plus what is needed to turn offsets into line:column. */
export interface ParsedText {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  text: string;
}

/** The result of parsing: a document when it is structurally usable, and every diagnostic. */
export interface ParseOutcome {
  parsed: ParsedText | null;
  diagnostics: Diagnostic[];
}

/** yaml error codes that still leave a well-formed tree to validate further. */
const RECOVERABLE = new Set<ErrorCode>(['E_YAML_DUPLICATE_KEY', 'E_YAML_UNSUPPORTED_TAG', 'E_YAML_MULTI_DOC']);

/**
 * Parses mission text as YAML 1.2 (a `.json` file must first be strict JSON). Warnings are
 * promoted to errors: a custom tag (`!!js/function`) only warns in `yaml`, and the value
 * silently becoming a string is exactly the surprise we refuse.
 */
export function parseMissionText(text: string, file: string): ParseOutcome {
  const deep = findExcessiveNesting(text);
  if (deep !== null) {
    return { parsed: null, diagnostics: [diagnosticAt(text, deep, file, 'E_INPUT_TOO_DEEP', `the document nests deeper than ${MAX_DEPTH} levels`)] };
  }
  if (file.endsWith('.json')) {
    const bad = findJsonSyntaxError(text);
    if (bad) return { parsed: null, diagnostics: [diagnosticAt(text, bad.offset, file, 'E_YAML_PARSE', `invalid JSON: ${bad.message}`)] };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true, version: '1.2' });
  const list = Array.isArray(docs) ? docs : [];
  const diagnostics: Diagnostic[] = [];
  const first = list[0];
  for (const doc of list.slice(0, 1)) {
    for (const e of doc.errors) diagnostics.push(fromYamlError(e, file, text, 'error'));
    for (const w of doc.warnings) diagnostics.push(fromYamlError(w, file, text, 'warning'));
  }
  const second = list[1];
  if (second) {
    diagnostics.push(
      diagnosticAt(text, second.range[0], file, 'E_YAML_MULTI_DOC', `the file holds ${list.length} YAML documents; a mission is exactly one`, 'remove the `---` separators or split the file'),
    );
  }
  if (!first) {
    diagnostics.push(diagnosticAt(text, 0, file, 'E_SCHEMA_TYPE', 'the file is empty; a mission is a mapping with `steps`'));
    return { parsed: null, diagnostics };
  }
  const fatal = diagnostics.some((d) => !RECOVERABLE.has(d.code));
  return { parsed: fatal ? null : { doc: first, lineCounter, text }, diagnostics };
}

function fromYamlError(e: YAMLError, file: string, text: string, kind: 'error' | 'warning'): Diagnostic {
  const code: ErrorCode =
    e.code === 'DUPLICATE_KEY' ? 'E_YAML_DUPLICATE_KEY'
    : e.code === 'TAG_RESOLVE_FAILED' ? 'E_YAML_UNSUPPORTED_TAG'
    : e.code === 'RESOURCE_EXHAUSTION' ? 'E_INPUT_TOO_DEEP'
    : 'E_YAML_PARSE';
  // prettyErrors appends "at line L, column C:" and a code frame; we carry the position separately.
  const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?\s*$/, '');
  const hint =
    code === 'E_YAML_UNSUPPORTED_TAG' ? 'custom tags are not allowed in missions; remove the tag'
    : code === 'E_YAML_DUPLICATE_KEY' ? 'remove or rename one of the two keys'
    : undefined;
  const d = diagnosticAt(text, e.pos[0], file, code, kind === 'warning' ? `${message} (warning promoted to error)` : message, hint);
  const pos = e.linePos?.[0];
  return pos ? { ...d, line: pos.line, column: pos.col } : d;
}

/**
 * Offset where flow nesting (`[`, `{`) or same-line block nesting (`- - -`) first passes
 * MAX_DEPTH, or null. Runs on yaml's Lexer (it knows quotes, comments and block scalars)
 * before the composer, whose recursion and error formatting blow up on 100,000 `[`.
 */
function findExcessiveNesting(text: string): number | null {
  let offset = 0;
  let flow = 0;
  let lineIndicators = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind') lineIndicators++;
    else if (type === 'newline') lineIndicators = 0;
    if (flow + lineIndicators > MAX_DEPTH) return offset;
    // Lexer control tokens (document, scalar and error markers) are not part of the source.
    if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') offset += token.length;
  }
  return null;
}
