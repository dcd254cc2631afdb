/**
 * Secrets end to end (issue 5, catalogue #29): a real `mission execute` whose steps print
 * secret env values raw, templated, base64, URL-encoded, as a PEM and inside a failing step's
 * error. No form of any secret may reach the ledger, the head log, stdout (--json or text),
 * stderr (progress) or the run log; `***` does; `audit verify` still exits 0.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, REPO, runCli, tempProject, type CliRun } from './harness.ts';

const TOKEN = 'tok_S3cr3t+/Value&x=1';
const DEPLOY = 'deploy-key-0f9e8d7c';
const PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBbqmJyP1HcF5k8y0Lq3wq4kC8bFqJ0b6Y3Wc0m9XlQb\n-----END PRIVATE KEY-----';
const PEM_BODY = PEM.split('\n')[1] as string;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Every form that must never appear anywhere. */
const FORBIDDEN: Array<[string, string]> = [
  ['token raw', TOKEN], ['token base64', b64(TOKEN)], ['token URL-encoded', encodeURIComponent(TOKEN)],
  ['declared secret raw', DEPLOY], ['declared secret base64', b64(DEPLOY)],
  ['PEM body line', PEM_BODY], ['PEM base64', b64(PEM)],
];

const MISSION = `version: "1.0"
name: secret-echo
config:
  fail_fast: false
steps:
  - id: raw
    step_type: command
    parameters: { command: printenv, args: [MY_TOKEN] }
  - id: templated
    step_type: command
    parameters: { command: echo, args: ["token=\${{ env.MY_TOKEN }}"] }
  - id: encoded
    step_type: command
    parameters: { command: echo, args: ["${b64(TOKEN)}", "${encodeURIComponent(TOKEN)}", "${b64(DEPLOY)}"] }
  - id: declared
    step_type: command
    parameters: { command: printenv, args: [DEPLOY_KEY] }
  - id: pem
    step_type: command
    parameters: { command: printenv, args: [MY_PRIVATE_KEY] }
  - id: pem_line
    step_type: command
    parameters: { command: echo, args: ["${PEM_BODY}", "${b64(PEM)}"] }
  - id: failing
    step_type: command
    parameters: { command: printenv, args: [MY_TOKEN, NOT_SET_ANYWHERE] }
`;

const CONFIG = JSON.stringify({
  plugins: ['@rustchain/plugin-command'],
  policy: { commands: { allow: ['echo', 'printenv'] }, env: { allow: ['MY_TOKEN', 'MY_PRIVATE_KEY', 'DEPLOY_KEY'], secrets: ['DEPLOY_KEY'] } },
});

const ENV = { MY_TOKEN: TOKEN, MY_PRIVATE_KEY: PEM, DEPLOY_KEY: DEPLOY };

function assertClean(where: string, text: string): void {
  for (const [name, form] of FORBIDDEN) assert.equal(text.includes(form), false, `${where} contains the ${name}`);
}

describe('secrets in a real run (#29)', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let jsonRun: CliRun;
  let textRun: CliRun;
  before(async () => {
    project = await tempProject({ 'rustchain.config.json': CONFIG, 'leak.yaml': MISSION });
    await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
    jsonRun = await runCli(['mission', 'execute', '--json', 'leak.yaml'], { cwd: project.dir, home: project.home, env: ENV });
    textRun = await runCli(['mission', 'execute', '--log-level', 'info', 'leak.yaml'], { cwd: project.dir, home: project.home, env: ENV });
  });
  after(async () => {
    await project.cleanup();
  });

  it('the steps really printed the secrets (the run failed only at the failing step)', () => {
    assert.equal(jsonRun.code, 1, jsonRun.stderr);
    const doc = json<{ steps: Array<{ id: string; status: string; outputs: { stdout?: string }; error: { code: string; details?: { outputs?: { stdout?: string } } } | null }> }>(jsonRun);
    assert.deepEqual(doc.steps.map((s) => [s.id, s.status]), [
      ['raw', 'succeeded'], ['templated', 'succeeded'], ['encoded', 'succeeded'], ['declared', 'succeeded'],
      ['pem', 'succeeded'], ['pem_line', 'succeeded'], ['failing', 'failed'],
    ]);
    for (const step of doc.steps.filter((s) => s.status === 'succeeded')) assert.ok(step.outputs.stdout?.includes('***'), `${step.id}: ${step.outputs.stdout}`);
    const failing = doc.steps.at(-1);
    assert.equal(failing?.error?.code, 'E_COMMAND_EXIT_NONZERO');
    assert.ok(failing?.error?.details?.outputs?.stdout?.includes('***'));
  });

  it('--json stdout and stderr hold no form of any secret', () => {
    assertClean('--json stdout', jsonRun.stdout);
    assertClean('--json stderr', jsonRun.stderr);
  });

  it('text summary, progress lines and the run log hold no form of any secret', async () => {
    assert.equal(textRun.code, 1, textRun.stderr);
    assertClean('text stdout', textRun.stdout);
    assertClean('text stderr', textRun.stderr);
    assert.ok(textRun.stdout.includes('***'));
    // Every run has a state dir (runs/<runId>/state.json); only the info-level one has a run.log.
    const runs = (await readdir(join(project.home, 'runs'))).filter((name) => existsSync(join(project.home, 'runs', name, 'run.log')));
    assert.equal(runs.length, 1);
    const log = await readFile(join(project.home, 'runs', runs[0] as string, 'run.log'), 'utf8');
    assert.ok(log.includes('***'), 'the run log recorded the redacted outputs');
    assertClean('run.log', log);
  });

  it('the ledger and head log hold *** only, and audit verify exits 0', async () => {
    const ledger = await readFile(join(project.home, 'audit', 'ledger.jsonl'), 'utf8');
    assertClean('ledger.jsonl', ledger);
    assert.ok(ledger.includes('***'));
    assertClean('heads.jsonl', await readFile(join(project.home, 'audit', 'heads.jsonl'), 'utf8'));
    const verify = await runCli(['audit', 'verify', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(verify.code, 0, verify.stdout);
  });
});
