/**
 * Cross-process exclusion for ledger writers: proper-lockfile's mkdir lock beside the ledger,
 * with mtime refresh and stale detection (a crashed holder's lock is taken over after `stale`).
 */
import lockfile from 'proper-lockfile';
import { RustchainError } from '../errors.ts';
import type { AuditPaths } from './paths.ts';

/** How long a lock may go without refresh before another process may take it over. */
const STALE_MS = 10_000;

/** Run `fn` while holding the ledger lock. */
export async function withLedgerLock<T>(paths: AuditPaths, fn: () => Promise<T>): Promise<T> {
  let compromised: Error | null = null;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.ledger, {
      realpath: false,
      lockfilePath: paths.lock,
      stale: STALE_MS,
      retries: { retries: 400, minTimeout: 1, maxTimeout: 40, factor: 1.3, randomize: true },
      // The default throws from a timer and kills the process; record it and fail the write.
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    throw new RustchainError('E_AUDIT_WRITE_FAILED', `could not lock the audit ledger: ${(error as Error).message}`, {
      details: { path: paths.lock, errno: (error as NodeJS.ErrnoException).code ?? null },
      cause: error,
    });
  }
  try {
    const result = await fn();
    if (compromised !== null) {
      throw new RustchainError('E_AUDIT_WRITE_FAILED', 'the audit ledger lock was lost during a write', { cause: compromised });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
