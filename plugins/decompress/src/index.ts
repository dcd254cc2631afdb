import { definePlugin, PluginError, Type, type StepContext } from '@rustchain/core/plugin';
import { Budget, type SafeEntry } from './entries.ts';
import { writeEntries } from './write.ts';

/**
 * `decompress`: extracts a tar, tar.gz or zip archive into a directory, safely
 * (SECURITY-CATALOGUE 21). The whole archive is read and every entry checked in memory before
 * anything is written: climbing or absolute names, links pointing outside, device files and
 * archives over the entry/byte bounds are refused as a whole, so a refused archive writes
 * nothing. Links are never created. Files are written through ctx.fs with default
 * permissions (no modes, owners or setuid bits are restored).
 */

const FORMATS = ['tar', 'tar.gz', 'tgz', 'zip'] as const;
type Format = 'tar' | 'zip';

const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 10_000;

const Params = Type.Object(
  {
    source: Type.String({ minLength: 1, description: 'archive file' }),
    destination: Type.String({ minLength: 1, description: 'directory to extract into (created; must be empty unless overwrite)' }),
    format: Type.Optional(Type.Union(FORMATS.map((f) => Type.Literal(f)), { description: 'default: from the extension, else the content' })),
    overwrite: Type.Optional(Type.Boolean({ default: false, description: 'extract into a non-empty directory, replacing files' })),
    links: Type.Optional(Type.Union([Type.Literal('refuse'), Type.Literal('skip')], { default: 'refuse', description: 'links inside the archive: refuse it, or leave them out' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024, default: DEFAULT_MAX_BYTES, description: 'bound on the uncompressed total' })),
    max_entries: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: DEFAULT_MAX_ENTRIES })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  path: Type.String({ description: 'absolute extraction directory' }),
  format: Type.String(),
  entries: Type.Integer({ description: 'files and directories written' }),
  files: Type.Integer(),
  directories: Type.Integer(),
  bytes: Type.Integer({ description: 'uncompressed bytes written' }),
  skipped: Type.Array(Type.String(), { description: 'links left out (links: skip)' }),
});

function formatOf(source: string, explicit: string | undefined, head: Uint8Array): Format {
  if (explicit !== undefined) return explicit === 'zip' ? 'zip' : 'tar';
  const lower = source.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.tar') || lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  if ((head[0] === 0x1f && head[1] === 0x8b) || Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  throw new PluginError('E_ARCHIVE_FORMAT_UNKNOWN', `cannot tell the format of \`${source}\`: give format (tar, tar.gz, zip)`, { details: { source }, nonRetryable: true });
}

/** Creates the extraction dir, or checks an existing one is empty (unless overwrite). */
async function prepareDestination(ctx: StepContext, destination: string, overwrite: boolean): Promise<{ root: string; created: boolean }> {
  const stat = await ctx.fs.stat(destination);
  if (stat === null) {
    const made = await ctx.fs.mkdir(destination);
    return { root: made.path, created: true };
  }
  if (stat.type !== 'directory') throw new PluginError('E_FS_EXISTS', `\`${destination}\` exists and is not a directory`, { details: { path: destination }, nonRetryable: true });
  if (!overwrite && (await ctx.fs.list(destination)).length > 0) {
    throw new PluginError('E_ARCHIVE_DEST_NOT_EMPTY', `\`${destination}\` is not empty: extract into a fresh directory, or set overwrite: true`, { details: { path: destination }, nonRetryable: true });
  }
  return { root: await ctx.fs.resolve(destination, 'write'), created: false };
}

/** The `decompress` step type: safe extraction of tar, tar.gz and zip archives. */
export default definePlugin({
  type: 'decompress',
  description: 'Extracts a tar, tar.gz or zip archive into a directory (zip-slip, links, devices and bombs refused).',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read', 'fs.write'],
  effect: 'idempotent',
  claims: (p) => [
    { kind: 'read', path: p.source, pointer: '/source' },
    { kind: 'write', path: p.destination, pointer: '/destination' },
  ],
  async run(p, ctx) {
    const maxBytes = p.max_bytes ?? DEFAULT_MAX_BYTES;
    const limits = { maxBytes, maxEntries: p.max_entries ?? DEFAULT_MAX_ENTRIES };
    // The archive file itself is bounded by the uncompressed bound plus its headers.
    const archive = await ctx.fs.readBytes(p.source, { maxBytes: maxBytes + limits.maxEntries * 1024 + 1024 * 1024 });
    const format = formatOf(p.source, p.format, archive.subarray(0, 512));
    const budget = new Budget(limits);
    const links = { mode: p.links ?? 'refuse', skipped: [] as string[] };
    // The archive libraries load only when a step extracts (every invocation imports the plugin).
    const entries: SafeEntry[] = format === 'zip'
      ? await (await import('./read-zip.ts')).readZip(archive, budget, links, maxBytes)
      : await (await import('./read-tar.ts')).readTar(archive, budget, links);
    const { root, created } = await prepareDestination(ctx, p.destination, p.overwrite ?? false);
    const written = await writeEntries(ctx, root, entries, created);
    return { path: root, format, entries: written.files + written.directories, ...written, skipped: links.skipped };
  },
});
