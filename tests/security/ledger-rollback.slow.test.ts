/**
 * Ledger without the key (issue 11): roll-back, deletion and unsigned-tail laundering, through
 * the real CLI. The attacker can write the state dir but not the key dir (outside the project).
 */
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile as writeFileText } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditPaths, computeEventHash, type LedgerEvent, type VerifyReport } from '@rustchain/core';
import { json, runCli, tempProject } from '../cli/harness.ts';
import { createStep, header } from '../cli/crash-helpers.ts';

/** A project with two small missions, its own key dir, and the real CLI on both. */
async function fixture(t: { after: (fn: () => Promise<void>) => void }) {
  const project = await tempProject({
    'small.yaml': `${header('small')}${createStep('x1')}${createStep('x2', ['x1'])}`,
    'next.yaml': `${header('next')}${createStep('n1')}`,
  });
  const keyDir = await mkdtemp(join(tmpdir(), 'rc-rollback-keys-'));
  t.after(async () => {
    await project.cleanup();
    await rm(keyDir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => runCli(args, { cwd: project.dir, home: project.home, env: { RUSTCHAIN_KEY_DIR: keyDir } });
  return { project, keyDir, cli, paths: auditPaths(project.home) };
}

const lines = async (path: string): Promise<LedgerEvent[]> =>
  (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as LedgerEvent);

test('rollback: ledger, head.json and heads.jsonl cut back to an earlier signed head is E_AUDIT_ROLLBACK (also with a pinned key), and no run appends to it', async (t) => {
  const { project, keyDir, cli, paths } = await fixture(t);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const saved = join(project.dir, '..', 'saved-audit');
  await cp(paths.dir, saved, { recursive: true });
  assert.equal((await cli(['mission', 'execute', 'next.yaml'])).code, 0);
  for (const name of ['ledger.jsonl', 'head.json', 'heads.jsonl']) await cp(join(saved, name), join(paths.dir, name));
  const report = await cli(['audit', 'verify', '--json']);
  assert.deepEqual([report.code, json<VerifyReport>(report).code, json<VerifyReport>(report).problem], [1, 'E_AUDIT_ROLLBACK', 'rolled-back']);
  const pinned = await cli(['audit', 'verify', '--json', '--public-key', join(keyDir, 'ledger.pub')]);
  assert.deepEqual([pinned.code, json<VerifyReport>(pinned).code], [1, 'E_AUDIT_ROLLBACK']);
  // --repair does not launder a roll-back.
  const repair = await cli(['audit', 'verify', '--repair', '--json']);
  assert.deepEqual([repair.code, json<VerifyReport>(repair).code], [1, 'E_AUDIT_ROLLBACK']);
  const before = await readFile(paths.ledger, 'utf8');
  const run = await cli(['mission', 'execute', 'next.yaml']);
  assert.equal(run.code, 2);
  assert.match(run.stderr + run.stdout, /E_AUDIT_ROLLBACK/);
  assert.equal(await readFile(paths.ledger, 'utf8'), before, 'the refused run wrote nothing');
});

test('a deleted audit/ directory with a kept head is E_AUDIT_MISSING, not an empty ledger', async (t) => {
  const { cli, paths } = await fixture(t);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  await rm(paths.dir, { recursive: true });
  const report = await cli(['audit', 'verify', '--json']);
  assert.deepEqual([report.code, json<VerifyReport>(report).code], [1, 'E_AUDIT_MISSING']);
  const run = await cli(['mission', 'execute', 'next.yaml']);
  assert.equal(run.code, 2);
  assert.match(run.stderr + run.stdout, /E_AUDIT_MISSING/);
});

test('forged, correctly chained events appended without the key: the next run exits 2 and signs nothing; --repair adopts them with a record', async (t) => {
  const { cli, paths } = await fixture(t);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const events = await lines(paths.ledger);
  const last = events.at(-1)!;
  const forged: Record<string, unknown> = { seq: last.seq + 1, ts: last.ts, runId: null, type: 'step.succeeded', payload: { forged: true }, prev: last.hash };
  forged['hash'] = computeEventHash(forged as never);
  await appendFile(paths.ledger, `${JSON.stringify(forged)}\n`);
  const headBefore = await readFile(paths.head, 'utf8');
  const ledgerBefore = await readFile(paths.ledger, 'utf8');

  const run = await cli(['mission', 'execute', 'next.yaml']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr + run.stdout, /E_AUDIT_UNSIGNED_TAIL/);
  assert.match(run.stderr + run.stdout, /audit verify --repair/);
  assert.equal(await readFile(paths.head, 'utf8'), headBefore, 'the forged event was not signed over');
  assert.equal(await readFile(paths.ledger, 'utf8'), ledgerBefore);
  const verify = await cli(['audit', 'verify', '--json']);
  assert.deepEqual([verify.code, json<VerifyReport>(verify).code], [1, 'E_AUDIT_UNSIGNED_TAIL']);

  const repaired = await cli(['audit', 'verify', '--repair', '--json']);
  assert.equal(repaired.code, 0, repaired.stderr);
  const record = (await lines(paths.ledger)).find((e) => e.type === 'audit.repaired');
  assert.equal(record?.payload['reason'], 'unsigned-tail');
  assert.deepEqual(record?.payload['adopted'], { from: last.seq + 1, through: last.seq + 1 });
  assert.equal((await cli(['mission', 'execute', 'next.yaml'])).code, 0);
  assert.equal((await cli(['audit', 'verify'])).code, 0);
});

test('anchors (file, directory, git ref) detect a roll-back even when the kept head beside the key was rolled back too, and a deleted ledger', async (t) => {
  const { project, keyDir, cli, paths } = await fixture(t);
  const root = join(project.dir, '..');
  const file = join(root, 'witness.jsonl');
  const dir = join(root, 'witness-dir');
  const repo = join(root, 'witness-repo');
  execFileSync('git', ['init', '-q', repo]);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const saved = join(root, 'saved');
  await cp(paths.dir, saved, { recursive: true });
  await cp(join(keyDir, 'latest-head.json'), join(saved, 'latest-head.json'));
  assert.equal((await cli(['mission', 'execute', 'next.yaml'])).code, 0);
  const targets = [file, `${dir}/`, `git:${repo}#refs/rustchain/anchors`];
  for (const to of targets) {
    const anchored = await cli(['audit', 'anchor', '--to', to, '--json']);
    assert.equal(anchored.code, 0, anchored.stderr);
  }
  const head = JSON.parse(await readFile(paths.head, 'utf8')) as { seq: number };
  assert.equal(JSON.parse(await readFile(join(dir, `${head.seq}.json`), 'utf8')).seq, head.seq);
  assert.equal(JSON.parse(execFileSync('git', ['-C', repo, 'show', 'refs/rustchain/anchors:head.json'], { encoding: 'utf8' })).seq, head.seq);

  // Everything on this machine rolled back: the state dir's files and the kept head.
  for (const name of ['ledger.jsonl', 'head.json', 'heads.jsonl']) await cp(join(saved, name), join(paths.dir, name));
  await cp(join(saved, 'latest-head.json'), join(keyDir, 'latest-head.json'));
  assert.equal((await cli(['audit', 'verify'])).code, 0, 'without an anchor the roll-back is invisible');
  for (const anchor of [file, dir, `git:${repo}#refs/rustchain/anchors`]) {
    const report = await cli(['audit', 'verify', '--json', '--anchor', anchor]);
    assert.deepEqual([report.code, json<VerifyReport>(report).code], [1, 'E_AUDIT_ROLLBACK'], anchor);
  }

  await rm(paths.dir, { recursive: true });
  await rm(join(keyDir, 'latest-head.json'));
  const missing = await cli(['audit', 'verify', '--json', '--anchor', file]);
  assert.deepEqual([missing.code, json<VerifyReport>(missing).code], [1, 'E_AUDIT_MISSING']);
});

test('audit anchor refuses a ledger that does not verify; verify --anchor refuses an anchor that does not exist', async (t) => {
  const { project, cli, paths } = await fixture(t);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const text = await readFile(paths.ledger, 'utf8');
  await writeFileText(paths.ledger, text.replace('"x1"', '"x9"'));
  const file = join(project.dir, '..', 'witness.jsonl');
  const refused = await cli(['audit', 'anchor', '--to', file]);
  assert.equal(refused.code, 1);
  assert.equal((await cli(['audit', 'verify', '--anchor', join(project.dir, '..', 'nowhere.jsonl')])).code, 2);
});

test('config audit.anchors: `audit anchor` publishes there and `audit verify` checks them by default', async (t) => {
  const { project, keyDir, cli, paths } = await fixture(t);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const saved = join(project.dir, '..', 'saved');
  await cp(paths.dir, saved, { recursive: true });
  await cp(join(keyDir, 'latest-head.json'), join(saved, 'latest-head.json'));
  assert.equal((await cli(['mission', 'execute', 'next.yaml'])).code, 0);
  // Written after the runs: audit commands read the config without loading plugins.
  await writeFileText(join(project.dir, 'rustchain.config.json'), JSON.stringify({ plugins: [], audit: { anchors: ['../witness/'] } }));
  const anchored = await cli(['audit', 'anchor']);
  assert.equal(anchored.code, 0, anchored.stderr);
  for (const name of ['ledger.jsonl', 'head.json', 'heads.jsonl']) await cp(join(saved, name), join(paths.dir, name));
  await cp(join(saved, 'latest-head.json'), join(keyDir, 'latest-head.json'));
  const report = await cli(['audit', 'verify', '--json']);
  assert.deepEqual([report.code, json<VerifyReport>(report).code], [1, 'E_AUDIT_ROLLBACK']);
});
