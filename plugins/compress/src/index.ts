// node:zlib only compresses bytes already in memory (gzip of the tar): no file, process or
// network is touched; every read and write of the step goes through ctx.fs.
import { gzipSync } from 'node:zlib';
import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { collect, type SourceEntry } from './collect.ts';

/**
 * `compress`: packs a file or a directory (stored under its own name) into a tar, tar.gz or
 * zip archive. Every file is read through ctx.fs (policy-checked, links never followed:
 * symlinks and special files are skipped and listed); the archive is built in memory within
 * `max_bytes` / `max_entries` and written with ctx.fs.writeBytes.
 */

const FORMATS = ['tar', 'zip', 'tar.gz', 'tgz'] as const;
type Format = (typeof FORMATS)[number];

/** Default bound on the bytes read into one archive: 100 MiB. */
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
/** Default bound on the entries of one archive. */
const DEFAULT_MAX_ENTRIES = 10_000;

const Params = Type.Object(
  {
    source: Type.String({ minLength: 1, description: 'file or directory to archive' }),
    destination: Type.String({ minLength: 1, description: 'archive file to write (replaced when it exists)' }),
    format: Type.Optional(Type.Union(FORMATS.map((f) => Type.Literal(f)), { default: 'tar' })),
    level: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'compression level (zip, tar.gz); 0 = stored' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024, default: DEFAULT_MAX_BYTES })),
    max_entries: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: DEFAULT_MAX_ENTRIES })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  path: Type.String({ description: 'absolute path of the archive' }),
  bytes: Type.Integer({ description: 'size of the archive' }),
  entries: Type.Integer({ description: 'files and directories stored' }),
  format: Type.String(),
  skipped: Type.Array(Type.String(), { description: 'symlinks and special files left out' }),
});

async function encode(format: Format, entries: readonly SourceEntry[], level: number | undefined): Promise<Buffer> {
  // The archive libraries load only when a step archives (every invocation imports the plugin).
  if (format === 'zip') return (await import('./zip-writer.ts')).writeZip(entries, level);
  const tar = (await import('./tar-writer.ts')).writeTar(entries);
  return format === 'tar' ? tar : gzipSync(tar, level === undefined ? {} : { level });
}

/** The `compress` step type: tar, tar.gz or zip of a file or directory. */
export default definePlugin({
  type: 'compress',
  description: 'Packs a file or directory into a tar, tar.gz or zip archive (through ctx.fs, bounded).',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read', 'fs.write'],
  // The same source gives the same archive path and content: running twice equals once.
  effect: 'idempotent',
  claims: (p) => [
    { kind: 'read', path: p.source, pointer: '/source' },
    { kind: 'write', path: p.destination, pointer: '/destination' },
  ],
  async run(p, ctx) {
    const format = p.format ?? 'tar';
    if (format === 'tar' && p.level !== undefined) {
      throw new PluginError('E_PARAMS_INVALID', '`level` applies to zip and tar.gz only', { details: { format }, nonRetryable: true });
    }
    const destination = await ctx.fs.resolve(p.destination, 'write');
    const { entries, skipped } = await collect(ctx, p.source, destination, {
      maxBytes: p.max_bytes ?? DEFAULT_MAX_BYTES,
      maxEntries: p.max_entries ?? DEFAULT_MAX_ENTRIES,
    });
    const archive = await encode(format, entries, p.level);
    const written = await ctx.fs.writeBytes(p.destination, archive, { createParents: true });
    if (skipped.length > 0) ctx.log.warn('symlinks and special files were not archived', { skipped });
    return { path: written.path, bytes: written.bytes, entries: entries.length, format, skipped };
  },
});
