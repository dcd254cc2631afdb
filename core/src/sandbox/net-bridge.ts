/**
 * The bridge inside a sandbox's own network namespace. bwrap cannot route to the host, so
 * the engine binds the Unix socket of its filtering proxy (net-proxy.ts) into the namespace,
 * and this small node program, started by bwrap in place of the command, listens on
 * 127.0.0.1:<free port> inside, forwards every connection to that socket, then runs the
 * command with the proxy variables set and exits as it exits. It filters nothing: the
 * policy is applied by the proxy, outside the sandbox, where the command cannot reach it.
 *
 * Passed with `node -e` (no file to ship or bind). Node reads `NODE_*` variables itself
 * (NODE_OPTIONS, NODE_EXTRA_CA_CERTS...): the engine moves them aside under
 * BRIDGE_ENV_PREFIX so they reach the command unchanged and never the bridge.
 */

/** Prefix under which the command's own `NODE_*` variables travel past the bridge. */
const BRIDGE_ENV_PREFIX = 'RUSTCHAIN_BRIDGE_ENV_';

// Plain CommonJS for `node -e`. argv: [socket, command, ...args]. A child killed by a signal
// is mirrored (the bridge kills itself with it) so the exit status reads as the command's.
const BRIDGE_SCRIPT = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [socket, file, ...args] = process.argv.slice(1);
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (k.startsWith('NODE_') || k.startsWith('UV_')) continue;
  env[k.startsWith('${BRIDGE_ENV_PREFIX}') ? k.slice(${BRIDGE_ENV_PREFIX.length}) : k] = v;
}
const server = net.createServer((client) => {
  const up = net.connect(socket);
  client.pipe(up);
  up.pipe(client);
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
  client.on('close', () => up.destroy());
  up.on('close', () => client.destroy());
});
server.on('error', (e) => { process.stderr.write('rustchain net bridge: ' + e.message + '\\n'); process.exit(126); });
server.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + server.address().port;
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) { env[k] = url; env[k.toLowerCase()] = url; }
  env.NO_PROXY = '';
  env.no_proxy = '';
  env.NODE_USE_ENV_PROXY = '1';
  const child = spawn(file, args, { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => { process.stderr.write('rustchain net bridge: cannot start ' + file + ': ' + e.message + '\\n'); process.exit(e.code === 'ENOENT' ? 127 : 126); });
  child.on('exit', (code, sig) => {
    if (sig === null) process.exit(code === null ? 1 : code);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.removeAllListeners(s);
    process.kill(process.pid, sig);
  });
});
`;

/** The argv bwrap runs instead of `argv`: node with the bridge (to `socket`, bound at its host path), then the command. */
export function bridgeArgv(node: string, socket: string, argv: readonly string[]): string[] {
  return [node, '-e', BRIDGE_SCRIPT, '--', socket, ...argv];
}

/** The spawn environment: the command's, with `NODE_*`/`UV_*` moved aside so only the command sees them. */
export function bridgeEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name.startsWith('NODE_') || name.startsWith('UV_') ? `${BRIDGE_ENV_PREFIX}${name}` : name] = value;
  }
  return out;
}
