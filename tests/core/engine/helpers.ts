import { DEFAULTS, type Mission, type MissionStep } from '../../../core/src/model/mission.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import type { StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import type { RunEvent, StepDispatcher, StepRequest } from '../../../core/src/engine/types.ts';

/** A step with every default filled, as the loader would produce it. */
export function step(id: string, dependsOn: string[] = [], extra: Partial<MissionStep> = {}): MissionStep {
  return {
    id,
    name: id,
    type: 'noop',
    parameters: {},
    dependsOn,
    timeoutSeconds: 0,
    continueOnError: false,
    retry: { ...DEFAULTS.retry },
    hasTemplates: false,
    ...extra,
  };
}

/** A loaded mission around `steps`. */
export function mission(steps: MissionStep[], config: Partial<Mission['config']> = {}, vars: Mission['vars'] = {}): Mission {
  return {
    source: { file: 'test.yaml', sha256: '0'.repeat(64) },
    version: '1.0',
    name: 'test',
    description: null,
    config: { failFast: true, timeoutSeconds: 300, maxParallelSteps: null, ...config },
    vars,
    steps,
    sourceMap: {},
  };
}

/** A policy that allows everything (the fake dispatchers ignore it anyway). */
export const OPEN_POLICY: Policy = {
  stepTypes: '*',
  commands: { allow: '*', shell: false },
  fs: { read: [], write: [] },
  net: { allow: [] },
  env: { allow: '*' },
};

/** A registry with nothing in it: fake dispatchers never consult it. */
export const EMPTY_REGISTRY: StepTypeLookup = { get: () => undefined, has: () => false, types: () => [] };

/** What a fake step does on one attempt. */
export type Behaviour = (request: StepRequest, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** A dispatcher that runs `behaviour` and records every request it got. */
export function fakeDispatcher(behaviour: Behaviour): StepDispatcher & { requests: StepRequest[] } {
  const requests: StepRequest[] = [];
  return {
    requests,
    dispatch(request, signal) {
      requests.push(request);
      return behaviour(request, signal);
    },
  };
}

/**
 * A dispatcher with `dispatchAttempt`, the path production takes: the engine hands it an
 * AttemptControl; the behaviour gets the control's lazily built signal. `dispatch` must then
 * never be used, so it fails the test if called.
 */
export function fakeAttemptDispatcher(behaviour: Behaviour): StepDispatcher & { requests: StepRequest[] } {
  const requests: StepRequest[] = [];
  return {
    requests,
    dispatch() {
      throw new Error('dispatch called although dispatchAttempt exists');
    },
    dispatchAttempt(request, control) {
      requests.push(request);
      return behaviour(request, control.signal);
    },
  };
}

/** Resolves after `ticks` macrotask turns, or rejects with the signal's reason on abort. */
export function ticks(count: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let left = count;
    const next = (): void => {
      if (signal.aborted) return;
      if (left-- <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve();
      } else setImmediate(next);
    };
    next();
  });
}

/** Never settles unless aborted. */
export function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Options with an event recorder. */
export function recorder(): { events: RunEvent[]; onEvent: (e: RunEvent) => void } {
  const events: RunEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** The base options every executor test needs. */
export function baseOptions(dispatcher: StepDispatcher) {
  return { registry: EMPTY_REGISTRY, policy: OPEN_POLICY, workDir: process.cwd(), dispatcher, runId: 'run-1' };
}
