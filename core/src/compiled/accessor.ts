/**
 * Turns the typed template accessors of a compiled module back into `${{ }}` template
 * strings, so compiled and interpreted runs resolve templates with the same code.
 *
 * An accessor such as `(c: Ctx) => \`v=${c.steps.a.outputs.n}\`` is called once with a
 * recording proxy: every property read extends a path, and a path used in a string (or
 * returned whole) becomes `${{ steps.a.outputs.n }}`. The accessor is therefore real,
 * type-checked code that evaluates to exactly the template it was compiled from.
 */

const PATH = Symbol('rustchain.templatePath');

interface PathNode {
  readonly [PATH]: readonly string[];
}

function templateOf(path: readonly string[]): string {
  return `\${{ ${path.join('.')} }}`;
}

function recorder(path: readonly string[]): PathNode {
  const target = { [PATH]: path } as PathNode;
  return new Proxy(target, {
    get(_target, key) {
      if (key === PATH) return path;
      if (key === Symbol.toPrimitive) return () => templateOf(path);
      if (key === 'toString' || key === 'valueOf' || key === 'toJSON') return () => templateOf(path);
      if (typeof key === 'symbol') return undefined;
      return recorder([...path, key]);
    },
  });
}

function isPathNode(value: unknown): value is PathNode {
  return typeof value === 'object' && value !== null && Array.isArray((value as PathNode)[PATH]);
}

/** Evaluates one accessor against the recording context; returns its template string. */
function evaluate(accessor: (c: unknown) => unknown): unknown {
  const result = accessor(recorder([]));
  if (isPathNode(result)) return templateOf(result[PATH]);
  return materialiseParameters(result);
}

/**
 * Deep copy of compiled parameters with every accessor replaced by the template string it
 * stands for. Plain values are copied as they are.
 */
export function materialiseParameters(value: unknown): unknown {
  if (typeof value === 'function') return evaluate(value as (c: unknown) => unknown);
  if (Array.isArray(value)) return value.map(materialiseParameters);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so even a `__proto__` key stays plain data.
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, materialiseParameters(inner)]));
  }
  return value;
}
