import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveTemplates, type TemplateScope } from '../../../core/src/template/resolve.ts';
import { isRustchainError } from '../../../core/src/errors.ts';

const scope: TemplateScope = {
  steps: {
    build: { path: '/tmp/out', count: 3, ok: true, list: [1, 'two'], obj: { k: 'v' }, nothing: null, evil: '${{ secrets.X }}' },
    shell: { text: '"; rm -rf ~ #' },
  },
  vars: { name: 'world', n: 42, flag: false },
  env: (name) => ({ HOME: '/home/u' } as Record<string, string>)[name],
};

describe('resolveTemplates: values', () => {
  const cases: Array<{ input: unknown; expected: unknown }> = [
    { input: '${{ steps.build.outputs.count }}', expected: 3 },
    { input: '${{steps.build.outputs.ok}}', expected: true },
    { input: '${{ steps.build.outputs.list }}', expected: [1, 'two'] },
    { input: '${{ steps.build.outputs.obj }}', expected: { k: 'v' } },
    { input: '${{ steps.build.outputs.nothing }}', expected: null },
    { input: '${{ vars.n }}', expected: 42 },
    { input: '${{ vars.flag }}', expected: false },
    { input: '${{ env.HOME }}', expected: '/home/u' },
    { input: 'n=${{ vars.n }}', expected: 'n=42' },
    { input: ' ${{ vars.n }}', expected: ' 42' },
    { input: 'hello ${{ vars.name }}, ${{ vars.name }}!', expected: 'hello world, world!' },
    { input: 'list=${{ steps.build.outputs.list }}', expected: 'list=[1,"two"]' },
    { input: 'obj=${{ steps.build.outputs.obj }}', expected: 'obj={"k":"v"}' },
    { input: '${{ vars.name }}${{ vars.n }}', expected: 'world42' },
    // Outputs are data: never re-templated, never interpreted.
    { input: '${{ steps.build.outputs.evil }}', expected: '${{ secrets.X }}' },
    { input: 'echo ${{ steps.build.outputs.evil }}', expected: 'echo ${{ secrets.X }}' },
    { input: '${{ steps.shell.outputs.text }}', expected: '"; rm -rf ~ #' },
    { input: ['${{ vars.n }}', { a: '${{ vars.name }}' }, 7, null], expected: [42, { a: 'world' }, 7, null] },
    { input: '{var} {{ 7*7 }}', expected: '{var} {{ 7*7 }}' },
    { input: 12, expected: 12 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.input)} → ${JSON.stringify(c.expected)}`, () => {
      assert.deepEqual(resolveTemplates(c.input, scope), c.expected);
    });
  }

  it('does not modify its input and returns fresh containers', () => {
    const input = { a: ['${{ vars.n }}'], b: { c: 'x' } };
    const copy = structuredClone(input);
    const out = resolveTemplates(input, scope) as typeof input;
    assert.deepEqual(input, copy);
    assert.notEqual(out.a, input.a);
    assert.notEqual(out.b, input.b);
  });

  it('a `__proto__` key stays an own data property and never changes a prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "${{ vars.name }}"}}') as Record<string, unknown>;
    const out = resolveTemplates(input, scope) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: 'world' });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('resolveTemplates: errors', () => {
  const cases: Array<{ input: string; code: string }> = [
    { input: '${{ steps.ghost.outputs.x }}', code: 'E_TEMPLATE_UNKNOWN_STEP' },
    { input: '${{ steps.build.outputs.ghost }}', code: 'E_TEMPLATE_UNKNOWN_OUTPUT' },
    { input: 'x ${{ vars.ghost }}', code: 'E_TEMPLATE_UNKNOWN_VAR' },
    { input: '${{ env.UNSET_VARIABLE }}', code: 'E_TEMPLATE_UNKNOWN_VAR' },
    // Prototype members are not variables, outputs or steps.
    { input: '${{ vars.constructor }}', code: 'E_TEMPLATE_UNKNOWN_VAR' },
    { input: '${{ vars.__proto__ }}', code: 'E_TEMPLATE_UNKNOWN_VAR' },
    { input: '${{ steps.build.outputs.constructor }}', code: 'E_TEMPLATE_UNKNOWN_OUTPUT' },
    { input: '${{ steps.toString.outputs.x }}', code: 'E_TEMPLATE_UNKNOWN_STEP' },
    { input: 'a ${{ process.env }}', code: 'E_TEMPLATE_SYNTAX' },
    { input: '${{ vars.name', code: 'E_TEMPLATE_SYNTAX' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.input)} → ${c.code}`, () => {
      assert.throws(
        () => resolveTemplates({ p: c.input }, scope),
        (e: unknown) => isRustchainError(e) && e.code === c.code && e.nonRetryable,
      );
    });
  }
});

describe('resolveTemplates properties', () => {
  it('values without `${{` come back deep-equal', () => {
    const json = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('${{'));
    fc.assert(fc.property(json, (v) => assert.deepEqual(resolveTemplates(v, scope), v)), { numRuns: 200 });
  });

  it('any string output is substituted verbatim, whatever it contains', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (output, prefix) => {
        const s: TemplateScope = { ...scope, steps: { a: { o: output } } };
        assert.equal(resolveTemplates('${{ steps.a.outputs.o }}', s), output);
        const clean = prefix.replaceAll('$', '');
        assert.equal(resolveTemplates(`${clean}\${{ steps.a.outputs.o }}`, s), clean + output);
      }),
      { numRuns: 200 },
    );
  });
});
