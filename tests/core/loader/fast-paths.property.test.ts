/**
 * Issue 16: the loader's fast paths (core/src/loader/fast-yaml.ts, fast-json.ts, taken by
 * load-tree.ts) against the full path (yaml's CST + composer + the position walk) they
 * replace for plain documents: random missions rendered in many YAML and JSON styles, then
 * randomly corrupted, must give the same tree value, the same Mission (sourceMap included)
 * and the same diagnostics, line:column included, whichever path reads them. So must every
 * corpus file.
 */
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { validateMissionText } from '../../../core/src/index.ts';
import { loadTree, loaderPaths } from '../../../core/src/loader/load-tree.ts';
import { parsePlainJson } from '../../../core/src/loader/fast-json.ts';
import { parsePlainYaml } from '../../../core/src/loader/fast-yaml.ts';
import { CORPUS_DIR, fakeRegistry } from './helpers.ts';

const registry = fakeRegistry();

/** Runs `fn` with the fast paths off. */
function full<T>(fn: () => T): T {
  loaderPaths.fast = false;
  try {
    return fn();
  } finally {
    loaderPaths.fast = true;
  }
}

/** Both paths on one text: same tree value and diagnostics, same validation result. */
function sameBothWays(text: string, file: string): void {
  const fast = loadTree(text, file);
  const slow = full(() => loadTree(text, file));
  assert.deepStrictEqual(fast.tree?.value, slow.tree?.value, 'tree value');
  assert.deepStrictEqual(fast.diagnostics, slow.diagnostics, 'parse diagnostics');
  for (const reg of [null, registry]) {
    const a = validateMissionText(text, file, { registry: reg });
    const b = full(() => validateMissionText(text, file, { registry: reg }));
    assert.deepStrictEqual(a.diagnostics, b.diagnostics, 'diagnostics');
    assert.equal(a.ok, b.ok);
    // deepStrictEqual reads the sourceMap getter: the lazily built index must match too.
    assert.deepStrictEqual(a.mission, b.mission, 'mission');
  }
}

/** Strings that stress plain-scalar resolution, quoting and indicators. */
const TRICKY = [
  '', ' ', 'a b', 'true', 'True', 'TRUE', 'yes', 'no', 'on', 'null', 'Null', '~', '1', '-1', '+1', '01', '0o17', '0x1F', '0x1g',
  '1.0', '1.10', '.5', '5.', '1e3', '1E-3', '.inf', '-.Inf', '.nan', '1_000', '12345678901234567890', '0.1e400', 'a: b', 'a:b',
  'a #b', 'a#b', '#a', '- a', '-a', '?a', ':a', ',a', '[a]', '{a}', '&a', '*a', '!a', '|', '>', "'a'", '"a"', "it's", 'say "hi"',
  '%a', '@a', '`a`', 'a\\b', 'back\\slash', 'tab\there', 'line\nbreak', 'two\n\nparas', 'trail\n', ' lead', 'trail ', '---', '...',
  '${{ steps.a.outputs.x }}', '${{ vars.v }}', 'http://x.io:8/p?q=1#f', 'ünï ✓ 🚀', '\u00a0nbsp', 'é: e', '<<', '__proto__',
  'constructor', 'toString', 'valueOf', 'hasOwnProperty', '0', '-0', '+0', '1.', 'e1', '.', '-', '+', '=', '\\u0041',
];

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_ .:/-]{0,10}$/) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
);
const idArb = fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/) }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) });

/** Strings that render as plain scalars and mostly stay strings: documents the fast path reads. */
const plainScalarArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_./-]{0,8}( [a-z0-9]{1,4})?$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,5}\n[a-z]{1,5}(\n\n[a-z]{1,3})?$/) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.boolean() },
);

/** Mission-shaped values whose scalars come from `scalar`. */
function missionArbOf(scalar: fc.Arbitrary<unknown>) {
  const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: scalar },
      { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }) },
    ),
  }));
  return fc.uniqueArray(idArb, { minLength: 0, maxLength: 5 }).chain((ids) =>
    fc.record(
      {
        version: fc.constantFrom<unknown>('1.0', 1.0, 1.1, '1.10', 2, null),
        name: scalar,
        description: scalar,
        vars: fc.dictionary(keyArb, scalar, { maxKeys: 3 }),
        config: fc.record({ fail_fast: fc.boolean(), timeout_seconds: fc.nat(100), max_parallel_steps: fc.integer({ min: -1, max: 4 }) }, { requiredKeys: [] }),
        steps: fc.tuple(
          ...ids.map((id, i) =>
            fc.record(
              {
                id: fc.constant<unknown>(id),
                name: scalar,
                step_type: fc.constantFrom<unknown>('noop', 'command', 'create_file', 'nope', 3),
                depends_on: fc.subarray(ids.slice(0, i + 1)),
                parameters: fc.dictionary(keyArb, valueArb, { maxKeys: 4 }),
                timeout_seconds: fc.integer({ min: -1, max: 100 }),
                extra: valueArb,
              },
              { requiredKeys: ['id', 'step_type'] },
            ),
          ),
        ),
        finally: fc.array(fc.record({ id: idArb, step_type: fc.constant('noop') }), { maxLength: 1 }),
        extra: valueArb,
      },
      { requiredKeys: ['steps'] },
    ),
  );
}
const missionArb = missionArbOf(scalarArb);
const plainMissionArb = missionArbOf(plainScalarArb);

/** Rendering choices, drawn per document (fast-check shrinks them too). */
interface Style {
  indent: number;
  seqAtKeyColumn: boolean;
  quote: Array<'plain' | 'double' | 'single' | 'json'>;
  flow: boolean[];
  block: Array<'|' | '|-' | '>' | '>-' | 'no'>;
  comments: boolean[];
  crlf: boolean;
}
const styleArb: fc.Arbitrary<Style> = fc.record({
  indent: fc.constantFrom(1, 2, 3, 4),
  seqAtKeyColumn: fc.boolean(),
  quote: fc.array(fc.constantFrom('plain', 'double', 'single', 'json'), { minLength: 1, maxLength: 8 }),
  flow: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
  block: fc.array(fc.constantFrom('|', '|-', '>', '>-', 'no'), { minLength: 1, maxLength: 5 }),
  comments: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
  crlf: fc.boolean(),
});

/** Renders a value as block YAML in the drawn style (not always valid, not always the same value: both paths must agree anyway). */
function renderYaml(value: unknown, style: Style): string {
  let n = 0;
  const pick = <T,>(xs: readonly T[]): T => xs[n++ % xs.length]!;
  const scalar = (v: unknown, indent: string): string => {
    if (typeof v !== 'string') return String(v);
    if (v.includes('\n')) {
      const header = pick(style.block);
      if (header !== 'no') return `${header}\n${v.split('\n').map((l) => (l === '' ? '' : `${indent}${l}`)).join('\n')}`;
    }
    switch (pick(style.quote)) {
      case 'plain':
        return v;
      case 'single':
        return `'${v.replaceAll("'", "''")}'`;
      case 'json':
        return JSON.stringify(v);
      case 'double':
        return `"${v.replaceAll('"', '\\"')}"`;
    }
  };
  const flow = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
    if (typeof v === 'object' && v !== null) return `{${Object.entries(v).map(([k, x]) => `${scalar(k, '')}: ${flow(x)}`).join(', ')}}`;
    return scalar(v, '');
  };
  const comment = (): string => (pick(style.comments) ? ' # note' : '');
  const block = (v: unknown, indent: string, out: string[]): void => {
    const deeper = indent + ' '.repeat(style.indent);
    if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item === 'object' && item !== null && !pick(style.flow)) {
          const sub: string[] = [];
          block(item, deeper, sub);
          if (sub.length === 0) out.push(`${indent}- ${Array.isArray(item) ? '[]' : '{}'}`);
          else out.push(`${indent}- ${sub[0]!.slice(deeper.length)}`, ...sub.slice(1));
        } else out.push(`${indent}- ${typeof item === 'object' && item !== null ? flow(item) : scalar(item, deeper)}${comment()}`);
      }
      return;
    }
    if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        const key = scalar(k, deeper);
        if (typeof x === 'object' && x !== null && !pick(style.flow) && Object.keys(x).length > 0) {
          out.push(`${indent}${key}:${comment()}`);
          block(x, Array.isArray(x) && style.seqAtKeyColumn ? indent : deeper, out);
        } else out.push(`${indent}${key}: ${typeof x === 'object' && x !== null ? flow(x) : scalar(x, deeper)}${comment()}`);
      }
      return;
    }
    out.push(`${indent}${scalar(v, deeper)}`);
  };
  const lines: string[] = [];
  if (pick(style.comments)) lines.push('# a mission');
  block(value, '', lines);
  const text = `${lines.join('\n')}\n`;
  return style.crlf ? text.replaceAll('\n', '\r\n') : text;
}

/** A random edit: insert, delete or replace a character, duplicate, drop or re-indent a line. */
const corruptionArb = fc.record({
  kind: fc.constantFrom('insert', 'delete', 'replace', 'dup-line', 'drop-line', 'indent', 'dedent'),
  at: fc.nat(),
  char: fc.constantFrom(' ', ':', '-', '#', '"', "'", '&', '*', '!', '|', '>', '[', ']', '{', '}', ',', '\t', '\n', '\r', 'x', '%', '?', '@', '\\', '0', '.', '\u2028', '\uFEFF'),
});
type Corruption = typeof corruptionArb extends fc.Arbitrary<infer T> ? T : never;

function corrupt(text: string, edits: readonly Corruption[]): string {
  let t = text;
  for (const e of edits) {
    if (t.length === 0) break;
    const at = e.at % t.length;
    const lines = t.split('\n');
    const line = e.at % lines.length;
    switch (e.kind) {
      case 'insert':
        t = t.slice(0, at) + e.char + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + 1);
        break;
      case 'replace':
        t = t.slice(0, at) + e.char + t.slice(at + 1);
        break;
      case 'dup-line':
        lines.splice(line, 0, lines[line]!);
        t = lines.join('\n');
        break;
      case 'drop-line':
        lines.splice(line, 1);
        t = lines.join('\n');
        break;
      case 'indent':
        lines[line] = ` ${lines[line]}`;
        t = lines.join('\n');
        break;
      case 'dedent':
        lines[line] = lines[line]!.replace(/^ /, '');
        t = lines.join('\n');
        break;
    }
  }
  return t;
}

const counts = { yamlFast: 0, yamlRuns: 0, jsonFast: 0, jsonRuns: 0 };
after(() => {
  // How often the fast paths were actually exercised (a test that only ever fell back proves nothing).
  process.stderr.write(`# fast-path share: yaml ${counts.yamlFast}/${counts.yamlRuns}, json ${counts.jsonFast}/${counts.jsonRuns}\n`);
});

describe('loader fast paths: same results as the full path', () => {
  it('random YAML missions in random styles', () => {
    fc.assert(
      fc.property(fc.oneof(missionArb, plainMissionArb), styleArb, (mission, style) => {
        const text = renderYaml(mission, style);
        counts.yamlRuns++;
        if (parsePlainYaml(text) !== undefined) counts.yamlFast++;
        sameBothWays(text, 'm.yaml');
      }),
      { numRuns: 500 },
    );
    assert.ok(counts.yamlFast > 100, `the YAML fast path was taken ${counts.yamlFast} times`);
  });

  it('random YAML missions, corrupted', () => {
    fc.assert(
      fc.property(fc.oneof(missionArb, plainMissionArb), styleArb, fc.array(corruptionArb, { minLength: 1, maxLength: 3 }), (mission, style, edits) => {
        const text = corrupt(renderYaml(mission, style), edits);
        counts.yamlRuns++;
        if (parsePlainYaml(text) !== undefined) counts.yamlFast++;
        sameBothWays(text, 'm.yaml');
      }),
      { numRuns: 600 },
    );
  });

  it('random JSON missions, pretty or compact, corrupted or not', () => {
    fc.assert(
      fc.property(fc.oneof(missionArb, plainMissionArb), fc.constantFrom(0, 1, 2, '\t'), fc.array(corruptionArb, { maxLength: 2 }), (mission, space, edits) => {
        const text = corrupt(JSON.stringify(mission, null, space), edits);
        counts.jsonRuns++;
        if (parsePlainJson(text) !== undefined) counts.jsonFast++;
        sameBothWays(text, 'm.json');
      }),
      { numRuns: 500 },
    );
    assert.ok(counts.jsonFast > 100, `the JSON fast path was taken ${counts.jsonFast} times`);
  });

  it('a byte order mark anywhere in YAML takes the full path (yaml drops one at the start; CI found the key it left)', () => {
    const base = 'version: "1.0"\nname: x\nsteps: []\n';
    for (const at of [0, 1, 16, 22, base.length]) {
      const text = base.slice(0, at) + '\uFEFF' + base.slice(at);
      assert.equal(parsePlainYaml(text), undefined, JSON.stringify(text));
      sameBothWays(text, 'm.yaml');
    }
  });

  it('JSON duplicate and forbidden keys take the full path (and are reported)', () => {
    for (const text of ['{"steps": [], "steps": []}', '{"a": {"x": 1, "x": 2}, "steps": []}', '{"__proto__": {}, "steps": []}', '{"\\u0063onstructor": 1}']) {
      assert.equal(parsePlainJson(text), undefined, text);
      sameBothWays(text, 'm.json');
    }
  });

  it('hand-picked YAML edge cases', () => {
    const cases = [
      'steps:\n- id: a\n  step_type: noop\nname: x\n',
      'steps:\n  - id: a\n    step_type: noop\n    parameters:\n      content: |\n        one\n\n        two\n\n\nname: y\n',
      'a: >-\n  folded\n  text\n\n  para\nsteps: []\n',
      'a: |\n   \n  x\n',
      'a: |\n  x\n    \nb: 1\n',
      'a: |\n  x\n    \n  y\n',
      'a: "x" # c\nb: \'it\'\'s\' # d\n',
      'a: b: c\n',
      'a:\n  - b\n  c: d\n',
      '- a\n- b\n',
      'a: 1\na: 2\n',
      'a: 1\n"a": 2\n',
      '1: x\n1.0: y\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: [1, 2, [3, {b: c}]]\n',
      'a: {b: 1, b: 2}\n',
      'a: [1, ]\n',
      'a: x\n  continued\n',
      'a:\n- 1\n -2\n',
      '  a: 1\n',
      'a: |+\n  keep\n\n',
      'a: |2\n   x\n',
      `${'k'.repeat(600)}: 1\n`,
      'a: "\\x41"\n',
      'a: "\\/"\n',
      'a: "\\ud83d\\ude00"\n',
      'toString: 1\nvalueOf: 2\n',
      '__proto__: 1\n',
      'a:\r\n  b: 1\r\n',
      'a: 1\rb: 2\n',
    ];
    for (const text of cases) sameBothWays(text, 'm.yaml');
  });

  it('every corpus mission', (t) => {
    if (!existsSync(CORPUS_DIR)) return t.skip('corpus not present');
    let fast = 0;
    for (const name of readdirSync(CORPUS_DIR).filter((f) => /\.(ya?ml|json)$/.test(f))) {
      const text = readFileSync(join(CORPUS_DIR, name), 'utf8').replace(/^\uFEFF/, '');
      if ((name.endsWith('.json') ? parsePlainJson(text) : parsePlainYaml(text)) !== undefined) fast++;
      sameBothWays(text, name);
    }
    t.diagnostic(`${fast} corpus files took a fast path`);
    assert.ok(fast >= 20);
  });
});
