import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, openLedger, parseAnchorTarget, publishAnchor, readAnchor, verifyLedger, type LedgerHead } from '@rustchain/core';
import { withStateDir } from './helpers.ts';

const input = (n: number) => ({ runId: 'r', type: 'step.succeeded', payload: { n } });

test('anchor targets: git:<repo>#<ref>, an existing directory or a trailing slash, else a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rc-anchor-'));
  try {
    assert.deepEqual(await parseAnchorTarget('git:repo#refs/x/y', dir), { kind: 'git', repo: join(dir, 'repo'), ref: 'refs/x/y' });
    assert.deepEqual(await parseAnchorTarget('git:repo', dir), { kind: 'git', repo: join(dir, 'repo'), ref: 'refs/rustchain/anchors' });
    await assert.rejects(parseAnchorTarget('git:repo#HEAD', dir), { code: 'E_USAGE' });
    await assert.rejects(parseAnchorTarget('git:repo#refs/../x', dir), { code: 'E_USAGE' });
    await mkdir(join(dir, 'd'));
    assert.equal((await parseAnchorTarget('d', dir)).kind, 'dir');
    assert.equal((await parseAnchorTarget('new/', dir)).kind, 'dir');
    assert.equal((await parseAnchorTarget('heads.jsonl', dir)).kind, 'file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('each anchor form round-trips heads, and verify reports a ledger behind one as E_AUDIT_ROLLBACK', async () => {
  await withStateDir(async (state) => {
    const where = await mkdtemp(join(tmpdir(), 'rc-anchor-'));
    try {
      execFileSync('git', ['init', '-q', join(where, 'repo')]);
      const ledger = await openLedger(state);
      await ledger.appendBatch([input(0), input(1)], { signHead: true });
      const first = JSON.parse(await readFile(auditPaths(state).head, 'utf8')) as LedgerHead;
      await ledger.appendBatch([input(2)], { signHead: true });
      const second = JSON.parse(await readFile(auditPaths(state).head, 'utf8')) as LedgerHead;
      for (const spec of ['heads.jsonl', 'heads/', 'git:repo']) {
        const target = await parseAnchorTarget(spec, where);
        await publishAnchor(target, first);
        await publishAnchor(target, second);
        const heads = (await readAnchor(target)).map((w) => w.head?.seq).sort();
        assert.deepEqual(heads, target.kind === 'git' ? [2] : [1, 2], spec);
        const witnesses = await readAnchor(target);
        assert.equal((await verifyLedger(state, { witnesses })).ok, true, spec);
        const ahead = { ...second, seq: 3 };
        const rolled = await verifyLedger(state, { witnesses: [{ source: spec, head: ahead }] });
        assert.equal(rolled.code, 'E_AUDIT_HEAD_SIGNATURE', 'an edited anchored head does not verify');
      }
      // A git anchor keeps its history: the previous anchor is the commit's parent.
      assert.match(execFileSync('git', ['-C', join(where, 'repo'), 'log', '--format=%s', 'refs/rustchain/anchors'], { encoding: 'utf8' }), /seq 2\nrustchain anchor: seq 1/);
      // Something in an anchor that is not a head signed by the key is reported, not skipped.
      await appendFile(join(where, 'heads.jsonl'), 'not a head\n');
      const bad = await verifyLedger(state, { witnesses: await readAnchor(await parseAnchorTarget('heads.jsonl', where)) });
      assert.deepEqual([bad.ok, bad.code], [false, 'E_AUDIT_HEAD_SIGNATURE']);
      // Roll the ledger back to seq 1 (file-level), with the kept head check off: only the anchor sees it.
      const lines = (await readFile(auditPaths(state).ledger, 'utf8')).trimEnd().split('\n');
      await rm(auditPaths(state).ledger);
      await appendFile(auditPaths(state).ledger, `${lines.slice(0, 2).join('\n')}\n`);
      const witnesses = await readAnchor(await parseAnchorTarget('heads/', where));
      const report = await verifyLedger(state, { keptHead: false, witnesses });
      assert.ok(['E_AUDIT_TRUNCATED', 'E_AUDIT_ROLLBACK'].includes(report.code ?? ''), report.code ?? 'ok');
      await assert.rejects(readAnchor(await parseAnchorTarget('nowhere.jsonl', where)), { code: 'E_USAGE' });
    } finally {
      await rm(where, { recursive: true, force: true });
    }
  });
});
