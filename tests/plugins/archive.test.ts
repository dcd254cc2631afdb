import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { Header } from 'tar';
import { ZipFile } from 'yazl';
import { Value } from '@sinclair/typebox/value';
import compress from '@rustchain/plugin-compress';
import decompress from '@rustchain/plugin-decompress';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { mission, step } from '../core/engine/helpers.ts';

const pack = compress as DefinedPlugin;
const unpack = decompress as DefinedPlugin;
const call = async (plugin: DefinedPlugin, params: Record<string, unknown>, root: string): Promise<Record<string, unknown>> => {
  assert.ok(Value.Check(plugin.params, params), `params match the ${plugin.type} schema`);
  return (await plugin.run(params as never, ctxFor(root, policyFor(root)))) as Record<string, unknown>;
};

/** A tar of hand-made headers: any name, type and link target, as an attacker would write it. */
function rawTar(entries: Array<{ path: string; type?: string; data?: string | Buffer; linkpath?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const header = new Header({ path: e.path, type: (e.type ?? 'File') as never, size: data.length, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    header.encode();
    parts.push(header.block as Buffer, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A zip built by yazl, then entry names patched byte for byte (yazl itself refuses bad names). */
async function rawZip(entries: Array<{ name: string; data: Buffer; mode?: number }>, patches: Array<[string, string]> = []): Promise<Buffer> {
  const zip = new ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.name, { mode: e.mode ?? 0o100644, compressionLevel: 9 });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve());
    zip.end();
  });
  let bytes = Buffer.concat(chunks);
  for (const [from, to] of patches) {
    assert.equal(from.length, to.length);
    bytes = Buffer.from(bytes.toString('latin1').split(from).join(to), 'latin1');
  }
  return bytes;
}

async function sampleTree(root: string): Promise<void> {
  await mkdir(join(root, 'src/sub/deep'), { recursive: true });
  await mkdir(join(root, 'src/empty'));
  await writeFile(join(root, 'src/a.txt'), 'alpha\n');
  await writeFile(join(root, 'src/sub/bin.dat'), Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]));
  await writeFile(join(root, 'src/sub/deep/' + 'n'.repeat(120) + '.txt'), 'long name');
  await symlink('/etc/passwd', join(root, 'src/link'));
}

for (const format of ['tar', 'tar.gz', 'tgz', 'zip'] as const) {
  test(`compress + decompress (${format}): a tree round-trips byte for byte; symlinks are skipped`, async (t) => {
    const root = await tempDir(t);
    await sampleTree(root);
    const archive = `out/archive.${format}`;
    const packed = await call(pack, { source: 'src', destination: archive, format, ...(format === 'tar' ? {} : { level: 6 }) }, root);
    assert.equal(packed['path'], join(root, archive));
    assert.equal(packed['bytes'], (await readFile(join(root, archive))).length);
    assert.equal(packed['entries'], 7); // src, a.txt, empty, sub, bin.dat, deep, the long-named file
    assert.deepEqual(packed['skipped'], ['src/link']);
    const out = await call(unpack, { source: archive, destination: 'x' }, root);
    assert.equal(out['files'], 3);
    assert.equal(out['directories'], 4);
    assert.equal(out['bytes'], 6 + 8 + 9);
    for (const file of ['a.txt', 'sub/bin.dat', 'sub/deep/' + 'n'.repeat(120) + '.txt']) {
      assert.deepEqual(await readFile(join(root, 'x/src', file)), await readFile(join(root, 'src', file)), file);
    }
    assert.ok(lstatSync(join(root, 'x/src/empty')).isDirectory());
    assert.equal(existsSync(join(root, 'x/src/link')), false);
  });
}

test('compress: bounds, policy and bad input', async (t) => {
  const root = await tempDir(t);
  await sampleTree(root);
  await rejectsWith(call(pack, { source: 'src', destination: 'a.tar', max_bytes: 10 }, root), 'E_ARCHIVE_TOO_LARGE');
  await rejectsWith(call(pack, { source: 'src', destination: 'a.tar', max_entries: 2 }, root), 'E_ARCHIVE_TOO_LARGE');
  await rejectsWith(call(pack, { source: '/etc', destination: 'a.tar' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(pack, { source: 'src', destination: '/tmp/rc-evil.tar' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(pack, { source: 'missing', destination: 'a.tar' }, root), 'E_FS_NOT_FOUND');
  await rejectsWith(call(pack, { source: 'src', destination: 'a.tar', level: 5 }, root), 'E_PARAMS_INVALID');
  assert.equal(Value.Check(pack.params, { source: 'src', destination: 'a.rar', format: 'rar' }), false);
  // The archive being written inside its own source is not packed into itself.
  await call(pack, { source: 'src', destination: 'src/self.zip', format: 'zip' }, root);
  const again = await call(pack, { source: 'src', destination: 'src/self.zip', format: 'zip' }, root);
  assert.equal(again['entries'], 7);
  // A single file is stored under its own name.
  const single = await call(pack, { source: 'src/a.txt', destination: 'one.tgz', format: 'tgz' }, root);
  assert.equal(single['entries'], 1);
  assert.equal((await call(unpack, { source: 'one.tgz', destination: 'one' }, root))['files'], 1);
  assert.equal(await readFile(join(root, 'one/a.txt'), 'utf8'), 'alpha\n');
});

/** Each malicious archive is refused with its code; nothing is written anywhere. */
const MALICIOUS_TAR: Array<[string, Parameters<typeof rawTar>[0], string]> = [
  ['zip-slip ../../evil.sh', [{ path: 'ok.txt', data: 'fine' }, { path: '../../evil.sh', data: 'pwned' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['nested climb a/../../evil.sh', [{ path: 'a/../../evil.sh', data: 'pwned' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['absolute /tmp/x', [{ path: '/tmp/rc-zip-slip-x', data: 'pwned' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['backslash ..\\evil', [{ path: '..\\evil.bat', data: 'pwned' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['symlink to /', [{ path: 'root', type: 'SymbolicLink', linkpath: '/' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['symlink climbing out', [{ path: 'a/up', type: 'SymbolicLink', linkpath: '../../..' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['same-path symlink then file (CVE-2026-10732)', [{ path: 'x', type: 'SymbolicLink', linkpath: '/tmp' }, { path: 'x/evil', data: 'pwned' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['hard link to ../../etc/passwd', [{ path: 'h', type: 'Link', linkpath: '../../etc/passwd' }], 'E_ARCHIVE_ENTRY_ESCAPE'],
  ['symlink inside the archive', [{ path: 'a.txt', data: 'x' }, { path: 'b', type: 'SymbolicLink', linkpath: 'a.txt' }], 'E_ARCHIVE_LINK_REFUSED'],
  ['hard link inside the archive', [{ path: 'a.txt', data: 'x' }, { path: 'b', type: 'Link', linkpath: 'a.txt' }], 'E_ARCHIVE_LINK_REFUSED'],
  ['character device', [{ path: 'null', type: 'CharacterDevice' }], 'E_ARCHIVE_ENTRY_TYPE'],
  ['FIFO', [{ path: 'pipe', type: 'FIFO' }], 'E_ARCHIVE_ENTRY_TYPE'],
];
for (const [name, entries, code] of MALICIOUS_TAR) {
  test(`decompress refuses a tar with ${name}: ${code}, nothing written`, async (t) => {
    const root = await tempDir(t);
    await mkdir(join(root, 'w'));
    await writeFile(join(root, 'w/evil.tar'), rawTar(entries));
    const error = await rejectsWith(call(unpack, { source: 'evil.tar', destination: 'out' }, join(root, 'w')), code);
    assert.ok(typeof error.details['entry'] === 'string');
    assert.deepEqual(readdirSync(join(root, 'w')), ['evil.tar']);
    assert.deepEqual(readdirSync(root), ['w']);
    assert.equal(existsSync('/tmp/rc-zip-slip-x'), false);
  });
}

test('decompress: links: skip leaves inside links out, still refuses escaping ones', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'in.tar'), rawTar([{ path: 'a.txt', data: 'x' }, { path: 'b', type: 'SymbolicLink', linkpath: 'a.txt' }]));
  const out = await call(unpack, { source: 'in.tar', destination: 'o', links: 'skip' }, root);
  assert.equal(out['files'], 1);
  assert.deepEqual(out['skipped'], ['b']);
  assert.equal(existsSync(join(root, 'o/b')), false);
  await writeFile(join(root, 'out.tar'), rawTar([{ path: 'b', type: 'SymbolicLink', linkpath: '/etc' }]));
  await rejectsWith(call(unpack, { source: 'out.tar', destination: 'o2', links: 'skip' }, root), 'E_ARCHIVE_ENTRY_ESCAPE');
});

test('decompress: zip-slip, absolute names and symlinks in zip archives are refused', async (t) => {
  const root = await tempDir(t);
  const cases: Array<[string, Buffer, string]> = [
    ['slip', await rawZip([{ name: 'xx/xx/evil.sh', data: Buffer.from('pwned') }], [['xx/xx/evil.sh', '../../evil.sh']]), 'E_ARCHIVE_ENTRY_ESCAPE'],
    ['absolute', await rawZip([{ name: 'tmp/rc-zip-ab', data: Buffer.from('pwned') }], [['tmp/rc-zip-ab', '/tmp/rc-zipab']]), 'E_ARCHIVE_ENTRY_ESCAPE'],
    ['symlink-out', await rawZip([{ name: 'link', data: Buffer.from('/'), mode: 0o120777 }]), 'E_ARCHIVE_ENTRY_ESCAPE'],
    ['symlink-in', await rawZip([{ name: 'a', data: Buffer.from('x') }, { name: 'link', data: Buffer.from('a'), mode: 0o120777 }]), 'E_ARCHIVE_LINK_REFUSED'],
    ['fifo', await rawZip([{ name: 'pipe', data: Buffer.alloc(0), mode: 0o010644 }]), 'E_ARCHIVE_ENTRY_TYPE'],
  ];
  for (const [name, bytes, code] of cases) {
    await writeFile(join(root, `${name}.zip`), bytes);
    await rejectsWith(call(unpack, { source: `${name}.zip`, destination: `out-${name}` }, root), code);
    assert.equal(existsSync(join(root, `out-${name}`)), false, name);
  }
  assert.equal(existsSync('/tmp/rc-zipab'), false);
});

test('decompress: bombs are refused by the bounds (gzip ratio ~1000:1, zip declared size, entry count)', async (t) => {
  const root = await tempDir(t);
  // 110 MiB of zeros in ~110 KiB: over the default 100 MiB bound.
  const zeros = Buffer.alloc(110 * 1024 * 1024);
  await writeFile(join(root, 'bomb.tar.gz'), gzipSync(rawTar([{ path: 'zeros', data: zeros }]), { level: 9 }));
  const began = Date.now();
  const error = await rejectsWith(call(unpack, { source: 'bomb.tar.gz', destination: 'o' }, root), 'E_ARCHIVE_TOO_LARGE');
  assert.equal(error.details['limit'], 100 * 1024 * 1024);
  t.diagnostic(`gzip bomb refused in ${Date.now() - began} ms`);
  await writeFile(join(root, 'bomb.zip'), await rawZip([{ name: 'zeros', data: zeros.subarray(0, 20 * 1024 * 1024) }]));
  await rejectsWith(call(unpack, { source: 'bomb.zip', destination: 'o', max_bytes: 1024 * 1024 }, root), 'E_ARCHIVE_TOO_LARGE');
  // A zip that lies about its size (10 bytes declared, 2 MiB inside): yauzl stops at the first
  // inflated chunk beyond the declared size, before the budget is even reached.
  const liar = await rawZip([{ name: 'zeros', data: zeros.subarray(0, 2 * 1024 * 1024) }]);
  liar.writeUInt32LE(10, liar.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])) + 22);
  liar.writeUInt32LE(10, liar.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
  await writeFile(join(root, 'liar.zip'), liar);
  await rejectsWith(call(unpack, { source: 'liar.zip', destination: 'o' }, root), 'E_ARCHIVE_CORRUPT');
  await writeFile(join(root, 'many.tar'), rawTar(Array.from({ length: 30 }, (_, i) => ({ path: `f${i}`, data: '' }))));
  await rejectsWith(call(unpack, { source: 'many.tar', destination: 'o', max_entries: 20 }, root), 'E_ARCHIVE_TOO_LARGE');
  assert.equal(existsSync(join(root, 'o')), false);
});

test('decompress: destination rules, format detection, corrupt input, partial extraction undone', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'ok.tar'), rawTar([{ path: 'a.txt', data: 'x' }]));
  await mkdir(join(root, 'full'));
  await writeFile(join(root, 'full/keep'), 'k');
  await rejectsWith(call(unpack, { source: 'ok.tar', destination: 'full' }, root), 'E_ARCHIVE_DEST_NOT_EMPTY');
  assert.equal((await call(unpack, { source: 'ok.tar', destination: 'full', overwrite: true }, root))['files'], 1);
  await rejectsWith(call(unpack, { source: 'ok.tar', destination: '/tmp/rc-out' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(unpack, { source: 'ok.tar', destination: '.rustchain/x' }, root), 'E_POLICY_PATH_DENIED');
  // No extension: detected from the content.
  await writeFile(join(root, 'blob'), await rawZip([{ name: 'z.txt', data: Buffer.from('z') }]));
  assert.equal((await call(unpack, { source: 'blob', destination: 'fromzip' }, root))['format'], 'zip');
  await writeFile(join(root, 'noise.bin'), 'not an archive at all');
  await rejectsWith(call(unpack, { source: 'noise.bin', destination: 'n' }, root), 'E_ARCHIVE_FORMAT_UNKNOWN');
  await writeFile(join(root, 'noise.zip'), 'PK not really a zip');
  await rejectsWith(call(unpack, { source: 'noise.zip', destination: 'n' }, root), 'E_ARCHIVE_CORRUPT');
  // `f` as a file, then `f/g`: the second write fails after the first landed; both are undone.
  await writeFile(join(root, 'clash.tar'), rawTar([{ path: 'f', data: 'x' }, { path: 'f/g', data: 'y' }]));
  await assert.rejects(call(unpack, { source: 'clash.tar', destination: 'clash' }, root));
  assert.equal(existsSync(join(root, 'clash')), false);
});

test('engine: compress then decompress in one mission', async (t) => {
  const root = await tempDir(t);
  await sampleTree(root);
  const plugins = new Map([[pack.type, { definition: pack }], [unpack.type, { definition: unpack }]]);
  const registry: StepTypeLookup = { get: (ty) => plugins.get(ty), has: (ty) => plugins.has(ty), types: () => [...plugins.keys()].sort() };
  const result = await executeMission(
    mission([
      step('pack', [], { type: 'compress', parameters: { source: 'src', destination: 'src.zip', format: 'zip' }, timeoutSeconds: 30 }),
      step('unpack', ['pack'], { type: 'decompress', parameters: { source: '${{ steps.pack.outputs.path }}', destination: 'copy' }, hasTemplates: true, timeoutSeconds: 30 }),
    ]),
    { registry, policy: policyFor(root), workDir: root, env: {} },
  );
  assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((s) => s.error)));
  assert.equal(await readFile(join(root, 'copy/src/a.txt'), 'utf8'), 'alpha\n');
});
