import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateMissionText } from '@rustchain/core';
import { assertRefused, inProject, SENTINEL_STEP } from './harness.ts';

/**
 * Loads `text` with the file loader the CLI uses, in a fresh process, and reports whether
 * that process's Object.prototype was polluted: the check must run where the loading ran.
 */
function pollutedInChild(text: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'rustchain-shape-'));
  try {
    writeFileSync(join(dir, 'm.yaml'), text);
    const script = "const core = await import('@rustchain/core'); await core.validateMission(process.argv.at(-1)); " +
      "process.stdout.write(JSON.stringify(({}).isAdmin !== undefined || Object.prototype.hasOwnProperty('isAdmin')));";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(dir, 'm.yaml')], { encoding: 'utf8' });
    return JSON.parse(out) as boolean;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Catalogue A (6-10): inputs rejected while parsing and validating, before any step runs. */

const steps = (body: string): string => `steps:\n${SENTINEL_STEP}${body}`;

for (const [name, text, pointer] of [
  ['__proto__ in step parameters', steps('  - id: p\n    step_type: noop\n    parameters:\n      __proto__: { isAdmin: true }\n'), '/steps/1/parameters/__proto__'],
  ['constructor.prototype at top level', `constructor: { prototype: { isAdmin: true } }\n${steps('')}`, '/constructor'],
  ['<< merge of an anchor carrying __proto__', `base: &b { __proto__: { isAdmin: true } }\n${steps('  - id: p\n    step_type: noop\n    parameters:\n      <<: *b\n')}`, '/base/__proto__'],
] as const) {
  test(`#6 prototype pollution: ${name}`, async () => {
    const result = validateMissionText(text, 'm.yaml');
    assert.ok(result.diagnostics.some((d) => d.code === 'E_SCHEMA_FORBIDDEN_KEY'));
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    await inProject({ 'm.yaml': text }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_SCHEMA_FORBIDDEN_KEY', { pointer }));
    assert.equal(pollutedInChild(text), false, 'a fresh process that loaded the file has a clean Object.prototype');
  });
}

test('#7 multiple YAML documents', async () => {
  await inProject({ 'm.yaml': `${steps('')}---\n${steps('')}` }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_YAML_MULTI_DOC', { line: 5 }));
});

test('#8 unknown step type kernel_module is refused (allowlist of installed types)', async () => {
  await inProject({ 'm.yaml': steps('  - id: k\n    step_type: kernel_module\n') }, ['mission', 'execute', 'm.yaml'], (c) =>
    assertRefused(c, 'E_STEP_TYPE_UNKNOWN', { line: 6 }),
  );
});

test('#8 an installed step type outside policy.stepTypes is E_POLICY_STEP_TYPE_DENIED', async () => {
  await inProject(
    { 'm.yaml': steps('  - id: n\n    step_type: noop\n'), 'p.yaml': 'stepTypes: [create_file]\nfs: { read: [.], write: [.] }\n' },
    ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'],
    (c) => assertRefused(c, 'E_POLICY_STEP_TYPE_DENIED', { line: 6, pointer: '/steps/1/step_type' }),
  );
});

for (const [name, body, code, line] of [
  ['cycle a -> b -> c -> a', '  - id: a\n    step_type: noop\n    depends_on: [c]\n  - id: b\n    step_type: noop\n    depends_on: [a]\n  - id: c\n    step_type: noop\n    depends_on: [b]\n', 'E_DAG_CYCLE', undefined],
  ['self dependency', '  - id: a\n    step_type: noop\n    depends_on: [a]\n', 'E_DAG_SELF_DEP', 7],
  ['needs a missing step', '  - id: a\n    step_type: noop\n    depends_on: [zz]\n', 'E_DAG_UNKNOWN_DEP', 7],
] as const) {
  test(`#9 DAG: ${name}`, async () => {
    await inProject({ 'm.yaml': steps(body) }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, code, line === undefined ? {} : { line }));
  });
}

for (const [name, id, code] of [
  ['bidi override (Trojan Source)', 'a\u202Eb', 'E_INPUT_CONTROL_CHAR'],
  ['zero-width space', 'a\u200Bb', 'E_INPUT_CONTROL_CHAR'],
  ['NUL byte', 'a\u0000b', 'E_INPUT_ENCODING'],
  ['BOM in the middle', 'a\uFEFFb', 'E_INPUT_ENCODING'],
] as const) {
  test(`#10 ${name} in a step id`, async () => {
    await inProject({ 'm.yaml': steps(`  - id: "${id}"\n    step_type: noop\n`) }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, code, { line: 5 }));
  });
}

test('#10 invalid UTF-8', async () => {
  const bytes = Buffer.concat([Buffer.from(steps('  - id: "a')), Buffer.from([0xc3, 0x28]), Buffer.from('"\n    step_type: noop\n')]);
  await inProject({ 'm.yaml': bytes }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_INPUT_ENCODING'));
});
