import { definePlugin, Type, type ResourceClaim, type Static, type StepContext } from '@rustchain/core/plugin';
import * as errors from './errors.ts';
import { knownHostsPins, parsePin, type HostKeyPin } from './host-key.ts';
import type { SessionOptions } from './session.ts';

/**
 * `ssh_execute`: runs one command on a remote host over SSH. The TCP connection comes from
 * `ctx.net` (network policy, SSRF rules, abort), the host key must match a pin (no trust on
 * first use), credentials come only from files and environment variables the policy allows.
 */

/** Default cap on each of stdout and stderr, as ctx.exec: 10 MiB. */
const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** Default deadline for connecting, the handshake and authentication. */
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

const Params = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'server host name or IP' }),
    username: Type.String({ minLength: 1 }),
    command: Type.String({ minLength: 1, description: 'the remote command line (run by the remote user\'s shell)' }),
    args: Type.Optional(
      Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: 'arguments appended to `command`, each single-quoted for the remote POSIX shell (safe for templated values)',
      }),
    ),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default 22' })),
    host_key: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
        description: 'pinned server key(s): `SHA256:...` fingerprint (as `ssh-keygen -lf` prints), `<type> <base64>` public key, or a known_hosts line',
      }),
    ),
    known_hosts_path: Type.Optional(Type.String({ minLength: 1, description: 'a known_hosts file (read through the fs policy) whose entries for the host are the pins' })),
    private_key_path: Type.Optional(Type.String({ minLength: 1, description: 'OpenSSH/PEM private key file (read through the fs policy)' })),
    private_key_env: Type.Optional(Type.String({ minLength: 1, description: 'name of an environment variable holding the private key text' })),
    passphrase_env: Type.Optional(Type.String({ minLength: 1, description: 'name of an environment variable holding the key passphrase' })),
    password_env: Type.Optional(Type.String({ minLength: 1, description: 'name of an environment variable holding the password (password authentication)' })),
    password: Type.Optional(Type.String({ secret: true, description: 'refused (E_SSH_LITERAL_SECRET): use password_env' })),
    passphrase: Type.Optional(Type.String({ secret: true, description: 'refused (E_SSH_LITERAL_SECRET): use passphrase_env' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'deadline of the whole step (connect, handshake, command); connecting alone is capped at 30 s' })),
    max_output_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'cap on each of stdout and stderr (default 10 MiB); over it: E_OUTPUT_TOO_LARGE' })),
    allow_failure: Type.Optional(Type.Boolean({ description: 'a non-zero exit returns the outputs instead of failing the step (default false)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  exit_code: Type.Union([Type.Integer(), Type.Null()], { description: 'remote exit status; null when killed by a signal or none was reported' }),
  signal: Type.Union([Type.String(), Type.Null()], { description: 'signal name (`SIGKILL`, `SIGTERM`) when the command was killed by one' }),
  stdout: Type.String(),
  stderr: Type.String(),
  duration_ms: Type.Number(),
});

type Params = Static<typeof Params>;

/** `'it'\''s'`: one POSIX shell word whatever the value holds. */
function shellQuote(value: string | number | boolean): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

function commandLine(p: Params): string {
  return [p.command, ...(p.args ?? []).map(shellQuote)].join(' ');
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The pins and where they came from (host_key wins over known_hosts_path when both are set, and both count). */
async function loadPins(p: Params, port: number, ctx: StepContext): Promise<Pick<SessionOptions, 'pins' | 'revoked' | 'pinSource'>> {
  const pins: HostKeyPin[] = [];
  const entries = p.host_key === undefined ? [] : Array.isArray(p.host_key) ? p.host_key : [p.host_key];
  for (const entry of entries) {
    const pin = parsePin(entry);
    if (!pin) throw errors.hostKeyInvalid(entry);
    pins.push(pin);
  }
  let revoked: HostKeyPin[] = [];
  if (p.known_hosts_path !== undefined) {
    const found = knownHostsPins(await ctx.fs.readText(p.known_hosts_path, { maxBytes: 4 * 1024 * 1024 }), p.host, port);
    pins.push(...found.pins);
    revoked = found.revoked;
  }
  const pinSource = entries.length > 0 ? 'host_key' : p.known_hosts_path !== undefined ? 'known_hosts' : 'none';
  return { pins, revoked, pinSource };
}

function fromEnv(ctx: StepContext, param: string, name: string): string {
  const value = ctx.env.get(name);
  if (value === undefined || value === '') throw errors.credentialMissing(param, name);
  return value;
}

/** Reads the credentials (the key is checked by the session module's `checkKey`, before connecting). */
async function loadAuth(p: Params, ctx: StepContext): Promise<SessionOptions['auth']> {
  if (p.password !== undefined) throw errors.literalSecret('password');
  if (p.passphrase !== undefined) throw errors.literalSecret('passphrase');
  const auth: SessionOptions['auth'] = {};
  if (p.private_key_path !== undefined) auth.privateKey = await ctx.fs.readText(p.private_key_path, { maxBytes: 1024 * 1024 });
  else if (p.private_key_env !== undefined) auth.privateKey = fromEnv(ctx, 'private_key_env', p.private_key_env);
  if (p.passphrase_env !== undefined) auth.passphrase = fromEnv(ctx, 'passphrase_env', p.passphrase_env);
  if (p.password_env !== undefined) auth.password = fromEnv(ctx, 'password_env', p.password_env);
  if (auth.privateKey === undefined && auth.password === undefined) throw errors.noCredentials();
  return auth;
}

/** The `ssh_execute` step type: one remote command over SSH with a pinned host key. */
export default definePlugin({
  type: 'ssh_execute',
  description: 'Runs a command on a remote host over SSH (pinned host key, key or env password auth); outputs exit_code, stdout, stderr',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'fs.read', 'env'],
  effect: 'side-effect',
  claims(p) {
    const claims: ResourceClaim[] = [{ kind: 'net', url: `ssh://${urlHost(p.host)}:${p.port ?? 22}`, pointer: '/host' }];
    if (p.private_key_path !== undefined) claims.push({ kind: 'read', path: p.private_key_path, pointer: '/private_key_path' });
    if (p.known_hosts_path !== undefined) claims.push({ kind: 'read', path: p.known_hosts_path, pointer: '/known_hosts_path' });
    for (const key of ['private_key_env', 'passphrase_env', 'password_env'] as const) {
      const name = p[key];
      if (name !== undefined) claims.push({ kind: 'env', name, pointer: `/${key}` });
    }
    return claims;
  },
  async run(p, ctx) {
    // ssh2 loads only when a step runs: the registry imports every plugin at start-up.
    const { checkKey, runRemote } = await import('./session.ts');
    const started = performance.now();
    const port = p.port ?? 22;
    const at = { host: p.host, port };
    const auth = await loadAuth(p, ctx);
    checkKey(auth);
    const pins = await loadPins(p, port, ctx);
    const connectTimeoutMs = Math.min(p.timeout_ms ?? DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS);
    const socket = await ctx.net.connect({ host: p.host, port, timeoutMs: connectTimeoutMs });
    const elapsed = performance.now() - started;
    const result = await runRemote({
      at,
      socket,
      username: p.username,
      command: commandLine(p),
      auth,
      ...pins,
      maxOutputBytes: p.max_output_bytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      timeoutMs: p.timeout_ms === undefined ? undefined : Math.max(1, p.timeout_ms - elapsed),
      readyTimeoutMs: connectTimeoutMs,
      signal: ctx.signal,
    });
    const outputs = {
      exit_code: result.exitCode,
      signal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
      duration_ms: Math.round(performance.now() - started),
    };
    if (outputs.exit_code !== 0 && !(p.allow_failure ?? false)) throw errors.exitNonZero(at, outputs);
    return outputs;
  },
});
