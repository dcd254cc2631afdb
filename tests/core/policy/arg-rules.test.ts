import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { argsMatch, checkArgs, globMatch, parsePolicyText } from '@rustchain/core';

const cases: Array<[string, string[], boolean]> = [
  ['status', ['status'], true],
  ['status', ['status', '--short'], false],
  ['log *', ['log'], true],
  ['log *', ['log', '--oneline', '-n', '3'], true],
  ['log *', ['push'], false],
  ['push origin feature/*', ['push', 'origin', 'feature/x'], true],
  ['push origin feature/*', ['push', 'origin', 'main'], false],
  ['checkout ?', ['checkout', 'a'], true],
  ['checkout ?', ['checkout', 'ab'], false],
  ['', [], true],
  ['', ['x'], false],
];
for (const [pattern, args, expected] of cases) {
  test(`argsMatch('${pattern}', ${JSON.stringify(args)}) is ${expected}`, () => {
    assert.equal(argsMatch(pattern, args), expected);
  });
}

test('checkArgs: commands without rules are unrestricted; with rules, one pattern must match', () => {
  const rules = [{ command: 'git', args: ['status', 'log *'] }];
  assert.equal(checkArgs(rules, ['/usr/bin/git', 'status']), null);
  assert.equal(checkArgs(rules, ['echo', 'anything']), null);
  const denied = checkArgs(rules, ['git', 'push', '--force']);
  assert.equal(denied?.code, 'E_POLICY_COMMAND_DENIED');
  assert.deepEqual(denied?.details['patterns'], ['status', 'log *']);
});

test('ReDoS: pathological glob inputs finish fast (no regex, no backtracking blow-up)', () => {
  const started = performance.now();
  assert.equal(globMatch('*a*a*a*a*a*a*a*b', `${'a'.repeat(50000)}!`), false);
  assert.equal(argsMatch('log *', ['log', `${'a'.repeat(50000)}!`]), true);
  // Coarse hang detector: a backtracking matcher takes minutes on these inputs, a linear one milliseconds.
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
});

test('property: a wildcard-free pattern matches exactly itself; * matches anything', () => {
  const plain = fc.string({ maxLength: 20 }).filter((s) => !s.includes('*') && !s.includes('?'));
  fc.assert(
    fc.property(plain, fc.string({ maxLength: 20 }), (p, other) => {
      assert.equal(globMatch(p, p), true);
      assert.equal(globMatch(p, other), p === other);
      assert.equal(globMatch('*', other), true);
      assert.equal(globMatch(`${p}*`, `${p}${other}`), true);
    }),
    { numRuns: 500 },
  );
});

test('policy file: a valid file round-trips; errors carry line and column', () => {
  const ok = parsePolicyText("commands:\n  allow: [git]\n  rules:\n    - command: git\n      args: ['status']\nlimits: { maxSteps: 5 }\nsandbox: preferred\n", 'p.yaml');
  assert.deepEqual(ok.diagnostics, []);
  assert.equal(ok.policy?.sandbox, 'preferred');
  const bad = parsePolicyText('limits:\n  maxSteps: 0\nnet:\n  allow: 7\nbogus: 1\n', 'p.yaml');
  assert.equal(bad.policy, null);
  assert.deepEqual(
    bad.diagnostics.map((d) => [d.code, d.line, d.pointer]),
    [
      ['E_POLICY_FILE_INVALID', 2, '/limits/maxSteps'],
      ['E_POLICY_FILE_INVALID', 4, '/net/allow'],
      ['E_POLICY_FILE_INVALID', 5, '/bogus'],
    ],
  );
  assert.equal(parsePolicyText('a: &x 1\nb: *x\n', 'p.yaml').diagnostics[0]?.code, 'E_POLICY_FILE_INVALID');
});
