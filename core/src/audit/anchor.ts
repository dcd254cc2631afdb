/**
 * Anchors: the current signed head published to a second place the state dir's writers do
 * not control (`rustchain audit anchor --to`), and read back by `verify --anchor` as witnesses
 * (verify.ts): a ledger behind an anchored head is E_AUDIT_ROLLBACK, a missing one
 * E_AUDIT_MISSING — even when the key dir's kept head was rolled back too. Three forms:
 * - a file: one JSON head per line, appended;
 * - a directory (existing, or spelled with a trailing `/`): `<seq>.json` per head;
 * - `git:<repo-path>#<ref>` (ref default `refs/rustchain/anchors`): a commit holding
 *   `head.json`, its parent the previous anchor, written with the `git` binary.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { RustchainError } from '../errors.ts';
import { isLedgerHead } from './head.ts';
import type { LedgerHead } from './types.ts';
import type { Witness } from './verify.ts';

/** Where an anchor lives. */
type AnchorTarget =
  | { kind: 'file'; path: string }
  | { kind: 'dir'; path: string }
  | { kind: 'git'; repo: string; ref: string };

/** The default ref of a git anchor. */
const DEFAULT_ANCHOR_REF = 'refs/rustchain/anchors';

/** Parse `--to`/`--anchor`: `git:<repo>[#<ref>]`, a directory (existing or ending in `/`), else a file. */
export async function parseAnchorTarget(spec: string, cwd: string = process.cwd()): Promise<AnchorTarget> {
  if (spec.startsWith('git:')) {
    const body = spec.slice(4);
    const hash = body.indexOf('#');
    const repo = resolve(cwd, hash < 0 ? body : body.slice(0, hash));
    const ref = hash < 0 ? DEFAULT_ANCHOR_REF : body.slice(hash + 1);
    if (!/^refs\/[A-Za-z0-9._\/-]+$/.test(ref) || ref.includes('..')) throw new RustchainError('E_USAGE', `not a git ref under refs/: ${ref}`);
    return { kind: 'git', repo, ref };
  }
  const path = resolve(cwd, spec);
  const isDir = spec.endsWith('/') || (await fs.stat(path).then((s) => s.isDirectory(), () => false));
  return isDir ? { kind: 'dir', path } : { kind: 'file', path };
}

/** How a target is named in messages. */
export function describeAnchor(target: AnchorTarget): string {
  return target.kind === 'git' ? `git:${target.repo}#${target.ref}` : target.path;
}

function git(repo: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync('git', ['-C', repo, ...args], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input === undefined ? {} : { input }),
      env: { ...process.env, GIT_AUTHOR_NAME: 'rustchain', GIT_AUTHOR_EMAIL: 'rustchain@localhost', GIT_COMMITTER_NAME: 'rustchain', GIT_COMMITTER_EMAIL: 'rustchain@localhost' },
    }).trim();
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new RustchainError('E_AUDIT_WRITE_FAILED', `git ${args[0] ?? ''} failed in ${repo}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** The commit a git ref points at, or null when the ref does not exist. */
function gitRef(repo: string, ref: string): string | null {
  try {
    return execFileSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

/** Publish a signed head to `target`. */
export async function publishAnchor(target: AnchorTarget, head: LedgerHead): Promise<void> {
  const text = `${JSON.stringify(head)}\n`;
  if (target.kind === 'file') {
    await fs.appendFile(target.path, text, { mode: 0o644 });
  } else if (target.kind === 'dir') {
    await fs.mkdir(target.path, { recursive: true });
    const tmp = join(target.path, `.${head.seq}.json.${process.pid}.tmp`);
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, join(target.path, `${head.seq}.json`));
  } else {
    const blob = git(target.repo, ['hash-object', '-w', '--stdin'], text);
    const tree = git(target.repo, ['mktree'], `100644 blob ${blob}\thead.json\n`);
    const parent = gitRef(target.repo, target.ref);
    const commit = git(target.repo, ['commit-tree', tree, ...(parent === null ? [] : ['-p', parent]), '-m', `rustchain anchor: seq ${head.seq}`]);
    // The old value makes the update fail if someone moved the ref meanwhile.
    git(target.repo, ['update-ref', target.ref, commit, ...(parent === null ? [''] : [parent])]);
  }
}

/** Parse one anchored line/file: a head, or a witness that holds something else (reported as bad-signature). */
function witnessOf(source: string, text: string): Witness {
  try {
    const parsed: unknown = JSON.parse(text);
    return { source, head: isLedgerHead(parsed) ? parsed : null };
  } catch {
    return { source, head: null };
  }
}

/** Read the heads anchored at `target` as verify witnesses; E_USAGE when the anchor does not exist. */
export async function readAnchor(target: AnchorTarget): Promise<Witness[]> {
  const name = describeAnchor(target);
  const missing = (): RustchainError => new RustchainError('E_USAGE', `no anchor at ${name}`);
  if (target.kind === 'file') {
    const text = await fs.readFile(target.path, 'utf8').catch(() => { throw missing(); });
    return text.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [witnessOf(`${name} line ${i + 1}`, line)]));
  }
  if (target.kind === 'dir') {
    const names = await fs.readdir(target.path).catch(() => { throw missing(); });
    const files = names.filter((n) => /^\d+\.json$/.test(n));
    return Promise.all(files.map(async (n) => witnessOf(join(target.path, n), await fs.readFile(join(target.path, n), 'utf8'))));
  }
  if (gitRef(target.repo, target.ref) === null) throw missing();
  return [witnessOf(name, git(target.repo, ['show', `${target.ref}:head.json`]))];
}
