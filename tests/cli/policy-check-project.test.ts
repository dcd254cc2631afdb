import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliInProcess } from './in-process.ts';

interface PolicyDoc {
  ok: boolean;
  sources: string;
  policy: { commands: { allow: string[] | '*' }; fs: { read: string[]; write: string[] } };
  diagnostics: Array<{ code: string; severity: string; field?: string; line: number; column: number; hint?: string }>;
}

/** `rustchain policy check` with no mission checks the policy itself (issue 15); with several, each. */
describe('rustchain policy check without a mission', () => {
  let root: string;
  const cwd = process.cwd();
  const config = {
    plugins: [],
    policy: {
      stepTypes: ['noop'],
      commands: { allow: ['ls'], rules: [{ command: 'git', args: ['status'] }] },
      fs: { read: ['./data', '.'], write: ['.'] },
      net: { allow: ['https://api.example.com/v1', 'example.com:https', 'example.org:443'] },
    },
  };
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-policy-')));
    process.env['RUSTCHAIN_HOME'] = join(root, 'state');
    for (const dir of ['plain', 'configured', 'bad']) {
      await mkdir(join(root, dir));
      await writeFile(join(root, dir, 'package.json'), '{"name":"p","private":true}');
    }
    await writeFile(join(root, 'configured', 'rustchain.config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(join(root, 'bad', 'rustchain.config.json'), JSON.stringify({ plugins: [], policy: { sandbx: 'required' } }));
    await writeFile(join(root, 'plain', 'a.yaml'), 'version: "1.0"\nname: a\nsteps:\n  - id: a\n    step_type: noop\n');
    await writeFile(join(root, 'plain', 'b.yaml'), 'version: "1.0"\nname: b\nsteps:\n  - id: b\n    step_type: command\n    parameters:\n      command: ls\n');
  });
  after(async () => {
    process.chdir(cwd);
    await rm(root, { recursive: true, force: true });
  });

  it('no config: prints the default policy of the directory, exit 0', async () => {
    process.chdir(join(root, 'plain'));
    const run = await cliInProcess(['policy', 'check']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /effective policy \(no config/);
    assert.match(run.stdout, new RegExp(`write +${join(root, 'plain').replace(/[/.]/g, '\\$&')}`));
  });

  it('flags are part of it: a root that does not exist and a command not on PATH are warnings', async () => {
    process.chdir(join(root, 'plain'));
    const run = await cliInProcess(['policy', 'check', '--json', '--allow-read=/no/such/dir', '--allow-run=no-such-program-xyz,ls']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PolicyDoc;
    assert.deepEqual(doc.diagnostics.map((d) => [d.code, d.severity]), [['E_POLICY_ROOT_MISSING', 'warning'], ['E_POLICY_RULE_UNREACHABLE', 'warning']]);
    assert.deepEqual(doc.policy.commands.allow, ['no-such-program-xyz', 'ls']);
    assert.match(doc.sources, /--allow-run=no-such-program-xyz,ls/);
  });

  it('the config policy: every entry that can never match, located in the config file', async () => {
    process.chdir(join(root, 'configured'));
    const run = await cliInProcess(['policy', 'check', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PolicyDoc;
    const found = doc.diagnostics.map((d) => [d.code, d.field, d.line]);
    assert.deepEqual(found, [
      ['E_POLICY_RULE_UNREACHABLE', 'policy.stepTypes[0]', 5], // nothing installed (plugins: [])
      ['E_POLICY_RULE_UNREACHABLE', 'policy.commands.rules[0].command', 13], // git is not allowed
      ['E_POLICY_ROOT_MISSING', 'policy.fs.read[0]', 22],
      ['E_POLICY_RULE_UNREACHABLE', 'policy.net.allow[0]', 31], // a URL
      ['E_POLICY_RULE_UNREACHABLE', 'policy.net.allow[1]', 32], // port not a number
    ]);
    assert.ok(doc.diagnostics.every((d) => d.severity === 'warning'));
    assert.equal(doc.ok, true);
  });

  it('--strict makes them errors: exit 1, and the text form shows the policy and each problem', async () => {
    process.chdir(join(root, 'configured'));
    const run = await cliInProcess(['policy', 'check', '--strict']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /rustchain\.config\.json:22:\d+: error E_POLICY_ROOT_MISSING: policy\.fs\.read\[0\]/);
    assert.match(run.stdout, /effective policy \(.*rustchain\.config\.json\)/);
    assert.match(run.stdout, /args of +git: 'status'/);
  });

  it('an unknown key in the policy is an error at its key, with the fix (exit 2)', async () => {
    process.chdir(join(root, 'bad'));
    const run = await cliInProcess(['policy', 'check', '--json']);
    assert.equal(run.code, 2, run.stderr);
    const doc = JSON.parse(run.stdout) as PolicyDoc;
    assert.deepEqual(doc.diagnostics.map((d) => [d.code, d.field, d.line, d.column, d.hint]), [['E_CONFIG_INVALID', 'policy.sandbx', 1, 25, 'did you mean `sandbox`?']]);
    process.chdir(join(root, 'plain'));
    await writeFile('ci-policy.yaml', 'commands:\n  allow: [ls]\nsandbx: required\n');
    const file = await cliInProcess(['policy', 'check', '--json', '--policy', 'ci-policy.yaml']);
    assert.equal(file.code, 2, file.stderr);
    const fileDoc = JSON.parse(file.stdout) as PolicyDoc;
    assert.deepEqual(fileDoc.diagnostics.map((d) => [d.code, d.field, d.line, d.column, d.hint]), [['E_POLICY_FILE_INVALID', 'sandbx', 3, 1, 'did you mean `sandbox`?']]);
  });

  it('with several missions, checks each: one violation is exit 1', async () => {
    process.chdir(join(root, 'plain'));
    const clean = await cliInProcess(['policy', 'check', 'a.yaml']);
    assert.equal(clean.code, 0, clean.stderr);
    const both = await cliInProcess(['policy', 'check', '--json', 'a.yaml', 'b.yaml']);
    assert.equal(both.code, 1, both.stderr);
    const doc = JSON.parse(both.stdout) as PolicyDoc;
    assert.deepEqual(doc.diagnostics.map((d) => d.code), ['E_POLICY_COMMAND_DENIED']);
    const allowed = await cliInProcess(['policy', 'check', '--allow-run=ls', 'a.yaml', 'b.yaml']);
    assert.equal(allowed.code, 0, allowed.stderr);
  });
});
