import { lstatSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import { RustchainError } from '../errors.ts';
import { GOVERNING_CONFIG_NAMES } from '../policy/governing.ts';
import type { Policy } from '../policy/types.ts';

/**
 * An allowed program runs outside the fs policy (and bwrap cannot mask a governing name that
 * does not exist yet), so every `ctx.exec.run` is bracketed by a look at the governing paths:
 * one that appeared, vanished or changed fails the step with E_GOVERNING_TAMPERED, and a
 * config file that appeared is renamed aside so the next invocation does not execute it.
 */

/** Per path: absent, or identity (+ content stamp for files; a dir's own mtime moves with the ledger). */
export type GoverningSnapshot = Map<string, string>;

function signature(path: string): string {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 'absent';
  if (stat.isDirectory()) return `dir:${stat.dev}:${stat.ino}`;
  return `file:${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.mode}`;
}

/** The current state of the policy's governing paths. */
export function snapshotGoverning(policy: Policy): GoverningSnapshot {
  const out: GoverningSnapshot = new Map();
  for (const path of policy.fs.protect ?? []) out.set(path, signature(path));
  return out;
}

/** Throws E_GOVERNING_TAMPERED when a command changed a governing path since `before`. */
export function checkGoverningUnchanged(before: GoverningSnapshot, command: string): void {
  const changed: Array<{ path: string; change: string; quarantined?: string }> = [];
  for (const [path, was] of before) {
    const now = signature(path);
    if (now === was) continue;
    const change = was === 'absent' ? 'created' : now === 'absent' ? 'removed' : 'modified';
    const entry: { path: string; change: string; quarantined?: string } = { path, change };
    if (change === 'created' && GOVERNING_CONFIG_NAMES.includes(basename(path))) {
      const aside = `${path}.quarantined-${Date.now()}`;
      try {
        renameSync(path, aside);
        entry.quarantined = aside;
      } catch {
        // Left in place; the error below still names it.
      }
    }
    changed.push(entry);
  }
  if (changed.length === 0) return;
  throw new RustchainError(
    'E_GOVERNING_TAMPERED',
    `\`${command}\` ${changed.map((c) => `${c.change} ${c.path}${c.quarantined ? ` (moved aside to ${c.quarantined})` : ''}`).join(', ')}: governing files (config, policy, state and key dirs, allowlisted programs) are never changed by steps`,
    { details: { command, changed, allowWith: 'nothing: run the command in the sandbox (policy.sandbox) and keep governing files out of its reach' }, nonRetryable: true },
  );
}
