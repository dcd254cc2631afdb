import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifyLedger } from '@rustchain/core';
import { json, runCli, tempProject, type CliRun } from '../cli/harness.ts';

/**
 * Shared checks of the bad-input catalogue (SECURITY-CATALOGUE.md section 5). Every case runs
 * the real CLI in a fresh temp project whose mission also holds a `sentinel` step that
 * creates `sentinel.txt`: a refusal must leave it uncreated. The ledger (in the state dir
 * given by RUSTCHAIN_HOME) must record the refusal and still verify end to end.
 */

/** A step that leaves evidence if anything at all ran. */
export const SENTINEL_STEP = `  - id: sentinel
    step_type: create_file
    parameters: { path: sentinel.txt, content: ran }
`;

/** One ledger line, as much as the tests need. */
export interface LedgerLine {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
}

/** Result of one CLI invocation in a temp project. */
export interface CaseRun {
  run: CliRun;
  dir: string;
  home: string;
  /** The `--json` diagnostics document (exit 2) or run document (exit 0/1). */
  doc: Record<string, unknown>;
  ledger: LedgerLine[];
}

/** Reads `<home>/audit/ledger.jsonl` (empty when absent). */
export function readLedger(home: string): LedgerLine[] {
  const file = join(home, 'audit', 'ledger.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LedgerLine);
}

/** Runs `rustchain <args> --json` in a temp project holding `files`; cleans up after `body`. */
export async function inProject(files: Record<string, string | Buffer>, args: string[], body: (c: CaseRun) => Promise<void> | void, env: Record<string, string> = {}): Promise<void> {
  const textFiles = Object.fromEntries(Object.entries(files).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const project = await tempProject(textFiles);
  try {
    const { writeFile } = await import('node:fs/promises');
    for (const [name, value] of Object.entries(files)) if (typeof value !== 'string') await writeFile(join(project.dir, name), value);
    const run = await runCli([...args, '--json'], { cwd: project.dir, home: project.home, env });
    let doc: Record<string, unknown> = {};
    try {
      doc = json<Record<string, unknown>>(run);
    } catch {
      doc = {};
    }
    await body({ run, dir: project.dir, home: project.home, doc, ledger: readLedger(project.home) });
  } finally {
    await project.cleanup();
  }
}

/** Codes of the diagnostics in an exit-2 document. */
function diagnosticCodes(doc: Record<string, unknown>): string[] {
  return ((doc['diagnostics'] as Array<{ code: string }> | undefined) ?? []).map((d) => d.code);
}

/**
 * The three invariants for a refusal before the run: (a) exit 2 with `code` among the
 * diagnostics (at `line` when given), (b) nothing executed (no sentinel), (c) the ledger
 * records the refusal with that code and verifies.
 */
export async function assertRefused(c: CaseRun, code: string, options: { line?: number; pointer?: string } = {}): Promise<void> {
  assert.equal(c.run.code, 2, `exit code; stderr:\n${c.run.stderr}`);
  const diagnostics = (c.doc['diagnostics'] as Array<{ code: string; line: number; pointer?: string }> | undefined) ?? [];
  const hit = diagnostics.find((d) => d.code === code);
  assert.ok(hit, `expected ${code} among ${JSON.stringify(diagnosticCodes(c.doc))}`);
  if (options.line !== undefined) assert.equal(hit.line, options.line, `line of ${code}`);
  if (options.pointer !== undefined) assert.equal(hit.pointer, options.pointer, `pointer of ${code}`);
  assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false, 'the sentinel step must not have run');
  await assertLedgerRecords(c, code);
}

/** The ledger holds an event carrying `code`, and the whole ledger verifies. */
export async function assertLedgerRecords(c: CaseRun, code: string): Promise<void> {
  const ledger = readLedger(c.home);
  const found = ledger.some((e) => e.payload['code'] === code || (e.payload['error'] as { code?: string } | undefined)?.code === code);
  assert.ok(found, `the ledger should record ${code}; types: ${ledger.map((e) => `${e.type}:${String(e.payload['code'] ?? '')}`).join(', ')}`);
  const report = await verifyLedger(c.home);
  assert.equal(report.ok, true, `ledger verifies: ${report.message}`);
}

/** A 127.0.0.1 HTTP server that counts connections (the "no request reached it" invariant). */
export interface Listener {
  port: number;
  connections(): number;
  requests: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** Starts a loopback listener; `handler` answers requests (default 200 "ok"). */
export async function loopbackListener(handler?: http.RequestListener): Promise<Listener> {
  let connections = 0;
  const requests: Listener['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    if (handler) handler(req, res);
    else res.end('ok');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
