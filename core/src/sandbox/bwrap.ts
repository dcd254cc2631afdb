import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { bridgeArgv, type Bridge } from './net-bridge.ts';
import { proxySocketsDir } from './net-proxy.ts';
import { GUARD_ENV } from '../capabilities/process-groups.ts';

/**
 * bubblewrap (`bwrap`) support: a probe that tells whether it can actually create a
 * namespace here (it may be installed but unusable without user namespaces), and the argv
 * that runs a command in a namespace seeing only the system directories a binary needs,
 * the policy's read roots (read-only) and write roots (read-write), in its own network
 * namespace: no network at all, or (when the policy allows some hosts) only the engine's
 * filtering proxy, reached through a bound Unix socket and the bridge of net-bridge.ts.
 */

/** Result of probing for a usable bwrap. */
export interface BwrapProbe {
  available: boolean;
  /** Absolute path of bwrap when found. */
  path: string | null;
  /** Why it is unavailable (not installed, or the probe namespace failed and its stderr). */
  reason: string | null;
}

/** System directories a dynamically linked binary needs, bound read-only when present. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc/alternatives', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/ssl', '/etc/ca-certificates', '/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf'];

function findOnPath(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? '').split(':')) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

let cached: BwrapProbe | undefined;
let started: Promise<BwrapProbe> | undefined;

const NOT_INSTALLED = 'bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)';
const PROBE_TIMEOUT_MS = 5000;
const probeArgs = (): string[] => [...systemBinds(), '--unshare-all', '--die-with-parent', '--', 'true'];

function probeResult(path: string, status: number | null, stderr: string, error: Error | undefined): BwrapProbe {
  return status === 0
    ? { available: true, path, reason: null }
    : { available: false, path, reason: `bwrap cannot create a namespace here: ${(stderr || error?.message || `exit ${status}`).trim()}` };
}

/** Finds bwrap and runs `true` inside a fresh namespace once per process; cached. */
export function probeBwrap(options: { pathVar?: string; refresh?: boolean } = {}): BwrapProbe {
  if (cached && !options.refresh) return cached;
  const path = findOnPath('bwrap', options.pathVar ?? process.env['PATH']);
  if (path === null) {
    cached = { available: false, path: null, reason: NOT_INSTALLED };
    return cached;
  }
  const probe = spawnSync(path, probeArgs(), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
  cached = probeResult(path, probe.status, probe.stderr, probe.error);
  return cached;
}

/**
 * The same probe without blocking: creating the namespace takes ~40 ms, mostly in bwrap's own
 * process, so a command that needs the answer only after loading the mission (the policy's
 * default sandbox mode) starts it first and awaits it then: the probe overlaps the load
 * instead of adding to every run's start-up. Fills the cache probeBwrap reads.
 */
export function probeBwrapAsync(): Promise<BwrapProbe> {
  if (cached) return Promise.resolve(cached);
  started ??= new Promise<BwrapProbe>((resolve) => {
    const path = findOnPath('bwrap', process.env['PATH']);
    if (path === null) return resolve((cached = { available: false, path: null, reason: NOT_INSTALLED }));
    const child = spawn(path, probeArgs(), { stdio: ['ignore', 'ignore', 'pipe'], timeout: PROBE_TIMEOUT_MS });
    let stderr = '';
    let failure: Error | undefined;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => (failure = error));
    child.on('close', (status) => resolve((cached ??= probeResult(path, status, stderr, failure))));
  });
  return started;
}

/** `--ro-bind`/`--symlink` arguments for the system directories (symlinked dirs stay symlinks). */
function systemBinds(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  return args;
}

/** What the namespace may see. */
export interface SandboxSpec {
  /** bwrap's path (from probeBwrap). */
  bwrap: string;
  /** Realpath'd read roots (bound read-only). */
  readRoots: readonly string[];
  /** Realpath'd write roots (bound read-write, after the read-only ones so they win). */
  writeRoots: readonly string[];
  /** Working directory inside the namespace (same path as outside). */
  cwd: string;
  /**
   * The filtering proxy (net-proxy.ts) when the policy allows some hosts: its Unix socket's dir
   * is bound inside and the command runs under the bridge (net-bridge.ts). Without it the
   * namespace has no network at all. The host's network namespace is never shared.
   */
  proxy?: { socket: string; bridge: Bridge } | undefined;
  /** Paths bound read-only over the roots (governing files and dirs: config, policy, programs). */
  readOnly?: readonly string[];
  /** Directories replaced by an empty read-only tmpfs (state dir, key dir: never visible to a command). */
  hidden?: readonly string[];
}

/** The masks a policy asks for: its governing paths read-only, its secret dirs hidden. */
export function sandboxMasks(policy: { fs: { deny?: readonly string[]; denyRead?: readonly string[]; protect?: readonly string[] } }): { readOnly: string[]; hidden: string[] } {
  const hidden = [...new Set(policy.fs.denyRead ?? [])];
  // Whatever lies under a hidden dir is covered by its tmpfs already.
  const readOnly = [...new Set([...(policy.fs.protect ?? []), ...(policy.fs.deny ?? [])])].filter((p) => !under(p, hidden));
  return { readOnly, hidden };
}

function under(path: string, roots: readonly string[]): boolean {
  return roots.some((r) => r === '/' || path === r || path.startsWith(`${r}/`));
}

/**
 * The argv that runs `argv` inside bwrap. `argv[0]` should already be an absolute path; a
 * binary outside the system directories is bound read-only on its own so it can start.
 */
export function bwrapArgv(argv: readonly string[], spec: SandboxSpec): string[] {
  // No --new-session: its setsid() takes the namespace's init and command out of the process
  // group we spawned, and bwrap arms the init's parent-death signal only after that, so a CLI
  // killed in between left an idle init no group kill (the guardian's included) could reach.
  // Every spawn here is `detached` (setsid by node): there is no controlling terminal to steal.
  // The guard token (process-groups.ts) marks bwrap's own processes only, never the command's.
  const args = [spec.bwrap, '--die-with-parent', '--unshare-all', '--unsetenv', GUARD_ENV];
  args.push(...systemBinds(), '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  const binaries = spec.proxy ? [spec.proxy.bridge.path, argv[0]] : [argv[0]];
  for (const binary of new Set(binaries)) {
    if (binary !== undefined && isAbsolute(binary) && !SYSTEM_DIRS.some((d) => binary.startsWith(`${d}/`))) args.push('--ro-bind', binary, binary);
  }
  const readRoots = spec.readRoots.filter((r) => existsSync(r));
  const writeRoots = spec.writeRoots.filter((r) => existsSync(r));
  for (const root of readRoots) args.push('--ro-bind', root, root);
  for (const root of writeRoots) args.push('--bind', root, root);
  // A root that contains them (`--allow-read` is `/`) must not bring the host's /proc (other
  // processes' environ), /dev (bound nodev: even /dev/null fails) or /sys: the namespace's own again.
  const allRoots = [...readRoots, ...writeRoots];
  if (under('/proc', allRoots)) args.push('--proc', '/proc');
  if (under('/dev', allRoots)) args.push('--dev', '/dev');
  if (under('/sys', allRoots) && existsSync('/sys')) args.push('--tmpfs', '/sys', '--remount-ro', '/sys');
  // Masks go after the roots so they win: a governing file inside a write root stays read-only
  // (rename/unlink of a mount point fails too), a secret dir inside any root shows up empty.
  // A governing name that does not exist yet cannot be masked; exec checks those after the run.
  for (const path of spec.readOnly ?? []) {
    if (under(path, writeRoots) && existsSync(path)) args.push('--ro-bind', path, path);
  }
  for (const dir of spec.hidden ?? []) {
    if (under(dir, [...readRoots, ...writeRoots]) && existsSync(dir)) args.push('--tmpfs', dir, '--remount-ro', dir);
  }
  // Every proxy socket of this user lives under one dir, hidden whole when a root contains it
  // (no command reaches another command's proxy, with another policy); this command's own is
  // bound back at its host path, which exists wherever the roots put it (even under `/`).
  const sockets = proxySocketsDir();
  const socketsVisible = under(sockets, [...readRoots, ...writeRoots]) && existsSync(sockets);
  if (socketsVisible) args.push('--tmpfs', sockets);
  if (spec.proxy) args.push('--bind', dirname(spec.proxy.socket), dirname(spec.proxy.socket));
  if (socketsVisible) args.push('--remount-ro', sockets);
  // The working directory must exist inside; when it is not under a root, give it an empty dir.
  const covered = [...readRoots, ...writeRoots].some((r) => spec.cwd === r || spec.cwd.startsWith(`${r}/`));
  if (!covered) args.push('--dir', spec.cwd);
  args.push('--chdir', spec.cwd, '--', ...(spec.proxy ? bridgeArgv(spec.proxy.bridge, spec.proxy.socket, argv) : argv));
  return args;
}

