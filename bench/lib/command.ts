import type { BenchContext } from './context.ts';
import { buildMission, lookupOf, benchPolicy, chainSpecs } from './engine.ts';
import { executor, assertSucceeded } from './run-mission.ts';

/**
 * A chain of `command` steps running one argv, as the executor runs it. Null (with the
 * missing piece) when the executor or the command plugin has not landed.
 */
export function commandChain(
  ctx: BenchContext,
  argv: readonly string[],
  n: number,
): { run: () => Promise<void> } | { missing: string } {
  const execute = executor(ctx.engine);
  const command = ctx.engine.plugins['command'];
  if (!execute) return { missing: 'executor' };
  if (!command) return { missing: 'command plugin' };
  const [cmd, ...args] = argv;
  const mission = buildMission('commands', chainSpecs(n, 'command', { command: cmd, args }));
  const registry = lookupOf([command]);
  const policy = benchPolicy(ctx.workDir, [cmd!]);
  return {
    run: async () => {
      const result = await execute(mission, { registry, policy, workDir: ctx.workDir });
      assertSucceeded(result, `${n} × ${argv.join(' ')}`);
    },
  };
}
