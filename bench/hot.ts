/**
 * One workload in a loop, for `node --cpu-prof` (the profile then shows the engine, not the
 * harness): `node --cpu-prof --cpu-prof-dir=bench/profiles --import tsx bench/hot.ts <scenario> [rounds]`
 * with scenario `chain` (10,000 noop steps), `chain-ledger` (same, ledger without fsync) or
 * `wide` (10,000 concurrent 100 ms waits). Summarise with bench/profile.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPolicy, buildMission, chainSpecs, loadEngine, lookupOf, wideSpecs } from './lib/engine.ts';
import { openBenchLedger } from './lib/ledger.ts';
import { assertSucceeded, executor } from './lib/run-mission.ts';
import { waitPlugin } from './lib/wait-plugin.ts';

const [scenario = 'chain', roundsArg = '10'] = process.argv.slice(2);
const engine = await loadEngine({ compiler: false });
const execute = executor(engine);
const noop = engine.plugins['noop'];
if (!execute || !noop) throw new Error('executor or noop plugin missing');
const workDir = await mkdtemp(join(tmpdir(), 'rustchain-hot-'));
const registry = lookupOf([noop, waitPlugin]);
const policy = benchPolicy(workDir);
const mission =
  scenario === 'wide' ? buildMission('wide', wideSpecs(10_000, 'bench_wait', { ms: 100 })) : buildMission('chain', chainSpecs(10_000, 'noop'));
for (let round = 0; round < Number(roundsArg); round++) {
  const ledger = scenario === 'chain-ledger' ? await openBenchLedger(engine, await mkdtemp(join(workDir, 'l-')), false) : null;
  const onEvent = ledger?.ok ? ledger.onEvent : undefined;
  const t = performance.now();
  assertSucceeded(await execute(mission, { registry, policy, workDir, ...(onEvent ? { onEvent } : {}) }), scenario);
  if (ledger?.ok) await ledger.close();
  process.stderr.write(`${scenario} round ${round}: ${(performance.now() - t).toFixed(1)} ms\n`);
}
await rm(workDir, { recursive: true, force: true });
