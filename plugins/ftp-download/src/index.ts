import { Writable } from 'node:stream';
import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
// The FTP session and its parameters are ftp_upload's (one implementation for both directions).
import { connectionClaims, connectionParams, ONE_LINE } from '@rustchain/plugin-ftp-upload/params';

/**
 * `ftp_download`: fetches one file from an FTP or FTPS server into a local file. Both FTP
 * connections are opened through `ctx.net`; the local path is checked against the write
 * roots before anything connects, and written through `ctx.fs` once the transfer is complete.
 */

/** Default cap on the downloaded file: 100 MiB (it is held in memory until written). */
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const Params = Type.Object(
  {
    ...connectionParams,
    remote_file: Type.String({ minLength: 1, pattern: ONE_LINE, description: 'path on the server (relative to the login directory unless absolute)' }),
    local_file: Type.String({ minLength: 1, description: 'destination file (written through the fs policy; replaced if it exists)' }),
    create_dirs: Type.Optional(Type.Boolean({ description: 'create the local parent directories (default false)' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'abort when the remote file is larger than this (default 100 MiB)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  bytes: Type.Integer({ description: 'bytes received and written' }),
  local_file: Type.String({ description: 'absolute path of the file written' }),
  remote_file: Type.String(),
  duration_ms: Type.Number(),
});

/** A sink that keeps the bytes in memory and fails past `maxBytes` (the transfer is then aborted). */
function boundedSink(maxBytes: number, remote: string): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > maxBytes) {
        done(
          new PluginError('E_FTP_FILE_TOO_LARGE', `${remote} is larger than max_bytes (${maxBytes})`, {
            details: { remote_file: remote, max_bytes: maxBytes },
            nonRetryable: true,
          }),
        );
        return;
      }
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks, total) };
}

/** The `ftp_download` step type. */
export default definePlugin({
  type: 'ftp_download',
  description: 'Downloads a file from an FTP/FTPS server to a local file (connections under the network policy)',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'fs.write', 'fs.read', 'env'],
  effect: 'idempotent',
  claims: (p) => [...connectionClaims(p), { kind: 'write', path: p.local_file, pointer: '/local_file' }],
  async run(p, ctx) {
    // basic-ftp loads only when a step runs: the registry imports every plugin at start-up.
    const { withSession } = await import('@rustchain/plugin-ftp-upload/session');
    const started = performance.now();
    // Refuse a forbidden destination before connecting to anything.
    await ctx.fs.resolve(p.local_file, 'write');
    const maxBytes = p.max_bytes ?? DEFAULT_MAX_BYTES;
    const data = await withSession(p, ctx, async (client, phase) => {
      phase('download');
      const { sink, bytes } = boundedSink(maxBytes, p.remote_file);
      await client.downloadTo(sink, p.remote_file);
      return bytes();
    });
    const written = await ctx.fs.writeBytes(p.local_file, data, { createParents: p.create_dirs ?? false });
    return { bytes: written.bytes, local_file: written.path, remote_file: p.remote_file, duration_ms: Math.round(performance.now() - started) };
  },
});
