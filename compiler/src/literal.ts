import { splitTemplate, type TemplateRef } from '@rustchain/core';
import { escapeTemplateText, memberAccess, propertyKey, quote } from './names.ts';

/** Every template reference met while printing, for building the `Ctx` type. */
export interface ReferenceSink {
  add(ref: TemplateRef): void;
}

const INDENT = '  ';
/** Arrays of scalars up to this width stay on one line. */
const INLINE_WIDTH = 72;

/** The accessor expression a reference compiles to, e.g. `c.steps.read_config.outputs.content`. */
function accessorPath(ref: TemplateRef): string {
  switch (ref.kind) {
    case 'steps':
      return `c.steps${memberAccess(ref.stepId)}.outputs${memberAccess(ref.output)}`;
    case 'vars':
      return `c.vars${memberAccess(ref.name)}`;
    case 'env':
      return `c.env${memberAccess(ref.name)}`;
  }
}

/**
 * A string parameter. Without templates: a quoted literal. Exactly one template: an accessor
 * returning the referenced value (its type is kept, as at run time). Templates inside text:
 * an accessor returning a template literal. A malformed `${{` stays literal text (the loader
 * reports it before compile).
 */
function printString(text: string, refs: ReferenceSink): string {
  if (!text.includes('${{')) return quote(text);
  const segments = splitTemplate(text);
  if (segments.some((s) => s.type === 'error')) return quote(text);
  const only = segments[0];
  if (segments.length === 1 && only?.type === 'ref') {
    refs.add(only.ref);
    return `(c: Ctx) => ${accessorPath(only.ref)}`;
  }
  let body = '';
  for (const seg of segments) {
    if (seg.type === 'text') body += escapeTemplateText(seg.text);
    else if (seg.type === 'ref') {
      refs.add(seg.ref);
      body += `\${${accessorPath(seg.ref)}}`;
    }
  }
  return `(c: Ctx) => \`${body}\``;
}

function printNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/** Prints a JSON-like value as a TypeScript expression at the given indentation depth. */
export function printValue(value: unknown, depth: number, refs: ReferenceSink): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return printString(value, refs);
  if (typeof value === 'number') return printNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const pad = INDENT.repeat(depth + 1);
  const close = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => printValue(item, depth + 1, refs));
    const inline = `[${items.join(', ')}]`;
    if (value.every(isScalar) && inline.length <= INLINE_WIDTH && !inline.includes('\n')) return inline;
    return `[\n${items.map((item) => `${pad}${item},\n`).join('')}${close}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, inner]) => `${pad}${propertyKey(key)}: ${printValue(inner, depth + 1, refs)},\n`);
  return `{\n${lines.join('')}${close}}`;
}

/** Prints `['a', 'b']` for a list of ids. */
export function printIdList(ids: readonly string[]): string {
  return `[${ids.map(quote).join(', ')}]`;
}

