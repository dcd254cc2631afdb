import type { Policy } from '../policy/types.ts';
import type { StepTypeLookup } from '../plugin/sdk.ts';
import type { CallJournal } from '../replay/journal.ts';
import type { RunEvent, StepDispatcher } from './types.ts';

/** How executeMission / executeStep run. Optional fields also accept `undefined` (= absent). */
export interface ExecuteOptions {
  /** Installed step types (the plugin registry). */
  registry: StepTypeLookup;
  /** The policy the run is held to (capabilities enforce it at run time). */
  policy: Policy;
  /** Directory relative paths resolve against. */
  workDir: string;
  /** Default: crypto.randomUUID(). */
  runId?: string | undefined;
  /** SIGINT/SIGTERM from the CLI: aborting it cancels the run (status `cancelled`). */
  signal?: AbortSignal | undefined;
  /**
   * Synchronous event sink (ledger, progress display); keep it cheap. If it throws, the run
   * fails closed: the sink is not called again, running steps are cancelled, nothing new
   * starts, and executeMission rejects with the sink's error once running steps have settled
   * (an audit ledger that cannot append must stop the run, not be skipped).
   */
  onEvent?: ((event: RunEvent) => void) | undefined;
  /**
   * Write-ahead: awaited after a step's `step.started` is emitted and before its attempt is
   * dispatched; resolves once every event emitted so far is durable (the ledger sink's group
   * commit), so run.started, the step's start and every earlier step's end are on disk before
   * its side effect begins. A rejection fails the run closed like a throwing `onEvent`.
   */
  barrier?: (() => Promise<void>) | undefined;
  /**
   * Resume: steps (main or `finally:`) that succeeded in an earlier, interrupted execution
   * of this run. They are not dispatched again; their outputs feed later steps' templates and
   * their results carry `resumed: true`. No event is emitted for them.
   */
  completed?: Readonly<Record<string, { outputs: Record<string, unknown>; attempts: number }>> | undefined;
  /** rustchain.config `settings`, read by plugins through `ctx.settings(namespace)`. */
  settings?: Readonly<Record<string, unknown>> | undefined;
  /** The project's state dir: plugins keep persistent data under `<stateDir>/data` (ctx.data); absent = they cannot. */
  stateDir?: string | undefined;
  /** Default: createInProcessDispatcher({ registry, policy, workDir, env, settings }). */
  dispatcher?: StepDispatcher | undefined;
  /**
   * The run's call journal (createCallJournal): every ctx.fetch call is reported as net.request /
   * net.response events with its request and response digests, and recorded to or replayed
   * from a directory (--record / --replay). Absent: calls are neither reported nor recorded.
   */
  calls?: CallJournal | undefined;
  /** Source of `ctx.env` and `${{ env.X }}` (filtered by the policy); default process.env. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Told the values of plugin parameters marked `secret: true` as each step is dispatched
   * (after templates resolve), so the run's redactor covers them before any output or error
   * of that step is reported. Only the in-process dispatcher reports them.
   */
  secrets?: { add(values: Iterable<string>): unknown } | undefined;
  /** Overrides mission.config.maxParallelSteps; null/undefined = the mission's; mission null = unbounded. */
  maxParallelSteps?: number | null | undefined;
  /** Waits between retry attempts; injectable for tests. Must reject (or resolve) promptly on abort. */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  /** Source of retry jitter in [0, 1); injectable for tests. */
  random?: (() => number) | undefined;
}
