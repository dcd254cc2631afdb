import type { Static, TSchema } from '@sinclair/typebox';

/**
 * The plugin SDK: the whole contract between the engine and a step type. A step type is
 * one package default-exporting `definePlugin({...})`. Plugins never touch node:fs,
 * child_process or fetch: every side effect goes through the capability objects on `ctx`,
 * which enforce the policy on the actual, resolved values.
 */

/** What a plugin may ask the engine for. */
export type Capability = 'fs.read' | 'fs.write' | 'exec' | 'net' | 'env' | 'data';

/**
 * What running the step does to the world; retry and (later) resume read this.
 * `pure`: nothing; `read`: reads only; `idempotent`: writes, but running twice equals once;
 * `side-effect`: anything else.
 */
export type Effect = 'pure' | 'read' | 'idempotent' | 'side-effect';

/**
 * A resource a step will touch, derived statically from its (unresolved) parameters so the
 * policy can be checked before anything runs. `pointer` is relative to `parameters`
 * (e.g. `/path`), so diagnostics land on the right YAML line. Values that still contain a
 * `${{ }}` template are checked at run time only.
 */
export type ResourceClaim =
  | { kind: 'exec'; argv: readonly string[]; shell?: boolean; pointer: string }
  | { kind: 'read' | 'write'; path: string; pointer: string }
  /**
   * `url`: http(s), ws(s), tcp (port required), redis(s), ssh or ftp(s); the host and port are
   * checked. `schemes` narrows the accepted schemes to those the step can really use
   * (e.g. `['http:', 'https:']` for a step built on ctx.fetch).
   */
  | { kind: 'net'; url: string; pointer: string; schemes?: readonly string[] }
  | { kind: 'env'; name: string; pointer: string }
  /**
   * A mission file the step runs (chain): judged as a read of `path` (relative to the working
   * dir); `mission validate` also validates it and follows its own chained files (E_CHAIN_CYCLE).
   */
  | { kind: 'mission'; path: string; pointer: string }
  /**
   * A child step the step will run (chain, tool): `type` must be allowed and that plugin's
   * own claims of `params` are judged too, nested at `pointer` (which locates `params`).
   */
  | { kind: 'step'; type: string; params: Record<string, unknown>; pointer: string };

/** A directory entry returned by `ctx.fs.list`. */
export interface DirEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
}

/** Policy-guarded filesystem access. Relative paths resolve against the run's working dir. */
export interface FsCapability {
  /** Absolute path after realpath of its existing prefix; throws E_POLICY_PATH_DENIED outside the roots. */
  resolve(path: string, access: 'read' | 'write'): Promise<string>;
  readText(path: string, options?: { maxBytes?: number }): Promise<string>;
  /** Writes (or appends) text; creates parent directories when asked. Returns the absolute path. */
  writeText(
    path: string,
    content: string,
    options?: { append?: boolean; createParents?: boolean },
  ): Promise<{ path: string; bytes: number }>;
  /** Removes a file (or a directory with `recursive`); returns false when it did not exist. */
  remove(path: string, options?: { recursive?: boolean }): Promise<boolean>;
  copy(source: string, destination: string, options?: { overwrite?: boolean }): Promise<{ path: string; bytes: number }>;
  move(source: string, destination: string, options?: { overwrite?: boolean }): Promise<{ path: string }>;
  list(path: string): Promise<DirEntry[]>;
  /** null when nothing exists at the path. */
  stat(path: string): Promise<{ type: DirEntry['type']; size: number; mtimeMs: number } | null>;
  /** Binary read of a regular file (same guard and cap as readText). */
  readBytes(path: string, options?: { maxBytes?: number }): Promise<Uint8Array>;
  /** Binary write (truncating) of a regular file; creates parent directories when asked. */
  writeBytes(path: string, data: Uint8Array, options?: { createParents?: boolean }): Promise<{ path: string; bytes: number }>;
  /** Sizes (bytes) of the filesystem holding `path` (read access needed). */
  statfs(path: string): Promise<{ total: number; free: number; available: number }>;
  /** Creates a directory and its missing parents (write access); `created` is false when it existed. */
  mkdir(path: string): Promise<{ path: string; created: boolean }>;
}

/** Result of a finished process. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Policy-guarded process execution: argv only, no shell; killed (whole group) on abort. */
export interface ExecCapability {
  run(
    argv: readonly string[],
    options?: {
      cwd?: string;
      env?: Record<string, string>;
      input?: string;
      maxOutputBytes?: number;
      /** `bwrap`: run in the bubblewrap sandbox (E_SANDBOX_UNAVAILABLE without it); `none`: opt out unless policy.sandbox is `required`. */
      sandbox?: 'bwrap' | 'none';
    },
  ): Promise<ExecResult>;
  /**
   * Starts a background process through the same guards as `run` (allowlist, argument rules,
   * env, sandbox, own process group), owned by the run: the engine stops it (SIGTERM, then
   * SIGKILL) when the run ends unless `detach` (policy.commands.detach) is set. Resolves once
   * spawned, or once `waitFor` holds (E_PROCESS_NOT_READY, process stopped, otherwise).
   */
  start(argv: readonly string[], options?: StartOptions): Promise<{ pid: number }>;
  /**
   * Signals the process group of a process this run started (E_PROCESS_NOT_OWNED otherwise).
   * Terminating signals wait up to `graceMs` for the exit, then SIGKILL.
   */
  kill(pid: number, signal?: string, options?: { graceMs?: number }): Promise<KillResult>;
  /**
   * Opens a process to talk to over its stdin/stdout (a stdio MCP server), through the same
   * guards as `run` (allowlist, argument rules, env, sandbox, own process group). Stopped when
   * `close()` is called or the step's signal aborts; the caller closes it when done.
   */
  open(argv: readonly string[], options?: { cwd?: string; env?: Record<string, string>; sandbox?: 'bwrap' | 'none'; maxOutputBytes?: number }): Promise<ExecSession>;
}

/** A process opened with `ctx.exec.open`: text in on stdin, text out of stdout. */
export interface ExecSession {
  readonly pid: number;
  /** Writes to its stdin (throws once it has exited or is closing). */
  write(data: string): void;
  /** Called with each stdout chunk (UTF-8), in order. */
  onOutput(listener: (chunk: string) => void): void;
  /** The tail of what it wrote to stderr so far. */
  stderr(): string;
  /** Resolves when it has exited. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** Ends stdin, stops the process group (SIGTERM, then SIGKILL), resolves once gone. */
  close(): Promise<void>;
}

/** Options of `ctx.exec.start`. */
export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  sandbox?: 'bwrap' | 'none';
  /** Outlive the run (refused with E_POLICY_DETACH_DENIED unless policy.commands.detach). */
  detach?: boolean;
  /** Readiness: a process of the group listens on `port` (TCP, any address), and/or `output` appeared on stdout/stderr. */
  waitFor?: { port?: number; output?: string; timeoutMs?: number };
}

/** What `ctx.exec.kill` did. */
export interface KillResult {
  /** False when the process had already exited (nothing was sent). */
  signalled: boolean;
  exited: boolean;
  exitCode: number | null;
  signal: string | null;
}

/** A fully read HTTP response. */
export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Final URL after redirects. */
  url: string;
}

/** An HTTP response whose body is read as it arrives (`ctx.fetch.stream`). */
export interface FetchStream {
  status: number;
  headers: Record<string, string>;
  /** Final URL after redirects. */
  url: string;
  /** The body bytes as they arrive; the size cap, timeout and step signal still apply (coded errors). */
  body: AsyncIterable<Uint8Array>;
  /** Stops reading and closes the connection (also done when the body is read to the end or its loop exits). */
  cancel(): void;
}

/** Options of one `ctx.fetch` request. */
export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Response body cap in bytes (lowered by policy.limits). */
  maxBytes?: number;
  /** Whole-request deadline, redirects (and, for `stream`, the body) included. */
  timeoutMs?: number;
}

/** Policy-guarded HTTP: host checks after DNS resolution and on every redirect. */
export interface FetchCapability {
  request(url: string, init?: FetchInit): Promise<FetchResponse>;
  /**
   * Like `request` (same guards), but resolves at the final response's headers and streams the
   * body (SSE, large downloads). Optional: a wrapper (a test double) may lack it; callers then
   * fall back to `request`.
   */
  stream?(url: string, init?: FetchInit): Promise<FetchStream>;
}

/** Policy-guarded raw connections: the same host/port allowlist and SSRF checks as ctx.fetch. */
export interface NetCapability {
  /** Opens a TCP (or TLS) connection to host:port after checking the host (and port) against the policy and every resolved address against the SSRF rules (loopback/private only when that exact host/IP is allowed); the DNS answer is pinned; destroyed when the step's signal aborts. Rejects with E_POLICY_HOST_DENIED / E_NET_CONNECT_FAILED / E_NET_TIMEOUT. */
  connect(target: { host: string; port: number; tls?: boolean | { servername?: string; ca?: string | string[]; rejectUnauthorized?: boolean }; timeoutMs?: number }): Promise<import('node:net').Socket>;
}

/** Policy-guarded environment: only variables the policy passes are visible. */
export interface EnvCapability {
  get(name: string): string | undefined;
  /**
   * `get` for a credential: the value (when set) joins the run's secrets, so it is redacted from
   * results, ledger, run state and logs whatever the variable's name. Optional for test doubles.
   */
  secret?(name: string): string | undefined;
}

/**
 * A plugin's persistent files (a vector store, a cache) in the state directory, which file
 * steps and commands cannot reach: `<stateDir>/data/<name>`.
 */
export interface DataCapability {
  /**
   * Absolute path of `<stateDir>/data/<name>` (the directory is created, mode 0700; the file is
   * not). `name` is one plain file name. Rejects with E_DATA_UNAVAILABLE when the run has no
   * state dir, E_DATA_NAME_INVALID, or E_FS_SYMLINK_REFUSED when a symlink is in the way.
   */
  path(name: string): Promise<string>;
}

/** Structured step log; lines go to the run log, never stdout. */
export interface StepLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** One installed step type as `ctx.steps.list()` describes it (for tool lists and agents). */
export interface StepTypeInfo {
  type: string;
  description: string;
  /** JSON schema of its parameters. */
  params: unknown;
  effect: Effect;
}

/** A child step for `ctx.steps.run`: its id is nested under the calling step (`<parent>/<id>`). */
export interface ChildStepSpec {
  id: string;
  type: string;
  params: Record<string, unknown>;
  /** Its own timeout (E_STEP_TIMEOUT); absent: bounded by the parent's. */
  timeoutMs?: number;
}

/** A step of a nested sub-DAG for `ctx.steps.runMission`. */
export interface SubMissionStep extends ChildStepSpec {
  dependsOn?: readonly string[];
  continueOnError?: boolean;
}

/** How a nested sub-DAG ended: its steps' results by their (un-nested) id, in schedule order. */
export interface SubMissionResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  steps: Array<{ id: string; status: 'succeeded' | 'failed' | 'skipped' | 'cancelled'; outputs: Record<string, unknown>; error: { code: string; message: string; details?: Record<string, unknown> } | null }>;
}

/**
 * Child steps: run other step types from inside a step (tool, agent, chain) through exactly
 * what a top-level step gets: the policy's step-type check and static claims check on the
 * resolved parameters, the params schema check, the write-ahead ledger, the capability guards,
 * its own timeout, and cancellation with the parent. Results and events carry the nested id.
 */
export interface StepsCapability {
  /** Step types the run's policy allows: type, description, params JSON schema, effect. */
  list(): ReadonlyArray<StepTypeInfo>;
  /** Runs one child step `<this step id>/<id>` and resolves with its outputs (rejects with its coded error). */
  run(child: ChildStepSpec): Promise<Record<string, unknown>>;
  /**
   * Runs a sub-DAG on the engine's own scheduler, ids nested under this step. Either inline
   * `steps` or a mission `file` (loaded, validated and policy-checked like a top-level one,
   * relative to the working dir). `parallel`: at most that many at once (true = unbounded);
   * default 1. Resolves with every step's result; rejects only when it cannot start.
   */
  runMission(
    mission: { steps: readonly SubMissionStep[] } | { file: string },
    options?: { parallel?: boolean | number; failFast?: boolean },
  ): Promise<SubMissionResult>;
}

/** Token counts (and cost, in the currency of settings.llm.prices) of one LLM call. */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cost?: number | undefined;
}

/** A call's hold on the budget: `commit` its actual usage after the call, or `release` it when the call failed. */
export interface LlmBudgetReservation {
  commit(actual: LlmUsage): void;
  release(): void;
}

/** The run's LLM budget (mission `config.llm_budget`): every model call reserves its worst case first. */
export interface LlmBudget {
  readonly limits: Readonly<{ maxInputTokens?: number; maxOutputTokens?: number; maxCost?: number }>;
  /** Throws E_LLM_BUDGET_EXCEEDED (nothing sent) when the call's worst case would pass a limit. */
  reserve(call: { model: string; estimate: LlmUsage }): LlmBudgetReservation;
  /** Usage committed so far. */
  used(): { inputTokens: number; outputTokens: number; cost: number };
}

/** Everything a plugin's `run` receives besides its parameters. */
export interface StepContext {
  readonly runId: string;
  readonly stepId: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** Aborted on timeout, fail-fast cancellation or SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Directory relative paths resolve against. */
  readonly workDir: string;
  readonly fs: FsCapability;
  readonly exec: ExecCapability;
  readonly fetch: FetchCapability;
  readonly net: NetCapability;
  readonly env: EnvCapability;
  /** Persistent plugin data in the state dir (capability `data`). */
  readonly data: DataCapability;
  /** Child steps (E_CHILD_STEPS_UNAVAILABLE when the dispatcher cannot run any). */
  readonly steps: StepsCapability;
  readonly log: StepLogger;
  /** The run's LLM budget when the mission sets `config.llm_budget` (model calls reserve through it); undefined = unlimited. */
  readonly budget?: LlmBudget | undefined;
  /**
   * Shows a live status line for the running step (e.g. the tail of a streamed reply) in the
   * progress view: a `step.progress` event that is never written to the ledger or run state.
   * Best effort and cheap; optional for test doubles.
   */
  progress?(text: string): void;
  /**
   * Waits `ms` milliseconds; rejects with the abort reason (E_STEP_TIMEOUT, E_STEP_CANCELLED)
   * as soon as the step is stopped, leaving no timer behind. The cheap way to wait or poll:
   * the engine builds no AbortSignal for it (reading `signal` does). Always present in the
   * engine's ctx; optional only so hand-made test contexts need not provide it.
   */
  sleep?(ms: number): Promise<void>;
  /**
   * The project's settings for a namespace (`settings.<namespace>` in rustchain.config), deeply
   * frozen; undefined when absent. The plugin checks the shape (settings are config, not policy).
   */
  settings(namespace: string): unknown;
}

/** What a plugin module default-exports. */
export interface PluginDefinition<P extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** The step type it implements, snake_case (`create_file`). */
  readonly type: string;
  /** One line for `rustchain plugins list` and the generated reference. */
  readonly description: string;
  /** typebox schema of `parameters`. */
  readonly params: P;
  /** typebox schema of the outputs `run` returns. */
  readonly outputs: O;
  readonly capabilities: readonly Capability[];
  readonly effect: Effect;
  /** Resources the step will touch, for the static policy check. */
  claims?(params: Static<P>): ResourceClaim[];
  /** Does the work. Throw a RustchainError (with a code) to fail the step. */
  run(params: Static<P>, ctx: StepContext): Promise<Static<O>>;
}

/** Marker set by definePlugin, so the registry can tell a plugin from any other export. */
export const PLUGIN_MARKER = 'rustchain.plugin/v1';

/** A plugin definition as the registry sees it (marker included). */
export type DefinedPlugin<P extends TSchema = TSchema, O extends TSchema = TSchema> = PluginDefinition<P, O> & {
  readonly kind: typeof PLUGIN_MARKER;
};

/** Declares a step type; exists for type inference and to mark the value as a plugin. */
export function definePlugin<P extends TSchema, O extends TSchema>(
  definition: PluginDefinition<P, O>,
): DefinedPlugin<P, O> {
  return Object.freeze({ ...definition, kind: PLUGIN_MARKER });
}

/**
 * What the loader, policy checker and executor need from a plugin registry: lookup by
 * step type. The registry in `registry/` implements it; tests pass a plain Map-backed one.
 */
export interface StepTypeLookup {
  /** The plugin of a step type; `packageName` when known (a loaded package), for hints. */
  get(type: string): { readonly definition: DefinedPlugin; readonly packageName?: string } | undefined;
  has(type: string): boolean;
  /** Installed step types, sorted. */
  types(): string[];
  /**
   * A lazy registry imports plugins here: get() of a type is valid once `load` of it resolved
   * (validateMission and executeMission call it). Absent: every definition is loaded already.
   */
  load?(types: Iterable<string> | 'all', options?: StepTypeLoadOptions): Promise<void>;
}

/** Options of StepTypeLookup.load. */
export interface StepTypeLoadOptions {
  /** Loading for a run: a plugin that lists step types (ctx.steps.list()) needs every allowed one. */
  run?: { allowed: '*' | readonly string[] };
}
