import { existsSync } from 'node:fs';

/**
 * The bridge inside a sandbox's own network namespace. bwrap cannot route to the host, so
 * the engine binds the Unix socket of its filtering proxy (net-proxy.ts) into the namespace,
 * and this small program, started by bwrap in place of the command, listens on
 * 127.0.0.1:<free port> inside, forwards every connection to that socket, then runs the
 * command with the proxy variables set and exits as it exits (a command killed by a signal is
 * mirrored, so the status reads as the command's). It filters nothing: the policy is applied
 * by the proxy, outside the sandbox, where the command cannot reach it.
 *
 * Two equivalent scripts, passed with `-e` (no file to ship or bind): perl's, when the system
 * perl is there (Debian's perl-base is essential), since it starts in ~10 ms against node's
 * ~150 ms on a loaded machine, else node's (the engine's own node always exists). Both
 * interpreters read variables of their own (NODE_OPTIONS, PERL5OPT...): the engine moves
 * those aside under BRIDGE_ENV_PREFIX, so they reach the command unchanged and never the bridge.
 */

/** Which interpreter runs the bridge, and its path. */
export interface Bridge {
  kind: 'perl' | 'node';
  path: string;
}

/** Prefix under which the command's own interpreter variables travel past the bridge. */
const BRIDGE_ENV_PREFIX = 'RUSTCHAIN_BRIDGE_ENV_';
/** Variables the bridge's interpreter would read itself. */
const INTERPRETER_ENV = /^(?:NODE_|UV_|PERL)/;

// Plain CommonJS for `node -e`. argv: [socket, command, ...args].
const NODE_BRIDGE = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [socket, file, ...args] = process.argv.slice(1);
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (/^(?:NODE_|UV_|PERL)/.test(k)) continue;
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

// Core perl only, no module (even `use Socket` costs ~30 ms): Linux constants AF_INET 2,
// AF_UNIX 1, SOCK_STREAM 1, WNOHANG 1, SHUT_WR 1 (bwrap is Linux-only). A SIGCHLD wakes the
// select loop through a pipe; each connection is pumped by a forked child.
const PERL_BRIDGE = `
my ($path, @cmd) = @ARGV;
my ($srv, $up);
socket($srv, 2, 1, 0) && bind($srv, pack('S n C4 x8', 2, 0, 127, 0, 0, 1)) && listen($srv, 128)
  or do { print STDERR "rustchain net bridge: $!\\n"; exit 126 };
my (undef, $port) = unpack('S n', getsockname($srv));
my $url = "http://127.0.0.1:$port";
pipe(my $wake, my $waker) or exit 126;
$SIG{CHLD} = sub { syswrite($waker, 'x') };
my $child = fork();
exit 126 unless defined $child;
if ($child == 0) {
  close $srv;
  for my $k (keys %ENV) { delete $ENV{$k} if $k =~ /^(?:NODE_|UV_|PERL)/ }
  for my $k (keys %ENV) { $ENV{$1} = delete $ENV{$k} if $k =~ /^${BRIDGE_ENV_PREFIX}(.+)$/ }
  $ENV{$_} = $url for qw(HTTP_PROXY http_proxy HTTPS_PROXY https_proxy ALL_PROXY all_proxy);
  @ENV{qw(NO_PROXY no_proxy NODE_USE_ENV_PROXY)} = ('', '', '1');
  $SIG{CHLD} = 'DEFAULT';
  { exec { $cmd[0] } @cmd }
  print STDERR "rustchain net bridge: cannot start $cmd[0]: $!\\n";
  exit($!{ENOENT} ? 127 : 126);
}
for my $sig (qw(INT TERM HUP QUIT)) { $SIG{$sig} = sub { kill $sig, $child } }
sub pump {
  my ($client) = @_;
  socket($up, 1, 1, 0) && connect($up, pack('S a108', 1, $path)) or exit 1;
  my @open = ([$client, $up], [$up, $client]);
  while (@open) {
    my $rin = '';
    vec($rin, fileno($_->[0]), 1) = 1 for @open;
    next if select(my $rout = $rin, undef, undef, undef) <= 0;
    for my $pair (@open) {
      my ($from, $to) = @$pair;
      next unless vec($rout, fileno($from), 1);
      my $n = sysread($from, my $buf, 65536);
      if (!$n) { shutdown($to, 1); $pair = undef; next }
      for (my $off = 0; $off < $n;) { my $w = syswrite($to, $buf, $n - $off, $off) or exit 0; $off += $w }
    }
    @open = grep { defined } @open;
  }
  exit 0;
}
while (1) {
  my $rin = '';
  vec($rin, fileno($srv), 1) = 1;
  vec($rin, fileno($wake), 1) = 1;
  next if select(my $rout = $rin, undef, undef, undef) <= 0;
  if (vec($rout, fileno($wake), 1)) {
    sysread($wake, my $buf, 512);
    while ((my $pid = waitpid(-1, 1)) > 0) {
      next unless $pid == $child;
      my $status = $?;
      exit($status >> 8) unless $status & 127;
      $SIG{$_} = 'DEFAULT' for qw(INT TERM HUP QUIT);
      kill $status & 127, $$;
      exit 128 + ($status & 127);
    }
  }
  if (vec($rout, fileno($srv), 1) && accept(my $client, $srv)) {
    my $pid = fork();
    if (defined $pid && $pid == 0) { close $srv; $SIG{$_} = 'DEFAULT' for qw(INT TERM HUP QUIT CHLD); pump($client) }
    close $client;
  }
}
`;

let picked: Bridge | undefined;

/** The bridge to use here: the system perl when present, else the engine's node; probed once. */
export function pickBridge(): Bridge {
  picked ??= ['/usr/bin/perl', '/bin/perl'].filter((p) => existsSync(p)).map((path): Bridge => ({ kind: 'perl', path }))[0] ?? { kind: 'node', path: process.execPath };
  return picked;
}

/** The argv bwrap runs instead of `argv`: the bridge (to `socket`, bound at its host path), then the command. */
export function bridgeArgv(bridge: Bridge, socket: string, argv: readonly string[]): string[] {
  return [bridge.path, '-e', bridge.kind === 'perl' ? PERL_BRIDGE : NODE_BRIDGE, '--', socket, ...argv];
}

/** The spawn environment: the command's, with `NODE_*`/`UV_*`/`PERL*` moved aside so only the command sees them. */
export function bridgeEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) out[INTERPRETER_ENV.test(name) ? `${BRIDGE_ENV_PREFIX}${name}` : name] = value;
  // perl warns on stderr (the command's) when LANG names a locale that is not installed.
  out['PERL_BADLANG'] = '0';
  return out;
}
