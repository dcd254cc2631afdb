/**
 * Compile + type-check time for 100, 1,000 and 5,000-step missions (issue 4's closing note;
 * the targets are 1,000 steps < 3 s and 5,000 < 10 s, near-linear growth). A script, not a
 * test: `node --import tsx compiler/bench/compile-scale.ts [sizes...]`. Prints wall and CPU
 * time per size; the first line is the cold start (TypeScript parsing core, typebox, libs).
 */
import { fileURLToPath } from 'node:url';
import { loadProject, type Mission } from '@rustchain/core';
import { compileMission } from '@rustchain/compiler';
import { missionOf } from './missions.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const project = await loadProject({ cwd: ROOT });
const measure = (label: string, m: Mission): void => {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = compileMission(m, project.registry, { outFile: `${ROOT}bench.mission.ts`, resolveFrom: ROOT });
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  if (result.diagnostics.length > 0) throw new Error(`${label}: ${result.diagnostics.length} diagnostics, first: ${result.diagnostics[0]!.message}`);
  console.log(`| ${label} | ${(wall / 1000).toFixed(2)} s | ${((used.user + used.system) / 1e6).toFixed(2)} s | ${(result.code.length / 1024).toFixed(0)} KiB |`);
};
console.log('| mission | wall | cpu | module size |');
console.log('|---|---|---|---|');
measure('cold start, 10 steps', missionOf(10));
for (const size of sizes.length > 0 ? sizes : [100, 1000, 5000]) measure(`${size} steps`, missionOf(size));
