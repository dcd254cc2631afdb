import type { CST, Document, LineCounter, YAMLError } from 'yaml';
import { yaml } from './yaml-lib.ts';
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
  const tokens = lexAndParse(text);
  if (typeof tokens === 'number') return tooDeep(text, tokens, file);
  if (file.endsWith('.json')) {
    const bad = findJsonSyntaxError(text);
    if (bad) return { parsed: null, diagnostics: [diagnosticAt(text, bad.offset, file, 'E_YAML_PARSE', `invalid JSON: ${bad.message}`)] };
  }
  return compose(text, file, tokens.tokens, tokens.lineCounter);
}

function tooDeep(text: string, offset: number, file: string): ParseOutcome {
  return { parsed: null, diagnostics: [diagnosticAt(text, offset, file, 'E_INPUT_TOO_DEEP', `the document nests deeper than ${MAX_DEPTH} levels`)] };
}

/**
 * What `parseAllDocuments` does, with the lexemes passing through the depth check on their
 * way to the parser: one lexer pass instead of two (the lexer is a sizeable share of the
 * parse), and still nothing reaches the composer, whose recursion and error formatting blow
 * up on 100,000 `[`, before the whole text is known to be shallow enough.
 */
function lexAndParse(text: string): { tokens: CST.Token[]; lineCounter: LineCounter } | number {
  const lineCounter = new (yaml().LineCounter)();
  const parser = new (yaml().Parser)(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  const depth = { offset: 0, flow: 0, lineIndicators: 0 };
  for (const lexeme of new (yaml().Lexer)().lex(text)) {
    if (exceedsDepth(lexeme, depth)) return depth.offset;
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  return { tokens, lineCounter };
}

function compose(text: string, file: string, tokens: CST.Token[], lineCounter: LineCounter): ParseOutcome {
  const docs = Array.from(new (yaml().Composer)({ uniqueKeys: true, version: '1.2' }).compose(tokens));
  const list = Array.isArray(docs) ? docs : [];
  const diagnostics: Diagnostic[] = [];
  const first = list[0];
  for (const doc of list.slice(0, 1)) {
    for (const e of doc.errors) diagnostics.push(fromYamlError(e, file, text, lineCounter, 'error'));
    for (const w of doc.warnings) diagnostics.push(fromYamlError(w, file, text, lineCounter, 'warning'));
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

function fromYamlError(e: YAMLError, file: string, text: string, lineCounter: LineCounter, kind: 'error' | 'warning'): Diagnostic {
  const code: ErrorCode =
    e.code === 'DUPLICATE_KEY' ? 'E_YAML_DUPLICATE_KEY'
    : e.code === 'TAG_RESOLVE_FAILED' ? 'E_YAML_UNSUPPORTED_TAG'
    : e.code === 'RESOURCE_EXHAUSTION' ? 'E_INPUT_TOO_DEEP'
    : 'E_YAML_PARSE';
  // First line only; a message yaml prettified elsewhere ends in "at line L, column C:".
  const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?\s*$/, '');
  const hint =
    code === 'E_YAML_UNSUPPORTED_TAG' ? 'custom tags are not allowed in missions; remove the tag'
    : code === 'E_YAML_DUPLICATE_KEY' ? 'remove or rename one of the two keys'
    : undefined;
  const d = diagnosticAt(text, e.pos[0], file, code, kind === 'warning' ? `${message} (warning promoted to error)` : message, hint);
  // The position yaml's prettyErrors would give (it skips offset -1), without its code frame.
  if (e.pos[0] === -1) return d;
  const pos = lineCounter.linePos(e.pos[0]);
  return { ...d, line: pos.line, column: pos.col };
}

/**
 * Counts one lexeme: true once flow nesting (`[`, `{`) or same-line block nesting (`- - -`)
 * passes MAX_DEPTH, `state.offset` then being where. Runs on yaml's lexemes (the Lexer knows
 * quotes, comments and block scalars).
 */
function exceedsDepth(lexeme: string, state: { offset: number; flow: number; lineIndicators: number }): boolean {
  const type = yaml().CST.tokenType(lexeme);
  if (type === 'flow-seq-start' || type === 'flow-map-start') state.flow++;
  else if (type === 'flow-seq-end' || type === 'flow-map-end') state.flow = Math.max(0, state.flow - 1);
  else if (type === 'seq-item-ind' || type === 'explicit-key-ind') state.lineIndicators++;
  else if (type === 'newline') state.lineIndicators = 0;
  if (state.flow + state.lineIndicators > MAX_DEPTH) return true;
  // Lexer control tokens (document, scalar and error markers) are not part of the source.
  if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') state.offset += lexeme.length;
  return false;
}
