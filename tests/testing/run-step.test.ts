import assert from 'node:assert/strict';
import { test } from 'node:test';
import command from '@rustchain/plugin-command';
import createFile from '@rustchain/plugin-create-file';
import readFilePlugin from '@rustchain/plugin-read-file';
import { runStep } from '@rustchain/testing';

/** The kit runs a step through the real engine: outputs, files, policy refusals, guards. */

test('runStep: a create_file step writes in its temp work dir and reports its outputs', async () => {
  const run = await runStep(createFile, { path: 'out/a.txt', content: 'hi' });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.outputs['bytes'], 2);
  assert.equal(await run.read('out/a.txt'), 'hi');
  assert.deepEqual(run.events.map((e) => e.type).filter((t) => t.startsWith('step.')), ['step.started', 'step.succeeded']);
});

test('runStep: files are laid out before the step runs', async () => {
  const run = await runStep(readFilePlugin, { path: 'in.txt' }, { files: { 'in.txt': 'héllo' } });
  assert.equal(run.outputs['content'], 'héllo');
});

test('runStep: the static policy check refuses a command the policy does not allow; nothing runs', async () => {
  const run = await runStep(command, { command: 'touch', args: ['sentinel'] });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_COMMAND_DENIED'));
  assert.equal(run.exists('sentinel'), false);
  assert.equal(run.events.length, 0);
});

test('runStep: the capability guard refuses a path outside the work dir at run time', async () => {
  const run = await runStep(readFilePlugin, { path: '${{ env.TARGET }}' }, { env: { TARGET: '/etc/hostname' }, policy: { env: { allow: ['TARGET'] } } });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_POLICY_PATH_DENIED');
});

test('runStep: invalid params are refused by validation with the params code', async () => {
  const run = await runStep(createFile, { content: 'no path' });
  assert.equal(run.status, 'refused');
  const invalid = run.diagnostics.find((d) => d.code === 'E_PARAMS_INVALID');
  // The hint names the package that really provides the type (here the kit's), not a guessed @rustchain one.
  assert.match(invalid?.hint ?? '', /test:create_file/);
});

test('runStep: an allowed command runs for real', async () => {
  const run = await runStep(command, { command: 'touch', args: ['made'] }, { policy: { commands: { allow: ['touch'] } } });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.exists('made'), true);
});
