/**
 * A benchmarked child (workload 9): runs an n-step noop fan-out (`fanout`) or chain (`chain`)
 * through executeMission in this process, no ledger, and prints `<status> <steps>`. Started by
 * w9 with bench/lib/maxrss.mjs preloaded, which reports the peak RSS. The Mission is built
 * directly: a 1,000,000-step mission file would exceed the loader's size cap.
 */
import { executeMission } from '@rustchain/core';
import noop from '@rustchain/plugin-noop';
import { benchPolicy, buildMission, chainSpecs, lookupOf, wideSpecs } from './lib/engine.ts';

const shape = process.argv[2] === 'chain' ? 'chain' : 'fanout';
const n = Number(process.argv[3] ?? 1000);
const specs = shape === 'chain' ? chainSpecs(n, 'noop') : wideSpecs(n, 'noop');
const mission = buildMission(shape, specs);
specs.length = 0;
const result = await executeMission(mission, { registry: lookupOf([noop]), policy: benchPolicy(process.cwd()), workDir: process.cwd() });
const succeeded = result.steps.filter((s) => s.status === 'succeeded').length;
process.stdout.write(`${result.status} ${succeeded}\n`);
process.exitCode = result.status === 'succeeded' && succeeded === n ? 0 : 1;
