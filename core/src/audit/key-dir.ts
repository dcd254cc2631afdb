import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where a state dir's signing key lives. Whoever holds the key can forge the whole ledger, so
 * by default it is kept OUTSIDE the project and every write root: in the user's config dir,
 * one sub-directory per state dir (`$XDG_CONFIG_HOME/rustchain/keys/<16 hex of SHA-256 of the
 * state dir path>`, else `~/.config/...`). `$RUSTCHAIN_KEY_DIR` or config `keyDir` name the
 * directory itself. A state dir created before this move keeps its `keys/` until migrated:
 * its key is still read (with a warning) while the new place holds none.
 */

const overrides = new Map<string, string>();
const warned = new Set<string>();

/** Sets the key directory of one state dir for this process (config `keyDir`; the env var still wins). */
export function setKeyDir(stateDir: string, keyDir: string): void {
  overrides.set(resolve(stateDir), resolve(keyDir));
}

/** The key directory used for new keys of `stateDir` (never inside it unless configured so). */
export function keyDirFor(stateDir: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env['RUSTCHAIN_KEY_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const state = resolve(stateDir);
  const configured = overrides.get(state);
  if (configured !== undefined) return configured;
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? resolve(xdg) : join(homedir(), '.config');
  return join(base, 'rustchain', 'keys', createHash('sha256').update(state).digest('hex').slice(0, 16));
}

/**
 * Where the compile key lives: the user's, not one state dir's, so that a module compiled in
 * one project runs (trusted by default) from any directory of the same user. A key directory
 * named explicitly (`$RUSTCHAIN_KEY_DIR`, config `keyDir`) holds it too; by default it is the
 * root of the per-state-dir key directories, `$XDG_CONFIG_HOME/rustchain/keys`.
 */
export function compileKeyDirFor(stateDir: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = (env['RUSTCHAIN_KEY_DIR'] ?? '') !== '' || overrides.has(resolve(stateDir));
  return explicit ? keyDirFor(stateDir, env) : join(keyDirFor(stateDir, env), '..');
}

/** `<stateDir>/keys`: where keys lived before they moved out of the state dir. */
export function legacyKeyDir(stateDir: string): string {
  return join(resolve(stateDir), 'keys');
}

/**
 * The directory actually holding the key: the configured/default one, unless only the legacy
 * `<stateDir>/keys/ledger.key` exists, which then keeps working and is warned about once.
 */
export function activeKeyDir(stateDir: string): string {
  const dir = keyDirFor(stateDir);
  const legacy = legacyKeyDir(stateDir);
  if (dir === legacy || existsSync(join(dir, 'ledger.key')) || !existsSync(join(legacy, 'ledger.key'))) return dir;
  if (!warned.has(legacy)) {
    warned.add(legacy);
    process.emitWarning(
      `the ledger signing key is still inside the state dir (${legacy}), where a step or an unsandboxed command may read it: move ledger.key and ledger.pub to ${dir} (or set RUSTCHAIN_KEY_DIR)`,
      { code: 'RUSTCHAIN_LEGACY_KEY_DIR' },
    );
  }
  return legacy;
}
