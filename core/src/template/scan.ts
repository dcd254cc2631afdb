import { splitTemplate, type TemplateRef } from './grammar.ts';

/** One well-formed template found in a value. */
export interface TemplateOccurrence {
  ref: TemplateRef;
  /** JSON pointer (RFC 6901) of the string holding it, prefixed by the base pointer. */
  pointer: string;
  /** UTF-16 offset of `${{` in that string. */
  offset: number;
  /** Length of the whole `${{ ... }}`. */
  length: number;
  /** The source text, `${{ ... }}`. */
  expression: string;
}

/** A `${{` that is not one of the supported forms (or is unclosed, or sits in a mapping key). */
export interface TemplateSyntaxProblem {
  pointer: string;
  offset: number;
  /** The source text (for an unclosed `${{`, up to 60 characters from it). */
  expression: string;
  message: string;
}

/** Escapes one JSON pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Walks any JSON value and reports every template and every malformed one. Mapping keys are
 * never templated; a key containing `${{` is reported as a problem rather than silently kept.
 */
export function scanTemplates(
  value: unknown,
  basePointer = '',
): { refs: TemplateOccurrence[]; problems: TemplateSyntaxProblem[] } {
  const refs: TemplateOccurrence[] = [];
  const problems: TemplateSyntaxProblem[] = [];
  // Explicit stack: documents are depth-limited by the loader, but this code should not care.
  const stack: Array<[unknown, string]> = [[value, basePointer]];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop()!;
    if (typeof node === 'string') {
      if (!node.includes('${{')) continue;
      for (const seg of splitTemplate(node)) {
        if (seg.type === 'ref') refs.push({ ref: seg.ref, pointer, offset: seg.offset, length: seg.length, expression: seg.expression });
        else if (seg.type === 'error') problems.push({ pointer, offset: seg.offset, expression: seg.expression, message: seg.message });
      }
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${pointer}/${i}`]);
    } else if (typeof node === 'object' && node !== null) {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        const child = `${pointer}/${escapePointerToken(key)}`;
        if (key.includes('${{')) {
          problems.push({ pointer: child, offset: key.indexOf('${{'), expression: key, message: 'templates are not allowed in mapping keys' });
        }
        stack.push([(node as Record<string, unknown>)[key], child]);
      }
    }
  }
  return { refs, problems };
}

/** True when some string (value or key) inside `value` contains `${{`. */
export function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${{');
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      if (key.includes('${{') || containsTemplate((value as Record<string, unknown>)[key])) return true;
    }
  }
  return false;
}
