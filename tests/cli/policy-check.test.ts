import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../cli/bin/rustchain.mjs', import.meta.url).pathname;

interface Diag {
  code: string;
  line: number;
  column: number;
  file: string;
  pointer?: string;
  hint?: string;
  message: string;
}

/** Runs the real CLI in `cwd`; returns exit status and the parsed --json document. */
function cli(cwd: string, args: string[]): { status: number | null; doc: { ok: boolean; diagnostics: Diag[] }; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json'], { cwd, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' } });
  return { status: r.status, doc: JSON.parse(r.stdout || '{"ok":null,"diagnostics":[]}'), stderr: r.stderr };
}

async function withDir(files: Record<string, string>, body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = realpathSync(await mkdtemp(join(tmpdir(), 'rc-policy-')));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const DANGEROUS = `name: dangerous
steps:
  - id: wipe
    step_type: command
    parameters:
      command: rm
      args: ["-rf", "/"]
  - id: write
    step_type: create_file
    parameters:
      path: /etc/x
      content: pwned
`;

test('must-show: rm -rf / and a write to /etc/x are both listed with their lines, exit 1', async () => {
  await withDir({ 'm.yaml': DANGEROUS }, (dir) => {
    const r = cli(dir, ['policy', 'check', 'm.yaml']);
    assert.equal(r.status, 1);
    assert.equal(r.doc.ok, false);
    const got = r.doc.diagnostics.map((d) => [d.code, d.line, d.column, d.pointer]);
    assert.deepEqual(got, [
      ['E_POLICY_COMMAND_DENIED', 6, 16, '/steps/0/parameters/command'],
      ['E_POLICY_PATH_DENIED', 11, 13, '/steps/1/parameters/path'],
    ]);
    assert.ok(r.doc.diagnostics.every((d) => d.file === 'm.yaml'));
    // Every refusal names what would allow it.
    const messages = (r.doc.diagnostics as unknown as Array<{ message: string }>).map((d) => d.message);
    assert.match(messages[0] ?? '', /--allow-run=rm/);
    assert.match(messages[1] ?? '', /--allow-write=\/etc\/x/);
  });
});

test('human output: one compiler-style line per violation on stderr', async () => {
  await withDir({ 'm.yaml': DANGEROUS }, (dir) => {
    const r = spawnSync(process.execPath, [BIN, 'policy', 'check', 'm.yaml'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^m\.yaml:6:16: error E_POLICY_COMMAND_DENIED/m);
    assert.match(r.stderr, /^m\.yaml:11:13: error E_POLICY_PATH_DENIED/m);
  });
});

test('a mission within the policy exits 0 with no diagnostics', async () => {
  await withDir({ 'ok.yaml': 'steps:\n  - id: a\n    step_type: create_file\n    parameters: { path: out.txt, content: hi }\n' }, (dir) => {
    const r = cli(dir, ['policy', 'check', 'ok.yaml']);
    assert.equal(r.status, 0);
    assert.deepEqual(r.doc.diagnostics, []);
  });
});

test('permission flags widen the policy for one invocation', async () => {
  await withDir({ 'm.yaml': DANGEROUS }, (dir) => {
    const r = cli(dir, ['policy', 'check', 'm.yaml', '--allow-run=rm', '--allow-write=/etc']);
    assert.equal(r.status, 0, JSON.stringify(r.doc));
  });
});

const GIT_MISSION = `steps:
  - id: status
    step_type: command
    parameters: { command: git, args: [status] }
  - id: log
    step_type: command
    parameters: { command: git, args: [log, --oneline, -n, "3"] }
  - id: push
    step_type: command
    parameters: { command: git, args: [push, --force] }
    timeout_seconds: 900
`;
const GIT_POLICY = `commands:
  allow: [git]
  rules:
    - command: git
      args: ['status', 'log *']
limits:
  maxSteps: 2
  maxTimeoutSeconds: 600
`;

test('--policy file: argument patterns and limits, each violation located', async () => {
  await withDir({ 'm.yaml': GIT_MISSION, 'p.yaml': GIT_POLICY }, (dir) => {
    const r = cli(dir, ['policy', 'check', 'm.yaml', '--policy', 'p.yaml']);
    assert.equal(r.status, 1);
    const got = r.doc.diagnostics.map((d) => [d.code, d.pointer, d.line]);
    assert.deepEqual(got, [
      ['E_POLICY_LIMIT', '/steps', 2],
      ['E_POLICY_COMMAND_DENIED', '/steps/2/parameters/command', 10],
      ['E_POLICY_LIMIT', '/steps/2/timeout_seconds', 11],
    ]);
  });
});

test('an invalid --policy file is exit 2 with file:line:column', async () => {
  await withDir({ 'm.yaml': GIT_MISSION, 'p.yaml': 'commands:\n  allow: [git]\n  shel: true\nsandbox: maybe\n' }, (dir) => {
    const r = cli(dir, ['policy', 'check', 'm.yaml', '--policy', 'p.yaml']);
    assert.equal(r.status, 2);
    assert.deepEqual(
      r.doc.diagnostics.map((d) => [d.code, d.line]),
      [
        ['E_POLICY_FILE_INVALID', 3],
        ['E_POLICY_FILE_INVALID', 4],
      ],
    );
    assert.ok(r.doc.diagnostics.every((d) => d.file.endsWith('p.yaml')));
  });
});

test('mission execute applies the same --policy file and runs nothing (exit 2)', async () => {
  await withDir({ 'm.yaml': DANGEROUS }, (dir) => {
    const r = cli(dir, ['mission', 'execute', 'm.yaml']);
    assert.equal(r.status, 2);
    assert.deepEqual(
      r.doc.diagnostics.map((d) => d.code),
      ['E_POLICY_COMMAND_DENIED', 'E_POLICY_PATH_DENIED'],
    );
  });
});
