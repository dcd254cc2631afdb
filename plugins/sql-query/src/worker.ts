// node:worker_threads runs the statement on its own thread: better-sqlite3 is synchronous and
// this build of SQLite has no progress callback, so a runaway statement (an endless recursive
// CTE) would otherwise freeze the engine, timeouts included. The thread does no I/O of its own
// beyond opening the database file the main thread already resolved through ctx.fs.
import { Worker } from 'node:worker_threads';
import { PluginError } from '@rustchain/core/plugin';

/** What the worker runs. */
export interface QueryJob {
  /** Resolved database file, or null for an in-memory database. */
  path: string | null;
  readonly: boolean;
  query: string;
  bind: unknown[];
  maxRows: number;
}

/** What it sends back (BigInt and Uint8Array values survive the structured clone). */
export type QueryReply =
  | { ok: true; reader: true; columns: string[]; rows: Array<Record<string, unknown>>; truncated: boolean }
  | { ok: true; reader: false; changes: number; lastInsertRowid: bigint | number }
  | { ok: false; phase: 'open' | 'prepare' | 'run'; name: string; message: string; code: string | null };

// Plain CommonJS, evaluated as the worker's script: it needs no loader for TypeScript sources.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { fileURLToPath } = require('node:url');
const Database = require(fileURLToPath(workerData.module));
const job = workerData.job;
let phase = 'open';
try {
  const db = new Database(job.path === null ? ':memory:' : job.path, { readonly: job.readonly, fileMustExist: job.readonly, timeout: 5000 });
  db.pragma('trusted_schema = OFF');
  phase = 'prepare';
  const statement = db.prepare(job.query).safeIntegers(true);
  phase = 'run';
  if (statement.reader) {
    const columns = statement.columns().map((c) => c.name);
    const rows = [];
    let truncated = false;
    for (const row of statement.iterate(...job.bind)) {
      if (rows.length === job.maxRows) { truncated = true; break; }
      rows.push(row);
    }
    parentPort.postMessage({ ok: true, reader: true, columns, rows, truncated });
  } else {
    const result = statement.run(...job.bind);
    parentPort.postMessage({ ok: true, reader: false, changes: Number(result.changes), lastInsertRowid: result.lastInsertRowid });
  }
  db.close();
} catch (error) {
  parentPort.postMessage({ ok: false, phase, name: error && error.name || 'Error', message: String(error && error.message || error), code: typeof (error && error.code) === 'string' ? error.code : null });
}
`;

/** Runs `job` on a worker thread; aborting `signal` terminates the thread. */
export function runInWorker(job: QueryJob, signal: AbortSignal): Promise<QueryReply> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const worker = new Worker(SOURCE, { eval: true, workerData: { module: import.meta.resolve('better-sqlite3'), job } });
    let settled = false;
    const done = (action: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void => {
      void worker.terminate();
      done(() => reject(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: QueryReply) => done(() => resolve(reply)));
    worker.once('error', (error) => done(() => reject(new PluginError('E_SQL_ERROR', `the query worker failed: ${error.message}`, { cause: error }))));
    worker.once('exit', (code) => done(() => reject(new PluginError('E_SQL_ERROR', `the query worker exited (${code}) without an answer`))));
  });
}
