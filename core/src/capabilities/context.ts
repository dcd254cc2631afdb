import { keepShape } from '../engine/kept-shapes.ts';
import { abortableSleep } from '../engine/retry.ts';
import { RustchainError } from '../errors.ts';
import type { LlmBudget, StepContext, StepLogger, StepsCapability } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { createDataCapability } from './data.ts';
import { createEnvCapability, type HostEnv } from './env.ts';
import { createExecCapability } from './exec.ts';
import { createFetchCapability } from './fetch.ts';
import { createFsCapability } from './fs.ts';
import type { RunProcessRegistry } from './processes.ts';
import type { CallJournal } from '../replay/journal.ts';
import { createNetCapability } from './net.ts';

/** What the executor knows about one attempt of one step. */
export interface StepContextInit {
  runId: string;
  stepId: string;
  /** 1-based. */
  attempt: number;
  signal: AbortSignal;
  /** Directory relative paths resolve against. */
  workDir: string;
  policy: Policy;
  /** Host environment (usually process.env); only policy-allowed names reach steps. */
  env: HostEnv;
  /** The step's resolved parameters: ctx.exec judges its `env:` names and templated option-like values by them. */
  params?: Readonly<Record<string, unknown>>;
  log?: StepLogger;
  /** The processes of the run (ctx.exec.start/kill); absent = this context cannot start any. */
  processes?: RunProcessRegistry | undefined;
  /** The run's call journal: ctx.fetch calls are reported, recorded or replayed through it (--record / --replay). */
  calls?: CallJournal | undefined;
  /** Child steps (ctx.steps), built by the engine for this attempt; absent = none can run here. */
  readonly steps?: StepsCapability | undefined;
  /** rustchain.config `settings`, deeply frozen (see freezeSettings); absent = none. */
  settings?: Readonly<Record<string, unknown>> | undefined;
  /** The run's state dir (ctx.data lives in `<stateDir>/data`); absent = ctx.data refuses (E_DATA_UNAVAILABLE). */
  stateDir?: string | undefined;
  /** The run's LLM budget (mission config.llm_budget); absent = unlimited. */
  budget?: LlmBudget | undefined;
  /** The run's redactor: values read with ctx.env.secret join it. */
  secrets?: { add(values: Iterable<string>): unknown } | undefined;
  /** ctx.sleep without an AbortSignal (the engine's attempts); absent = a timer plus a listener on `signal`. */
  sleep?(ms: number): Promise<void>;
  /** Where ctx.progress goes (one function per run, not per step: no closure per context). */
  progress?: ((runId: string, stepId: string, attempt: number, text: string) => void) | undefined;
}

/** The run-wide part of a StepContextInit: the same for every attempt a dispatcher runs. */
export type RunContextScope = Pick<StepContextInit, 'workDir' | 'policy' | 'env' | 'processes' | 'calls' | 'settings' | 'stateDir' | 'budget' | 'secrets' | 'progress'>;

const SILENT: StepLogger = { info() {}, warn() {} };

/** The `ctx` a plugin's run receives: capability objects bound to the policy and this step's signal. */
export function createStepContext(init: StepContextInit): StepContext {
  return Object.freeze(new LazyStepContext(init));
}

/** The capabilities one context has built (see LazyStepContext). */
interface BuiltCapabilities {
  fs?: StepContext['fs'];
  exec?: StepContext['exec'];
  fetch?: StepContext['fetch'];
  net?: StepContext['net'];
  env?: StepContext['env'];
  data?: StepContext['data'];
}

/**
 * Capabilities are built on first use: most steps touch one or none, and building all four
 * (a dozen closures each) was most of the per-step cost of the executor. Prototype getters,
 * so creating a context allocates no closures; the built ones are kept in one record made at
 * the first use, not six slots in every context (each step in flight holds its context).
 */
class LazyStepContext implements StepContext {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly workDir: string;
  readonly log: StepLogger;
  #init: StepContextInit;
  #built: BuiltCapabilities | undefined = undefined;

  constructor(init: StepContextInit) {
    this.runId = init.runId;
    this.stepId = init.stepId;
    this.attempt = init.attempt;
    this.workDir = init.workDir;
    this.log = init.log ?? SILENT;
    this.#init = init;
  }

  /** Read through `init` on every access: the engine's init builds the AbortSignal on first read. */
  get signal(): AbortSignal {
    return this.#init.signal;
  }
  get fs(): StepContext['fs'] {
    const built = (this.#built ??= {});
    return (built.fs ??= createFsCapability(this.#init.policy, this.#init.workDir));
  }
  get exec(): StepContext['exec'] {
    const built = (this.#built ??= {});
    return (built.exec ??= createExecCapability(this.#init));
  }
  get fetch(): StepContext['fetch'] {
    const built = (this.#built ??= {});
    if (built.fetch !== undefined) return built.fetch;
    const init = this.#init;
    // The real client is only built when a call goes out: a replay never reaches the network.
    const live = (): StepContext['fetch'] => createFetchCapability(init.policy, init.signal);
    return (built.fetch = init.calls === undefined ? live() : init.calls.wrap(live, init));
  }
  get net(): StepContext['net'] {
    const built = (this.#built ??= {});
    return (built.net ??= createNetCapability(this.#init.policy, this.#init.signal));
  }
  get env(): StepContext['env'] {
    const built = (this.#built ??= {});
    return (built.env ??= createEnvCapability(this.#init.policy, this.#init.env, this.#init.secrets));
  }
  get data(): StepContext['data'] {
    const built = (this.#built ??= {});
    return (built.data ??= createDataCapability(this.#init.stateDir));
  }
  get steps(): StepsCapability {
    const steps = this.#init.steps;
    if (steps === undefined) {
      throw new RustchainError('E_CHILD_STEPS_UNAVAILABLE', `step "${this.stepId}" cannot run child steps here: its dispatcher has no engine host`, { nonRetryable: true });
    }
    return steps;
  }
  get budget(): LlmBudget | undefined {
    return this.#init.budget;
  }
  sleep(ms: number): Promise<void> {
    const init = this.#init;
    return init.sleep !== undefined ? init.sleep(ms) : abortableSleep(ms, init.signal);
  }
  progress(text: string): void {
    this.#init.progress?.(this.runId, this.stepId, this.attempt, text);
  }
  settings(namespace: string): unknown {
    const all = this.#init.settings;
    return all !== undefined && Object.hasOwn(all, namespace) ? all[namespace] : undefined;
  }
}

/**
 * A deep-frozen copy of the config's `settings`, made once per run: every step reads the same
 * values and no plugin can change what the next one sees.
 */
export function freezeSettings(settings: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> | undefined {
  return settings === undefined ? undefined : deepFreeze(structuredClone(settings));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// The maps of a step's (frozen) context, kept between runs (engine/kept-shapes.ts).
keepShape(createStepContext({ runId: '', stepId: '', attempt: 1, workDir: '', policy: {} as Policy, env: {} } as unknown as StepContextInit));
