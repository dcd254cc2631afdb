import { Readable } from 'node:stream';
import { definePlugin, Type } from '@rustchain/core/plugin';
import { connectionClaims, connectionParams, ONE_LINE } from './ftp-params.ts';

/**
 * `ftp_upload`: sends one local file to an FTP or FTPS server. The file is read through
 * `ctx.fs` (read roots), both FTP connections are opened through `ctx.net`.
 */

/** Default cap on the uploaded file: 100 MiB (it is held in memory). */
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const Params = Type.Object(
  {
    ...connectionParams,
    local_file: Type.String({ minLength: 1, description: 'file to upload (read through the fs policy)' }),
    remote_file: Type.String({ minLength: 1, pattern: ONE_LINE, description: 'destination path on the server (relative to the login directory unless absolute)' }),
    create_dirs: Type.Optional(Type.Boolean({ description: 'create the remote parent directories first (default false)' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'refuse a local file larger than this (default 100 MiB)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  bytes: Type.Integer({ description: 'bytes sent' }),
  local_file: Type.String({ description: 'absolute path of the file read' }),
  remote_file: Type.String(),
  duration_ms: Type.Number(),
});

/** Parent directory of a remote path, or null when it has none. */
function remoteParent(path: string): string | null {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  if (cut < 0) return null;
  return cut === 0 ? '/' : path.slice(0, cut);
}

/** The `ftp_upload` step type. */
export default definePlugin({
  type: 'ftp_upload',
  description: 'Uploads a local file to an FTP/FTPS server (connections under the network policy)',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'fs.read', 'env'],
  effect: 'idempotent',
  claims: (p) => [...connectionClaims(p), { kind: 'read', path: p.local_file, pointer: '/local_file' }],
  async run(p, ctx) {
    // basic-ftp loads only when a step runs: the registry imports every plugin at start-up.
    const { withSession } = await import('./ftp-session.ts');
    const started = performance.now();
    const localFile = await ctx.fs.resolve(p.local_file, 'read');
    const data = await ctx.fs.readBytes(p.local_file, { maxBytes: p.max_bytes ?? DEFAULT_MAX_BYTES });
    await withSession(p, ctx, async (client, phase) => {
      const parent = remoteParent(p.remote_file);
      if ((p.create_dirs ?? false) && parent !== null) {
        phase('create_dirs');
        // ensureDir changes the working directory; the upload path is relative to the login one.
        const home = await client.pwd();
        await client.ensureDir(parent);
        await client.cd(home);
      }
      phase('upload');
      await client.uploadFrom(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), p.remote_file);
    });
    return { bytes: data.byteLength, local_file: localFile, remote_file: p.remote_file, duration_ms: Math.round(performance.now() - started) };
  },
});
