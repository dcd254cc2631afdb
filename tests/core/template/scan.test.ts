import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { containsTemplate, scanTemplates } from '../../../core/src/template/scan.ts';
import type { TemplateRef } from '../../../core/src/template/grammar.ts';

describe('scanTemplates: well-formed references', () => {
  const cases: Array<{ text: string; ref: TemplateRef; offset: number }> = [
    { text: '${{ steps.build.outputs.path }}', ref: { kind: 'steps', stepId: 'build', output: 'path' }, offset: 0 },
    { text: '${{steps.a-1.outputs.out_2}}', ref: { kind: 'steps', stepId: 'a-1', output: 'out_2' }, offset: 0 },
    { text: 'x=${{ steps.9.outputs.k }}', ref: { kind: 'steps', stepId: '9', output: 'k' }, offset: 2 },
    { text: 'hello ${{ vars.name }}!', ref: { kind: 'vars', name: 'name' }, offset: 6 },
    { text: '${{\tenv.HOME\t}}', ref: { kind: 'env', name: 'HOME' }, offset: 0 },
    { text: '${{ vars.__proto__ }}', ref: { kind: 'vars', name: '__proto__' }, offset: 0 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.text)} → ${c.ref.kind}`, () => {
      const { refs, problems } = scanTemplates({ p: c.text }, '/steps/0/parameters');
      assert.deepEqual(problems, []);
      assert.equal(refs.length, 1);
      assert.deepEqual(refs[0]!.ref, c.ref);
      assert.equal(refs[0]!.pointer, '/steps/0/parameters/p');
      assert.equal(refs[0]!.offset, c.offset);
      assert.equal(c.text.slice(refs[0]!.offset, refs[0]!.offset + refs[0]!.length), refs[0]!.expression);
    });
  }
});

describe('scanTemplates: syntax problems (nothing is evaluated)', () => {
  const cases: Array<{ text: string; offset: number }> = [
    { text: "${{ this.constructor.constructor('return process')() }}", offset: 0 },
    { text: '${{ process.env }}', offset: 0 },
    { text: 'a ${{ 7*7 }}', offset: 2 },
    { text: '${{ }}', offset: 0 },
    { text: '${{ vars.a + vars.b }}', offset: 0 },
    { text: '${{ steps.a.outputs }}', offset: 0 },
    { text: '${{ steps.a.result.x }}', offset: 0 },
    { text: '${{ secrets.TOKEN }}', offset: 0 },
    { text: '${{ vars.1bad }}', offset: 0 },
    { text: '${{ steps.a b.outputs.c }}', offset: 0 },
    { text: 'unclosed ${{ vars.x', offset: 9 },
    { text: '${{ ${{ vars.x }} }}', offset: 0 },
    { text: '${{ vars.x\n}}', offset: 0 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.text)} is E_TEMPLATE_SYNTAX material at offset ${c.offset}`, () => {
      const { refs, problems } = scanTemplates(c.text);
      assert.equal(refs.length, 0);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.offset, c.offset);
      assert.equal(problems[0]!.pointer, '');
    });
  }
});

describe('scanTemplates: text that is not our syntax stays untouched', () => {
  for (const text of ['{var}', '{{ 7*7 }}', '$HOME', '${HOME}', '$ {{ x }}', '{{steps.a.outputs.b}}', '$${ {x} }']) {
    it(JSON.stringify(text), () => {
      assert.deepEqual(scanTemplates(text), { refs: [], problems: [] });
      assert.equal(containsTemplate(text), false);
    });
  }
});

describe('scanTemplates: walking values', () => {
  it('reports pointers with RFC 6901 escaping, in document order, with several refs per string', () => {
    const value = { 'a/b': ['${{ vars.x }}', { 'm~n': 'p ${{ vars.y }} q ${{ env.Z }}' }], n: 3, t: true, z: null };
    const { refs, problems } = scanTemplates(value, '/steps/1/parameters');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      refs.map((r) => [r.pointer, r.offset]),
      [
        ['/steps/1/parameters/a~1b/0', 0],
        ['/steps/1/parameters/a~1b/1/m~0n', 2],
        ['/steps/1/parameters/a~1b/1/m~0n', 18],
      ],
    );
  });

  it('a template in a mapping key is a problem, not silently kept', () => {
    const { problems } = scanTemplates({ '${{ vars.k }}': 1 });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.pointer, '/${{ vars.k }}');
  });

  it('containsTemplate finds nested strings and keys', () => {
    assert.equal(containsTemplate({ a: [1, { b: 'x ${{ vars.y }}' }] }), true);
    assert.equal(containsTemplate({ '${{': 1 }), true);
    assert.equal(containsTemplate({ a: [1, 'plain', null, { b: false }] }), false);
  });
});
