import type { RustchainError } from '../errors.ts';
import { isInside, resolveReal, SymlinkLoopError } from '../capabilities/real-path.ts';
import { badPath, pathDenied, reservedPathDenied } from './denials.ts';
import type { Policy } from './types.ts';

/**
 * Filesystem rules: a path is allowed when its physical (realpath) location lies inside an
 * allowed root and outside every reserved place. Shared by `ctx.fs`, `ctx.exec` (cwd) and
 * the static check, so all three decide the same way.
 */

/** Path segments engine-internal at any depth: never read or written by steps. */
const RESERVED_ALWAYS: readonly string[] = ['.rustchain'];
/** Path segments never written by steps (SECURITY-CATALOGUE case 20): hooks, dependencies. */
const RESERVED_WRITE: readonly string[] = ['.git', 'node_modules'];

/** Kernel trees reachable only through a root inside them, never through a root above them. */
const SPECIAL_TREES: readonly string[] = ['/proc', '/sys', '/dev'];

interface RealRoots {
  read: string[];
  write: string[];
  deny: string[];
  denyRead: string[];
  protect: string[];
}

const cache = new WeakMap<Policy, RealRoots>();

/** The policy's roots as real paths (computed once per policy object). */
function realRoots(policy: Policy): RealRoots {
  let roots = cache.get(policy);
  if (!roots) {
    const real = (list: readonly string[] | undefined): string[] => (list ?? []).map((p) => resolveReal(p, '/'));
    const write = real(policy.fs.write);
    roots = {
      read: [...real(policy.fs.read), ...write],
      write,
      deny: real(policy.fs.deny),
      denyRead: real(policy.fs.denyRead),
      protect: real(policy.fs.protect),
    };
    cache.set(policy, roots);
  }
  return roots;
}

/** The reserved segment below `root` in `resolved`, if any. */
function reservedSegment(resolved: string, root: string, names: readonly string[]): string | undefined {
  const below = resolved.slice(root === '/' ? 0 : root.length).split('/');
  return below.find((segment) => names.includes(segment));
}

/** Resolves `path` against `workDir` physically; a RustchainError when the policy refuses it. */
export function checkPath(
  policy: Policy,
  path: string,
  access: 'read' | 'write',
  workDir: string,
  options: { followFinal?: boolean } = {},
): { resolved: string } | { error: RustchainError } {
  if (path.length === 0) return { error: badPath(path, 'the path is empty') };
  if (path.includes('\0')) return { error: badPath(path, 'the path contains a NUL byte') };
  let resolved: string;
  try {
    resolved = resolveReal(path, workDir, options);
  } catch (error) {
    if (error instanceof SymlinkLoopError) return { error: badPath(path, 'too many levels of symlinks') };
    throw error;
  }
  const roots = realRoots(policy);
  const secret = roots.denyRead.find((d) => isInside(resolved, d));
  if (secret !== undefined) return { error: reservedPathDenied(path, resolved, access, secret) };
  // /proc, /sys and /dev hold the host's environment, memory and devices: only a root inside
  // them (`--allow-read=/proc/loadavg`) opens them, never `/` or `--allow-read` (catalogue #22).
  const special = SPECIAL_TREES.find((tree) => isInside(resolved, tree));
  const matching = roots[access].filter((root) => isInside(resolved, root) && (special === undefined || isInside(root, special)));
  if (matching.length === 0) return { error: pathDenied(path, resolved, access) };
  // The most specific root decides, so an explicitly allowed root inside node_modules works.
  const root = matching.reduce((a, b) => (b.length > a.length ? b : a));
  const names = access === 'write' ? [...RESERVED_ALWAYS, ...RESERVED_WRITE] : RESERVED_ALWAYS;
  const segment = reservedSegment(resolved, root, names);
  if (segment !== undefined) return { error: reservedPathDenied(path, resolved, access, segment) };
  if (access === 'write') {
    const denied = [...roots.deny, ...roots.protect].find((d) => isInside(resolved, d));
    if (denied !== undefined) return { error: reservedPathDenied(path, resolved, access, denied) };
  }
  return { resolved };
}

/**
 * Refusal for moving or deleting `resolved` (already allowed for writing): it must not be,
 * nor hold, a governing or reserved path — renaming the directory above the `--policy` file
 * or the state dir would swap the policy or hide the ledger without touching either.
 */
export function checkDetach(policy: Policy, path: string, resolved: string): RustchainError | null {
  const roots = realRoots(policy);
  const held = [...roots.protect, ...roots.deny, ...roots.denyRead].find((p) => isInside(p, resolved));
  return held === undefined ? null : reservedPathDenied(path, resolved, 'write', held);
}

/** True when a path segment is reserved for writing (used to refuse a recursive delete of a tree holding one). */
export function isReservedForWrite(segment: string): boolean {
  return RESERVED_ALWAYS.includes(segment) || RESERVED_WRITE.includes(segment);
}
