import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, unlink, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { tempProject, runCli, json, REPO } from '../cli/harness.ts';
import { createFsCapability } from '../../core/src/capabilities/fs.ts';
import type { Policy } from '@rustchain/core';
import { assertLedgerRecords, assertRefused, inProject, readLedger, SENTINEL_STEP, type CaseRun } from './harness.ts';

/** Catalogue C (17-22): paths decided on the realpath, inside the roots, never engine files. */

const readStep = (path: string): string => `  - id: read\n    step_type: read_file\n    parameters: { path: ${JSON.stringify(path)} }\n`;
const writeStep = (path: string): string => `  - id: write\n    step_type: create_file\n    parameters: { path: ${JSON.stringify(path)}, content: evil }\n`;
/** The sentinel depends on the bad step: a runtime refusal (fail_fast) must skip it. */
const afterBad = (id: string): string => `  - id: sentinel\n    step_type: create_file\n    depends_on: [${id}]\n    parameters: { path: sentinel.txt, content: ran }\n`;

interface RunDoc {
  steps: Array<{ id: string; status: string; error: { code: string; details?: Record<string, unknown> } | null }>;
}

/** A run refused at run time: exit 1, the step failed with `code`, the sentinel never ran, ledger records it. */
async function assertRuntimeRefusal(c: CaseRun, stepId: string, code: string): Promise<void> {
  assert.equal(c.run.code, 1, c.run.stderr);
  const step = (c.doc as unknown as RunDoc).steps.find((s) => s.id === stepId);
  assert.equal(step?.error?.code, code);
  assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
  await assertLedgerRecords(c, code);
}

/** Several bad steps in one mission: every one is reported, each at its own pointer. */
const readSteps = (paths: readonly string[]): string =>
  paths.map((p, i) => `  - id: read${i}\n    step_type: read_file\n    parameters: { path: ${JSON.stringify(p)} }\n`).join('');
const writeSteps = (paths: readonly string[]): string =>
  paths.map((p, i) => `  - id: write${i}\n    step_type: create_file\n    parameters: { path: ${JSON.stringify(p)}, content: evil }\n`).join('');

/** Pointers of the diagnostics with `code`, in order. */
function pointers(c: CaseRun, code: string): string[] {
  return (c.doc['diagnostics'] as Array<{ code: string; pointer: string }>).filter((d) => d.code === code).map((d) => d.pointer);
}

const TRAVERSALS = ['../../etc/passwd', '/etc/shadow', 'sub/../../../etc/passwd'] as const;
test(`#17 traversal (${TRAVERSALS.join(', ')}) is refused before the run, each at its path`, async () => {
  await inProject({ 'm.yaml': `steps:\n${readSteps(TRAVERSALS)}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml'], async (c) => {
    await assertRefused(c, 'E_POLICY_PATH_DENIED', { line: 4 });
    assert.deepEqual(pointers(c, 'E_POLICY_PATH_DENIED'), TRAVERSALS.map((_, i) => `/steps/${i}/parameters/path`));
  });
});

for (const path of ['..%2f..%2fetc%2fpasswd', '..\\..\\etc\\passwd', '~/.ssh/id_rsa']) {
  test(`#17 ${path} is a literal name inside the workspace, never decoded or expanded`, async () => {
    await inProject({ 'm.yaml': `steps:\n${readStep(path)}${afterBad('read')}` }, ['mission', 'execute', 'm.yaml'], (c) => assertRuntimeRefusal(c, 'read', 'E_FS_NOT_FOUND'));
  });
}

test('#18 symlink escape: link -> /etc, reading link/passwd is decided on the realpath', async () => {
  const project = await tempProject({ 'm.yaml': `steps:\n${SENTINEL_STEP}${readStep('link/passwd')}` });
  try {
    await symlink('/etc', join(project.dir, 'link'));
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    await assertRefused({ run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) }, 'E_POLICY_PATH_DENIED', { line: 7 });
  } finally {
    await project.cleanup();
  }
});

test('#18 chained relative symlinks (CVE-2025-55130 style) cannot climb out', async () => {
  const project = await tempProject({ 'm.yaml': `steps:\n${SENTINEL_STEP}${readStep('b/secret.txt')}` });
  try {
    await writeFile(join(dirname(project.dir), 'secret.txt'), 'TOP-SECRET-CONTENT');
    await symlink('..', join(project.dir, 'c'));
    await symlink('c', join(project.dir, 'b'));
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    await assertRefused({ run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) }, 'E_POLICY_PATH_DENIED');
    assert.doesNotMatch(run.stdout, /TOP-SECRET-CONTENT/);
  } finally {
    await project.cleanup();
  }
});

test('#19 TOCTOU: a file swapped for a symlink between check and open is refused (O_NOFOLLOW)', async () => {
  const base = realpathSync(await mkdtemp(join(tmpdir(), 'rc-toctou-')));
  try {
    const work = join(base, 'work');
    await mkdir(work);
    await writeFile(join(base, 'secret.txt'), 'outside secret');
    await writeFile(join(work, 'benign.txt'), 'benign');
    const policy: Policy = { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [work], write: [work] }, net: { allow: [] }, env: { allow: [] } };
    const swap = async (real: string): Promise<void> => {
      await unlink(real);
      await symlink(join(base, 'secret.txt'), real);
    };
    const fs = createFsCapability(policy, work, { beforeOpen: swap });
    await assert.rejects(fs.readText('benign.txt'), { code: 'E_FS_SYMLINK_REFUSED' });
    await writeFile(join(work, 'target.txt'), 'benign');
    await assert.rejects(fs.writeText('target.txt', 'overwrite'), { code: 'E_FS_SYMLINK_REFUSED' });
    assert.equal(await readFile(join(base, 'secret.txt'), 'utf8'), 'outside secret');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

const RESERVED = ['.rustchain/audit/ledger.jsonl', '.rustchain/audit/head.json', '.git/hooks/pre-commit', 'node_modules/left-pad/index.js', 'p.yaml'] as const;
test(`#20 engine-internal paths (${RESERVED.join(', ')}) are never writable, even inside the project`, async () => {
  const policy = 'fs: { read: [.], write: [.] }\n';
  await inProject({ 'm.yaml': `steps:\n${writeSteps(RESERVED)}${SENTINEL_STEP}`, 'p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], async (c) => {
    await assertRefused(c, 'E_POLICY_PATH_DENIED', { line: 4 });
    assert.deepEqual(pointers(c, 'E_POLICY_PATH_DENIED'), RESERVED.map((_, i) => `/steps/${i}/parameters/path`));
    assert.equal(await readFile(join(c.dir, 'p.yaml'), 'utf8'), policy);
  });
});

test('#20 the state dir given by RUSTCHAIN_HOME is not writable either', async () => {
  const project = await tempProject({});
  try {
    await writeFile(join(project.dir, 'm.yaml'), `steps:\n${SENTINEL_STEP}${writeStep(join(project.home, 'audit', 'ledger.jsonl'))}`);
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json', `--allow-write=${dirname(project.home)}`], { cwd: project.dir, home: project.home });
    await assertRefused({ run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) }, 'E_POLICY_PATH_DENIED', { line: 7 });
  } finally {
    await project.cleanup();
  }
});

/** A tar of hand-made headers, as an attacker writes it (tar's own Header encoder). */
function evilTar(entries: Array<{ path: string; type?: string; data?: Buffer; linkpath?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const header = new Header({ path: e.path, type: (e.type ?? 'File') as never, size: data.length, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    header.encode();
    parts.push(header.block as Buffer, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

/** Built when its test runs: the bomb allocates 110 MiB. */
const ARCHIVES: Array<[string, () => Buffer, string]> = [
  ['entry ../../evil.sh', () => evilTar([{ path: 'ok.txt', data: Buffer.from('ok') }, { path: '../../evil.sh', data: Buffer.from('pwned') }]), 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['absolute entry /tmp/x', () => evilTar([{ path: '/tmp/rc-sec21-x', data: Buffer.from('pwned') }]), 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['symlink entry to /', () => evilTar([{ path: 'root', type: 'SymbolicLink', linkpath: '/' }]), 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['same-path symlink then file (CVE-2026-10732)', () => evilTar([{ path: 'x', type: 'SymbolicLink', linkpath: '..' }, { path: 'x/evil.sh', data: Buffer.from('pwned') }]), 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['gzip bomb (110 MiB of zeros in ~110 KiB)', () => gzipSync(evilTar([{ path: 'zeros', data: Buffer.alloc(110 * 1024 * 1024) }]), { level: 9 }), 'E_ARCHIVE_TOO_LARGE'],
];
for (const [name, build, code] of ARCHIVES) {
  test(`#21 zip-slip: a tar.gz with ${name} is refused (${code}); nothing is written outside, nor inside`, async () => {
    const config = { plugins: [join(REPO, 'plugins/decompress'), join(REPO, 'plugins/create-file')], policy: { fs: { read: ['.'], write: ['.'] } } };
    const mission = `steps:\n  - id: unpack\n    step_type: decompress\n    parameters: { source: evil.tar.gz, destination: out/fresh }\n${afterBad('unpack')}`;
    const archive = build();
    // The bomb is gzipped already; the others are gzipped here.
    const files = { 'rustchain.config.json': JSON.stringify(config), 'm.yaml': mission, 'evil.tar.gz': archive[0] === 0x1f ? archive : gzipSync(archive) };
    await inProject(files, ['mission', 'execute', 'm.yaml'], async (c) => {
      await assertRuntimeRefusal(c, 'unpack', code);
      assert.equal(existsSync(join(c.dir, 'out')), false, 'a refused archive writes nothing, not even the extraction dir');
      assert.equal(existsSync(join(dirname(c.dir), 'evil.sh')), false);
      assert.equal(existsSync('/tmp/rc-sec21-x'), false);
    });
  });
}

const SPECIAL = ['/dev/zero', '/dev/random', '/proc/self/environ'] as const;
test(`#22 special files (${SPECIAL.join(', ')}) are outside the roots`, async () => {
  await inProject({ 'm.yaml': `steps:\n${readSteps(SPECIAL)}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml'], async (c) => {
    await assertRefused(c, 'E_POLICY_PATH_DENIED', { line: 4 });
    assert.deepEqual(pointers(c, 'E_POLICY_PATH_DENIED'), SPECIAL.map((_, i) => `/steps/${i}/parameters/path`));
  });
});

test('#22 /dev/zero with --allow-read=/dev is not a regular file (no hang)', async () => {
  await inProject({ 'm.yaml': `steps:\n${readStep('/dev/zero')}${afterBad('read')}` }, ['mission', 'execute', 'm.yaml', '--allow-read=/dev'], (c) =>
    assertRuntimeRefusal(c, 'read', 'E_FS_NOT_REGULAR_FILE'),
  );
});

test('#22 a FIFO in the workspace is refused without blocking', async () => {
  const project = await tempProject({ 'm.yaml': `steps:\n${readStep('pipe')}${afterBad('read')}` });
  try {
    execFileSync('mkfifo', [join(project.dir, 'pipe')]);
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    await assertRuntimeRefusal({ run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) }, 'read', 'E_FS_NOT_REGULAR_FILE');
  } finally {
    await project.cleanup();
  }
});
