/**
 * The whole template grammar, logic-less by design (SECURITY-CATALOGUE case 15): a `${{ }}`
 * holds exactly one of three dotted references. Nothing is ever evaluated, so there is no
 * expression language to escape from. Single-brace `{var}` and `{{x}}` (original RustChain
 * text) are not ours and stay literal.
 */

/** What a template points at. */
export type TemplateRef =
  | { kind: 'steps'; stepId: string; output: string }
  | { kind: 'vars'; name: string }
  | { kind: 'env'; name: string };

/** One piece of a string: literal text, a reference, or a malformed `${{`. */
export type Segment =
  | { type: 'text'; text: string }
  | { type: 'ref'; ref: TemplateRef; offset: number; length: number; expression: string }
  | { type: 'error'; offset: number; expression: string; message: string };

const OPEN = '${{';
const CLOSE = '}}';
/** Longest excerpt kept for an unclosed `${{` in a diagnostic. */
const EXCERPT = 60;

const STEPS = /^[ \t]*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)[ \t]*$/;
const VARS = /^[ \t]*vars\.([A-Za-z_][A-Za-z0-9_-]*)[ \t]*$/;
const ENV = /^[ \t]*env\.([A-Za-z_][A-Za-z0-9_-]*)[ \t]*$/;

/** Parses the text between `${{` and `}}`; null when it is not one of the three forms. */
export function parseExpression(inner: string): TemplateRef | null {
  let m = STEPS.exec(inner);
  if (m) return { kind: 'steps', stepId: m[1]!, output: m[2]! };
  m = VARS.exec(inner);
  if (m) return { kind: 'vars', name: m[1]! };
  m = ENV.exec(inner);
  if (m) return { kind: 'env', name: m[1]! };
  return null;
}

/**
 * Splits a string into segments. An expression ends at the first `}}`; a `${{` inside it
 * makes it malformed (no nesting). Offsets are UTF-16 indices into `text`.
 */
export function splitTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf(OPEN, from);
    if (open === -1) break;
    if (open > from) segments.push({ type: 'text', text: text.slice(from, open) });
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close === -1) {
      segments.push({
        type: 'error',
        offset: open,
        expression: text.slice(open, open + EXCERPT),
        message: 'unclosed `${{`: add `}}`',
      });
      return segments;
    }
    const end = close + CLOSE.length;
    const expression = text.slice(open, end);
    const inner = text.slice(open + OPEN.length, close);
    const ref = inner.includes(OPEN) ? null : parseExpression(inner);
    if (ref) segments.push({ type: 'ref', ref, offset: open, length: end - open, expression });
    else segments.push({ type: 'error', offset: open, expression, message: syntaxHint(inner) });
    from = end;
  }
  if (from < text.length) segments.push({ type: 'text', text: text.slice(from) });
  return segments;
}

/** Says which forms exist; the message never echoes an interpretation of the input. */
function syntaxHint(inner: string): string {
  const trimmed = inner.trim();
  if (trimmed === '') return 'empty `${{ }}`: use steps.<id>.outputs.<key>, vars.<name> or env.<NAME>';
  return 'unsupported template expression: only steps.<id>.outputs.<key>, vars.<name> and env.<NAME> are allowed';
}
