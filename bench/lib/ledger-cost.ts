import { mkdir } from 'node:fs/promises';
import { createLedgerSink, openLedger } from '@rustchain/core';

/**
 * The ledger's own cost per step of a chain, in µs, measured in this process: for each step,
 * `step.started` is committed (the write-ahead barrier) before `step.succeeded` is recorded,
 * exactly as the executor drives the ledger sink, with no engine, plugin or CLI around it.
 * The baseline the CLI's per-step cost is held against (workload 9), as wall and CPU time.
 */
export async function ledgerChainCost(stateDir: string, steps: number, fsync: boolean): Promise<{ wallUs: number; cpuUs: number }> {
  await mkdir(stateDir, { recursive: true });
  const ledger = await openLedger(stateDir, { fsync });
  const sink = createLedgerSink(ledger);
  const runId = `bench-${Date.now()}`;
  sink.onEvent({ type: 'run.started', runId, mission: 'chain.yaml', missionSha256: '0'.repeat(64), steps });
  await sink.barrier();
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const stepId = `s${i}`;
    sink.onEvent({ type: 'step.started', runId, stepId, attempt: 1, params: {} });
    await sink.barrier();
    sink.onEvent({ type: 'step.succeeded', runId, stepId, attempt: 1, durationMs: 0, outputs: {} });
  }
  sink.onEvent({ type: 'run.finished', runId, status: 'succeeded', durationMs: 0 });
  await sink.close();
  const used = process.cpuUsage(cpu);
  return { wallUs: ((performance.now() - start) * 1000) / steps, cpuUs: (used.user + used.system) / steps };
}
