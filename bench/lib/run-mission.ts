import type { Mission, MissionResult, Policy, RunEvent, StepDispatcher, StepTypeLookup } from '@rustchain/core';
import type { Engine } from './engine.ts';
import { pick } from './engine.ts';

/** The executor's signature as agreed in the brief. */
export type ExecuteMission = (
  mission: Mission,
  options: {
    registry: StepTypeLookup;
    policy: Policy;
    workDir: string;
    onEvent?: (event: RunEvent) => void;
    dispatcher?: StepDispatcher;
    maxParallelSteps?: number;
  },
) => Promise<MissionResult>;

/** The executor, or null when it has not landed. */
export function executor(engine: Engine): ExecuteMission | null {
  return pick<ExecuteMission>(engine.core, 'executeMission');
}

/** Fails loudly when a benchmarked run did not succeed: a failing run is not a measurement. */
export function assertSucceeded(result: MissionResult, what: string): void {
  if (result.status !== 'succeeded') {
    const bad = result.steps.find((s) => s.status !== 'succeeded');
    throw new Error(`${what}: run ${result.status} (${bad?.id}: ${bad?.error?.code} ${bad?.error?.message})`);
  }
}
