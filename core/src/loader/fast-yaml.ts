import { MAX_DEPTH } from './parse.ts';
import { FORBIDDEN_KEYS } from './tree.ts';

/**
 * The fast path for YAML missions: a line-oriented reader of the plain subset people write
 * missions in — block mappings and sequences, single-line plain and quoted scalars, one-line
 * flow collections, comments — returning exactly the value the full path (yaml's composer and
 * the tree walk, YAML 1.2 core schema) gives, for documents on which the full path reports
 * nothing. Whatever is outside that subset or in doubt (anchors, aliases, tags, block and
 * multi-line scalars, explicit keys, directives, several documents, tabs, CR, duplicate or
 * forbidden keys, deep nesting, anything malformed) makes it give up: the caller then takes
 * the full path, which owns every diagnostic. tests/core/loader/fast-paths.property.test.ts
 * holds both paths to the same Mission and diagnostics on random and corrupted documents.
 */

/** Thrown to leave the subset; never escapes this module. */
class NotPlain {}
const GIVE_UP = new NotPlain();

/** Nesting this close to MAX_DEPTH goes the full way, which owns the E_INPUT_TOO_DEEP rules. */
const DEPTH_LIMIT = MAX_DEPTH - 4;
/** Keys longer than this take the full path (yaml limits implicit keys to 1024 characters). */
const LONG_KEY = 512;

/** The value of `text`, or undefined when the full path must read it. */
export function parsePlainYaml(text: string): { value: unknown } | undefined {
  // Tabs, a CR not ending a line, the Unicode line-ish characters and a byte order mark (which
  // yaml drops at a document's start) have their own rules in YAML: the full path.
  if (text.includes('\t') || /[\u0085\u2028\u2029\uFEFF]|\r(?!\n)/.test(text)) return undefined;
  try {
    const reader = new PlainReader(new Lines(text.includes('\r') ? text.split('\r\n').join('\n') : text));
    const value = reader.document();
    return { value };
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

function giveUp(): never {
  throw GIVE_UP;
}

/** First characters that make a plain scalar something else (YAML c-indicators) or doubtful. */
const NOT_PLAIN_START = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

/** Whether a plain scalar may start at `at`: no indicator first, except `-` glued to what follows (`-1`). */
function plainStart(line: string, at: number): boolean {
  const c = line[at];
  if (c === undefined) return false;
  if (c !== '-') return !NOT_PLAIN_START.has(c);
  const next = line[at + 1];
  return next !== undefined && next !== ' ' && !NOT_PLAIN_START.has(next);
}

/** First characters of the core schema's non-string plain scalars: `~`, n/N(ull), t/T(rue), f/F(alse), digits, sign, dot. */
const SPECIAL_FIRST: ReadonlySet<number> = new Set([...'~nNtTfF0123456789+-.'].map((c) => c.charCodeAt(0)));

/** Plain scalar → value, by the YAML 1.2 core schema as `yaml` resolves it (same tests, same order). */
function resolvePlain(s: string): unknown {
  // Most scalars and keys are words (`id`, `s12`, `step_type`): one whose first character can
  // start neither a null, a boolean nor a number is itself, with no regex run.
  if (s.length > 0 && !SPECIAL_FIRST.has(s.charCodeAt(0))) return s;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s)) return s[0] === 't' || s[0] === 'T';
  const c = s.charCodeAt(0);
  // Every numeric form starts with a digit, a sign or a dot: strings skip the regexes below.
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return s;
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) {
    return s.slice(-3).toLowerCase() === 'nan' ? Number.NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

/** Sets `out[key]` as the tree walk does: never through an inherited setter; duplicates and forbidden keys give up. */
function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (FORBIDDEN_KEYS.has(key) || key.length > LONG_KEY || key === '<<' || Object.hasOwn(out, key)) giveUp();
  if (key in Object.prototype) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Index of the first non-space character of `line` at or after `from` (line.length if none). */
function skipSpaces(line: string, from: number): number {
  let i = from;
  while (i < line.length && line.charCodeAt(i) === 0x20) i++;
  return i;
}

/** Whether what follows `at` is nothing or a comment (after at least one space, or at the start). */
function restIsEmpty(line: string, at: number): boolean {
  const i = skipSpaces(line, at);
  return i === line.length || (line.charCodeAt(i) === 0x23 && (i === 0 || i > at || line.charCodeAt(i - 1) === 0x20));
}

/** A scalar or flow value read from one line: the value and where the line continues. */
interface Inline {
  value: unknown;
  end: number;
}

/**
 * The lines of a text by index, each sliced when asked for (the last one kept): an array of
 * every line of a 100,000-step mission was ~12 MB that lived through the whole parse.
 */
class Lines {
  readonly length: number;
  /** Offset of each line's first character, and text.length + 1 after the last. */
  private readonly starts: Int32Array;
  private lastIndex = -1;
  private last = '';

  constructor(private readonly text: string) {
    let count = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
    this.length = count;
    this.starts = new Int32Array(count + 1);
    let n = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.starts[n++] = at + 1;
    this.starts[count] = text.length + 1;
  }

  /** Line `i` without its newline, as `text.split('\n')[i]`. */
  at(i: number): string {
    if (i !== this.lastIndex) {
      this.last = this.text.slice(this.starts[i]!, this.starts[i + 1]! - 1);
      this.lastIndex = i;
    }
    return this.last;
  }
}

/** The line-oriented reader; `i` is the current line. */
class PlainReader {
  private i = 0;
  /** The line nextContent last stopped at, and its indentation. */
  private contentLine = -1;
  private contentIndent = 0;

  constructor(private readonly lines: Lines) {}

  /** The document: one block mapping or sequence starting at column 0, nothing after it. */
  document(): unknown {
    const indent = this.nextContent();
    if (indent !== 0) giveUp();
    const line = this.lines.at(this.i);
    const value = isSeqEntry(line, 0) ? this.sequence(0, 0, 0) : this.mapping(0, 0, 0);
    if (this.nextContent() !== -1) giveUp();
    return value;
  }

  /**
   * Moves to the next line holding content and returns its indentation (-1 at the end).
   * Blank and comment lines are skipped; document markers and directives give up.
   */
  private nextContent(): number {
    // Asked twice in a row after most entries: the answer for a line is kept until the reader moves.
    if (this.i === this.contentLine) return this.contentIndent;
    for (; this.i < this.lines.length; this.i++) {
      const line = this.lines.at(this.i);
      const at = skipSpaces(line, 0);
      if (at === line.length || line.charCodeAt(at) === 0x23) continue;
      if (at === 0 && (line.startsWith('---') || line.startsWith('...') || line.charCodeAt(0) === 0x25)) giveUp();
      this.contentLine = this.i;
      this.contentIndent = at;
      return at;
    }
    return -1;
  }

  /**
   * A block mapping whose keys sit at column `indent`; its first entry starts at `from` on
   * the current line (later than the indentation in a compact `- key: value`).
   */
  private mapping(indent: number, from: number, depth: number): Record<string, unknown> {
    if (depth > DEPTH_LIMIT) giveUp();
    const out: Record<string, unknown> = {};
    let at = from;
    for (;;) {
      const line = this.lines.at(this.i);
      SIMPLE_ENTRY.lastIndex = at;
      const simple = SIMPLE_ENTRY.exec(line);
      let key: string;
      let end = -1;
      if (simple !== null) key = String(resolvePlain(simple[1]!));
      else ({ key, end } = readKey(line, at));
      if (simple !== null ? simple[2] === undefined && simple[3] === undefined && simple[4] === undefined : restIsEmpty(line, end)) {
        this.i++;
        setKey(out, key, this.blockValue(indent, true, depth + 1));
      } else {
        setKey(out, key, simple !== null ? this.simpleValue(simple, depth + 1) : this.lineValue(line, skipSpaces(line, end), indent, depth + 1));
        // A deeper line after a value would continue it (multi-line) or be an error.
        if (this.nextContent() > indent) giveUp();
      }
      const next = this.nextContent();
      if (next < indent) return out;
      if (next > indent || isSeqEntry(this.lines.at(this.i), indent)) giveUp();
      at = indent;
    }
  }

  /** A block sequence whose `-` sit at column `indent`, from the current line. */
  private sequence(indent: number, from: number, depth: number): unknown[] {
    if (depth > DEPTH_LIMIT) giveUp();
    const out: unknown[] = [];
    let at = from;
    for (;;) {
      const line = this.lines.at(this.i);
      if (!isSeqEntry(line, at)) giveUp();
      const itemAt = skipSpaces(line, at + 1);
      if (restIsEmpty(line, at + 1)) {
        this.i++;
        out.push(this.blockValue(indent, false, depth + 1));
      } else if (itemAt === at + 1) giveUp();
      else if (isSeqEntry(line, itemAt)) giveUp();
      else if (startsEntry(line, itemAt)) {
        // `- key: value`: a mapping whose keys line up with `key`.
        out.push(this.mapping(itemAt, itemAt, depth + 1));
        const next = this.nextContent();
        if (next < indent || (next === indent && !isSeqEntry(this.lines.at(this.i), indent))) return exact(out);
        if (next > indent) giveUp();
        at = indent;
        continue;
      } else {
        out.push(this.lineValue(line, itemAt, indent, depth + 1));
        if (this.nextContent() > indent) giveUp();
      }
      const next = this.nextContent();
      // A line at the column that is no `-` ends a sequence written at its key's column.
      if (next > indent) giveUp();
      if (next < indent || !isSeqEntry(this.lines.at(this.i), indent)) return exact(out);
      at = indent;
    }
  }

  /** The value of a SIMPLE_ENTRY match that has one (a word, a flow sequence of words, a quoted string), leaving the reader after its line. */
  private simpleValue(match: RegExpExecArray, depth: number): unknown {
    this.i++;
    if (match[2] !== undefined) return resolvePlain(match[2]);
    if (match[4] !== undefined) return match[4];
    // As readFlow: a flow collection is one level deeper than its key.
    if (depth > DEPTH_LIMIT) giveUp();
    const inner = match[3]!;
    if (inner === '') return [];
    const words: unknown[] = inner.split(',');
    for (let k = 0; k < words.length; k++) words[k] = resolvePlain((words[k] as string).trim());
    return words;
  }

  /**
   * A value that starts at `at` on the current line — a scalar, a one-line flow collection, or
   * a block scalar (`|`, `>`) whose lines follow — leaving the reader after it.
   */
  private lineValue(line: string, at: number, parentIndent: number, depth: number): unknown {
    const c = line[at];
    if (c === '|' || c === '>') return this.blockScalar(line, at, parentIndent);
    const inline = readInline(line, at, depth);
    if (!restIsEmpty(line, inline.end)) giveUp();
    this.i++;
    return inline.value;
  }

  /**
   * A literal (`|`, `|-`) or folded (`>`, `>-`) block scalar whose header is at `at`, its
   * content indented deeper than `parentIndent`. Given up: `+` (keep), an explicit indentation
   * indicator, an empty body, all-space lines longer than the indentation, and folded text
   * with more-indented lines (their folding rules differ).
   */
  private blockScalar(line: string, at: number, parentIndent: number): string {
    const folded = line[at] === '>';
    let i = at + 1;
    const strip = line[i] === '-';
    if (strip) i++;
    if (!restIsEmpty(line, i) || (i < line.length && line[i] !== ' ')) giveUp();
    const body: string[] = [];
    let indent = -1;
    let leadingBlank = 0;
    // Spaces beyond the indentation on an otherwise empty line are content, except at the end.
    let trailingSpaces = false;
    let j = this.i + 1;
    for (; j < this.lines.length; j++) {
      const text = this.lines.at(j);
      const lead = skipSpaces(text, 0);
      if (lead === text.length) {
        if (indent === -1) leadingBlank = Math.max(leadingBlank, lead);
        else if (lead > indent) {
          if (folded) giveUp();
          body.push(text.slice(indent));
          trailingSpaces = true;
          continue;
        }
        body.push('');
        continue;
      }
      if (indent === -1) {
        if (lead <= parentIndent) break;
        indent = lead;
        // Leading empty lines may not be more indented than the first text line (a YAML error).
        if (leadingBlank > indent) giveUp();
      }
      if (lead < indent) break;
      if (folded && lead > indent) giveUp();
      body.push(text.slice(indent));
      trailingSpaces = false;
    }
    if (indent === -1 || trailingSpaces) giveUp();
    this.i = j;
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    const value = folded ? fold(body) : body.join('\n');
    return strip ? value : `${value}\n`;
  }

  /**
   * The value of `key:` or `-` with nothing after it on the line: a deeper block node, a
   * sequence at the key's own column (only for a mapping value), or null.
   */
  private blockValue(parentIndent: number, inMapping: boolean, depth: number): unknown {
    const next = this.nextContent();
    if (next === -1) return null;
    const line = this.lines.at(this.i);
    if (next > parentIndent) return isSeqEntry(line, next) ? this.sequence(next, next, depth) : startsEntry(line, next) ? this.mapping(next, next, depth) : giveUp();
    if (inMapping && next === parentIndent && isSeqEntry(line, next)) return this.sequence(next, next, depth);
    return null;
  }
}

/**
 * The usual entry line, matched at its key by one native regex instead of the character
 * loops below (a short CLI run executes this code mostly unoptimised, where a regex costs the
 * same as when hot): a word key, then nothing (a block value follows), a word, a flow sequence
 * of words, or a double-quoted string without escapes; spaces after it, no comment. A word
 * (`[A-Za-z0-9_][A-Za-z0-9_./-]*`) can start with no indicator and holds none of `: `, ` #`,
 * `,`, brackets, `:` or `#`, so the character loops would read the same text out of it and
 * resolve it by the same resolvePlain. Anything else on the line takes those loops.
 */
// eslint-disable-next-line no-control-regex -- the control characters JSON refuses raw in a string: such a line takes the loops
const SIMPLE_ENTRY = /([A-Za-z_][\w-]*):(?: +(?:([A-Za-z0-9_][\w./-]*)|\[ *((?:[A-Za-z0-9_][\w./-]*(?: *, *[A-Za-z0-9_][\w./-]*)*)?) *\]|"([^"\\\x00-\x1f]*)"))? *$/y;

/** A pushed-to array copied to exactly its length (push leaves spare capacity; the tree lives through validation). */
function exact(items: unknown[]): unknown[] {
  return items.slice();
}

/** Folds block-scalar lines (all at the same indentation): a break between text becomes a space, n empty lines n breaks. */
function fold(lines: readonly string[]): string {
  let out = '';
  let empty = 0;
  let started = false;
  for (const text of lines) {
    if (text === '') {
      empty++;
      continue;
    }
    if (started) out += empty > 0 ? '\n'.repeat(empty) : ' ';
    else out += '\n'.repeat(empty);
    out += text;
    empty = 0;
    started = true;
  }
  return out;
}

/** `-` followed by a space or the end of the line, at `at`. */
function isSeqEntry(line: string, at: number): boolean {
  return line.charCodeAt(at) === 0x2d && (at + 1 === line.length || line.charCodeAt(at + 1) === 0x20);
}

/** Whether a mapping entry (`key: ...`) starts at `at`. */
function startsEntry(line: string, at: number): boolean {
  const c = line[at]!;
  if (c === '"' || c === "'") {
    const end = quotedEnd(line, at);
    return end !== -1 && line.charCodeAt(end) === 0x3a;
  }
  if (!plainStart(line, at)) return false;
  const colon = entryColon(line, at);
  return colon !== -1;
}

/** Offset of the `:` ending a plain key that starts at `at`, or -1 when the line holds no entry. */
function entryColon(line: string, at: number): number {
  for (let i = at; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x3a && (i + 1 === line.length || line.charCodeAt(i + 1) === 0x20)) return i;
    if (c === 0x23 && line.charCodeAt(i - 1) === 0x20) return -1;
  }
  return -1;
}

/** A mapping key at `at` and the offset after its `:`. */
function readKey(line: string, at: number): { key: string; end: number } {
  const c = line[at]!;
  if (c === '"' || c === "'") {
    const end = quotedEnd(line, at);
    if (end === -1 || end - at > LONG_KEY || line.charCodeAt(end) !== 0x3a || !(end + 1 === line.length || line.charCodeAt(end + 1) === 0x20)) giveUp();
    return { key: quotedValue(line, at, end), end: end + 1 };
  }
  if (!plainStart(line, at)) giveUp();
  const colon = entryColon(line, at);
  if (colon === -1 || colon - at > LONG_KEY) giveUp();
  const raw = line.slice(at, colon).trimEnd();
  if (raw === '' || raw.includes(': ') || raw.includes(' #')) giveUp();
  return { key: String(resolvePlain(raw)), end: colon + 1 };
}

/** Offset just after the closing quote of the quoted scalar at `at`, or -1 if it does not close on this line. */
function quotedEnd(line: string, at: number): number {
  const q = line.charCodeAt(at);
  for (let i = at + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (q === 0x22 && c === 0x5c) i++;
    else if (c === q) {
      if (q === 0x27 && line.charCodeAt(i + 1) === 0x27) i++;
      else return i + 1;
    }
  }
  return -1;
}

/** The value of the quoted scalar `line[at, end)`. Double quotes: the escapes JSON shares with YAML only. */
function quotedValue(line: string, at: number, end: number): string {
  const body = line.slice(at, end);
  if (body.charCodeAt(0) === 0x27) return body.slice(1, -1).replaceAll("''", "'");
  try {
    return JSON.parse(body) as string;
  } catch {
    return giveUp();
  }
}

/** A scalar or a one-line flow collection at `at` (a block value on the key's line). */
function readInline(line: string, at: number, depth: number): Inline {
  const c = line[at]!;
  if (c === '"' || c === "'") {
    const end = quotedEnd(line, at);
    if (end === -1) giveUp();
    return { value: quotedValue(line, at, end), end };
  }
  if (c === '[' || c === '{') {
    const flow = readFlow(line, at, depth);
    // `[a]: b` (a collection as a key) and anything glued to the collection: the full path.
    return flow;
  }
  if (!plainStart(line, at)) giveUp();
  let end = line.length;
  for (let i = at; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 0x23 && line.charCodeAt(i - 1) === 0x20) {
      end = i;
      break;
    }
    // `: ` inside a value would make it a mapping (an error there): the full path reports it.
    if (ch === 0x3a && (i + 1 === line.length || line.charCodeAt(i + 1) === 0x20)) giveUp();
  }
  const raw = line.slice(at, end).trimEnd();
  return { value: resolvePlain(raw), end: at + raw.length };
}

/** A flow sequence or mapping that opens at `at` and closes on the same line. */
function readFlow(line: string, at: number, depth: number): Inline {
  if (depth > DEPTH_LIMIT) giveUp();
  const seq = line[at] === '[';
  const close = seq ? ']' : '}';
  const out: unknown[] | Record<string, unknown> = seq ? [] : {};
  let i = skipSpaces(line, at + 1);
  if (line[i] === close) return { value: out, end: i + 1 };
  for (;;) {
    if (seq) {
      const item = readFlowItem(line, i, depth + 1);
      (out as unknown[]).push(item.value);
      i = skipSpaces(line, item.end);
    } else {
      const key = readFlowItem(line, i, depth + 1, true);
      if (key.end - i > LONG_KEY) giveUp();
      i = key.end;
      if (line[i] !== ':' || line[i + 1] !== ' ') giveUp();
      const value = readFlowItem(line, skipSpaces(line, i + 1), depth + 1);
      setKey(out as Record<string, unknown>, String(key.value), value.value);
      i = skipSpaces(line, value.end);
    }
    if (line[i] === close) return { value: seq ? exact(out as unknown[]) : out, end: i + 1 };
    if (line[i] !== ',') giveUp();
    i = skipSpaces(line, i + 1);
    // A trailing comma, an empty entry or the end of the line: the full path decides.
    if (i >= line.length || line[i] === ',' || line[i] === close) giveUp();
  }
}

/** One entry of a flow collection: a quoted or plain scalar, or a nested flow collection. */
function readFlowItem(line: string, at: number, depth: number, key = false): Inline {
  const c = line[at];
  if (c === undefined) giveUp();
  if (c === '"' || c === "'") {
    const end = quotedEnd(line, at);
    if (end === -1) giveUp();
    return { value: quotedValue(line, at, end), end };
  }
  if (c === '[' || c === '{') {
    if (key) giveUp();
    return readFlow(line, at, depth);
  }
  if (!plainStart(line, at)) giveUp();
  let i = at;
  for (; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
    // Plain scalars with `:` or `#` inside a flow collection have subtle rules: the full path.
    if (ch === ':') {
      if (key && line[i + 1] === ' ') break;
      giveUp();
    }
    if (ch === '#') giveUp();
  }
  if (line[i] === '[' || line[i] === '{') giveUp();
  const raw = line.slice(at, i).trimEnd();
  if (raw === '') giveUp();
  return { value: resolvePlain(raw), end: at + raw.length };
}
