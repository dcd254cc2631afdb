/** Identifier and literal spelling for generated code. */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words a generated binding may not take (JS reserved words and the module's own names). */
const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null',
  'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments',
  'eval', 'undefined', 'NaN', 'Infinity', 'as', 'async', 'of', 'satisfies', 'type',
  'manifest', 'schedule', 'vars', 'parameters', 'Ctx', 'defineCompiledMission', 'ParamsOf', 'OutputsOf',
  'CompiledManifest', 'CompiledSchedule',
]);

/** True when `name` can be written as `obj.name` / `{ name: ... }` without quotes. */
function isIdentifierName(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** A single-quoted JS string literal. */
export function quote(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** Escapes literal text for the inside of a backtick template literal. */
export function escapeTemplateText(text: string): string {
  return quote(text).slice(1, -1).replace(/\\'/g, "'").replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

/** A property key: bare when it is an identifier name, quoted otherwise. */
export function propertyKey(name: string): string {
  return isIdentifierName(name) ? name : quote(name);
}

/** `.name` or `['name']`, whichever is valid. */
export function memberAccess(name: string): string {
  return isIdentifierName(name) ? `.${name}` : `[${quote(name)}]`;
}

/** `create_file` → `createFile`; the import binding for a step type's plugin. */
export function camelCase(type: string): string {
  const parts = type.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = parts.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1))).join('');
  return joined === '' ? 'plugin' : joined;
}

/** Hands out unique, valid, non-reserved bindings in call order (so output stays deterministic). */
export class BindingNames {
  readonly #used = new Set<string>();

  /** A unique binding derived from `wanted`. */
  take(wanted: string): string {
    let base = wanted.replace(/[^A-Za-z0-9_$]/g, '_');
    if (base === '' || /^[0-9]/.test(base)) base = `_${base}`;
    if (RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let n = 2; this.#used.has(name); n++) name = `${base}_${n}`;
    this.#used.add(name);
    return name;
  }
}
