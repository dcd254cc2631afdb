/**
 * The one catalogue of stable error codes. A code is never renamed or reused: tests,
 * `--json` consumers and the audit ledger recognise problems by code, not by message.
 * Add new codes here (with a one-line meaning) before using them anywhere.
 */
export const ERROR_CODES = {
  // Input sanitisation (before parsing)
  E_INPUT_TOO_LARGE: 'the file is larger than the configured limit',
  E_INPUT_TOO_DEEP: 'the document nests deeper than the configured limit',
  E_INPUT_ENCODING: 'the file is not valid UTF-8 or has a BOM/NUL in the middle',
  E_INPUT_CONTROL_CHAR: 'an id or command contains a control, bidi or zero-width character',
  E_FILE_NOT_FOUND: 'the mission or config file does not exist or cannot be read',
  // YAML / JSON parsing
  E_YAML_PARSE: 'the YAML or JSON text does not parse',
  E_YAML_DUPLICATE_KEY: 'a mapping has the same key twice',
  E_YAML_ALIAS_FORBIDDEN: 'YAML aliases are disabled in mission files',
  E_YAML_ALIAS_LIMIT: 'YAML alias expansion exceeded its limit',
  E_YAML_UNSUPPORTED_TAG: 'a custom YAML tag such as !!js/function',
  E_YAML_MULTI_DOC: 'the file holds more than one YAML document',
  // Schema
  E_SCHEMA_TYPE: 'a field has the wrong type',
  E_SCHEMA_REQUIRED: 'a required field is missing',
  E_SCHEMA_UNKNOWN_FIELD: 'a field the format does not know (warning; did-you-mean)',
  E_SCHEMA_LEGACY_FIELD: 'a legacy RustChain field that `rustchain mission migrate` rewrites',
  E_SCHEMA_FORBIDDEN_KEY: '__proto__, constructor or prototype used as a key',
  E_SCHEMA_VALUE: 'a field has a value outside its allowed range or set',
  E_MISSION_EMPTY: 'the mission has no steps',
  // DAG
  E_DUPLICATE_STEP_ID: 'two steps share one id',
  E_DAG_UNKNOWN_DEP: 'depends_on names a step that does not exist',
  E_DAG_SELF_DEP: 'a step depends on itself',
  E_DAG_CYCLE: 'the dependencies form a cycle',
  // Step types and plugins
  E_STEP_TYPE_UNKNOWN: 'no step type of that name exists',
  E_PLUGIN_NOT_INSTALLED: 'a known RustChain step type whose plugin package is not configured',
  E_PLUGIN_INVALID: 'a configured plugin does not export a valid definePlugin() value, or its definition is of another step type than its package.json declares',
  E_PLUGIN_DUPLICATE_TYPE: 'two configured plugins claim the same step type',
  E_PLUGIN_INCOMPATIBLE: 'a plugin declares an @rustchain/core range (its SDK range) that the running core is not in',
  E_PLUGIN_NOT_FOUND: 'a configured plugin package cannot be resolved from the config file directory',
  E_PARAMS_INVALID: 'step parameters do not match the plugin parameter schema',
  E_CONFIG_INVALID: 'rustchain.config.* is malformed',
  // Templates
  E_TEMPLATE_SYNTAX: 'a ${{ }} expression is not one of the supported forms',
  E_TEMPLATE_UNKNOWN_STEP: 'a template references a step that does not exist',
  E_TEMPLATE_NOT_UPSTREAM: 'a template references a step that is not a (transitive) dependency',
  E_TEMPLATE_UNKNOWN_VAR: 'a template references an undefined variable',
  E_TEMPLATE_UNKNOWN_OUTPUT: 'a template references an output the producing step type does not declare',
  E_TEMPLATE_IN_SHELL: 'a template is used inside a shell command string',
  // Runtime
  E_STEP_FAILED: 'a step failed (see its cause)',
  E_STEP_TIMEOUT: 'a step exceeded its timeout_seconds',
  E_STEP_CANCELLED: 'a step was cancelled (fail_fast, signal or user)',
  E_CHILD_STEPS_UNAVAILABLE: 'a step asked for child steps (ctx.steps) where its dispatcher cannot run any (a lone step without an engine host, an injected dispatcher)',
  E_CHILD_STEP_INVALID: 'a child step (ctx.steps.run/runMission) is malformed: empty or duplicate id, unknown dependency, cycle, bad timeout',
  E_CHAIN_CYCLE: 'chained mission files include each other (a.yaml chains b.yaml chains a.yaml); found at validation',
  E_STEP_SPAWN_FAILED: 'a process could not be started',
  E_PROCESS_NOT_OWNED: 'a pid to signal was not started by this run (ctx.exec.kill only reaches the run\'s own processes)',
  E_PROCESS_NOT_READY: 'a started process exited or timed out before its wait_for readiness condition held',
  E_COMMAND_EXIT_NONZERO: 'a command exited with a non-zero status',
  E_UPSTREAM_FAILED: 'a step was skipped because a dependency failed',
  E_OUTPUT_TOO_LARGE: 'a step produced more output than the limit allows',
  E_FS_NOT_FOUND: 'a file or directory a step needs does not exist',
  E_FS_NOT_REGULAR_FILE: 'a path is not a regular file (device, FIFO, directory)',
  E_FS_SYMLINK_REFUSED: 'a symlink was found where a file was opened without following links',
  E_FS_EXISTS: 'the destination already exists',
  E_FS_IO: 'a filesystem operation failed',
  // Policy (static and runtime)
  E_POLICY_STEP_TYPE_DENIED: 'the policy does not allow this step type',
  E_POLICY_COMMAND_DENIED: 'the policy does not allow this command',
  E_POLICY_SHELL_DENIED: 'the policy does not allow a shell',
  E_POLICY_PATH_DENIED: 'the path is outside the roots the policy allows',
  E_POLICY_HOST_DENIED: 'the policy does not allow this network host',
  E_POLICY_SCHEME_DENIED: 'the URL scheme is not allowed',
  E_POLICY_REDIRECT_DENIED: 'a redirect led to a host the policy does not allow',
  E_POLICY_ENV_DENIED: 'the policy does not allow this environment variable',
  E_POLICY_LIMIT: 'a policy limit (steps, timeout, output size) was exceeded',
  E_POLICY_DETACH_DENIED: 'the policy does not allow a started process to outlive its run (commands.detach)',
  E_POLICY_ROOT_MISSING: 'a read or write root of the policy does not exist, so it grants nothing (warning of `policy check`)',
  E_POLICY_RULE_UNREACHABLE: 'a policy entry can never match: a rule for a command not allowed, a step type not installed, a URL where a host pattern belongs (warning of `policy check`)',
  // Network / HTTP (runtime)
  E_HTTP_RESPONSE_TOO_LARGE: 'an HTTP response body exceeded the size limit',
  E_HTTP_TIMEOUT: 'an HTTP request did not complete within its timeout',
  E_HTTP_REQUEST_FAILED: 'an HTTP request failed (connection refused, reset, bad URL, too many redirects)',
  E_HTTP_STATUS: 'an HTTP response had a status >= 400, or one outside the step\'s expected_status (the step outputs are attached)',
  E_NET_CONNECT_FAILED: 'a raw TCP/TLS connection (ctx.net.connect) failed: refused, reset, unreachable, DNS or TLS handshake error',
  E_NET_TIMEOUT: 'a raw TCP/TLS connection (ctx.net.connect) was not established within its timeout',
  E_LLM_BUDGET_EXCEEDED: 'a model call would pass the mission\'s config.llm_budget (tokens or cost); it was not made',
  // Plugin data (ctx.data)
  E_DATA_UNAVAILABLE: 'a step keeps data in the state directory (ctx.data) but the run has none (a library call without stateDir)',
  E_DATA_NAME_INVALID: 'a plugin asked ctx.data for a name that is not one plain file name',
  // Record / replay
  E_REPLAY_MISSING: 'replay (--replay <dir>): no recording of this request in the recording directory; the network is not used in replay',
  E_REPLAY_CORRUPT: 'replay (--replay <dir>): a recording file is unreadable or is not the recording of the request it is named after',
  E_RECORD_WRITE_FAILED: 'record (--record <dir>): a call\'s recording could not be written; the step fails rather than run unrecorded',
  // Sandbox
  E_SANDBOX_UNAVAILABLE: 'the policy requires a sandbox (bwrap) that is not installed or cannot run here',
  E_GOVERNING_TAMPERED: 'a command, or a process it started in the background, created, changed, moved or deleted a governing path (config, policy file, state or key dir, allowlisted program)',
  E_ARG_OPTION_INJECTION: 'a templated value starting with - would land as an option where the command rule allows none',
  E_SECRET_LITERAL: 'a secret-marked parameter holds a literal value in the mission (warning: use an env secret)',
  E_RUN_OUTPUTS_TOO_LARGE: 'the outputs retained by a run exceed policy.limits.maxRunOutputBytes',
  E_POLICY_FILE_INVALID: 'a --policy YAML file is malformed',
  // Audit
  E_AUDIT_CHAIN_BROKEN: 'an event hash or link does not match',
  E_AUDIT_TRUNCATED: 'the ledger is shorter than its signed head',
  E_AUDIT_HEAD_MISMATCH: 'the signed head names a different hash for its seq',
  E_AUDIT_HEAD_SIGNATURE: 'the head signature does not verify',
  E_AUDIT_TORN_TAIL: 'the last line is incomplete (crash during append)',
  E_AUDIT_UNSIGNED_TAIL: 'events after the last signed head (crash before signing, a run in progress, or appended without the key)',
  E_AUDIT_HEAD_NOT_MONOTONIC: 'a logged signed head has a lower seq or an earlier time than the one before it',
  E_AUDIT_FORK: 'two validly signed heads name different hashes for the same seq',
  E_AUDIT_ROLLBACK: 'the ledger is behind (or contradicts) a signed head kept outside the state dir or anchored elsewhere',
  E_AUDIT_MISSING: 'the ledger is gone but a signed head kept outside the state dir or anchored elsewhere says it existed',
  E_AUDIT_WRITE_FAILED: 'an audit append failed; execution stops (fail closed)',
  E_AUDIT_RUN_NOT_FOUND: 'the audit ledger has no events for that run id',
  E_AUDIT_ATTESTATION_INVALID: 'an attestation envelope is malformed or its signature does not verify',
  // Run state and resume
  E_RUN_NOT_FOUND: 'no run state under <stateDir>/runs for that run id (or no earlier run of this mission for `latest`)',
  E_RUN_STATE_WRITE_FAILED: 'the run state (runs/<runId>/: state.json or its journal) could not be written; execution stops (fail closed)',
  E_RESUME_NOT_RESUMABLE: 'the run cannot be resumed: it succeeded, or its process is still running',
  E_RESUME_DIGEST_CHANGED: 'the mission file or compiled module changed since the run started; resume is refused',
  E_RESUME_INTERRUPTED_STEP: 'a step with side effects was running when the run died; pass --rerun-interrupted to run it again',
  E_COMPILE_FINALLY_UNSUPPORTED: 'the mission has a `finally:` section, which compiled modules do not support yet',
  // Compiler and compiled modules
  E_COMPILE_TYPE: 'the compiled module does not type-check (other than parameter or output errors)',
  E_COMPILED_DRIFT: 'a compiled module no longer matches its source digest or installed plugin versions',
  E_COMPILED_IMPORT: 'a compiled module cannot be loaded (syntax error, a package it imports is not installed, not a compiled mission)',
  E_COMPILED_UNSIGNED: 'a compiled module has no valid signed statement (<module>.intoto.json) beside it; pass --allow-unsigned to run it anyway (recorded)',
  E_COMPILED_DIGEST_MISMATCH: 'a compiled module\'s bytes differ from the SHA-256 its signed statement names (edited after compilation)',
  E_COMPILED_UNTRUSTED_SIGNER: 'a compiled module\'s statement is not signed by a trusted compile key (config trustedCompileKeys, or the local compile key)',
  // Redis backend (--backend redis, rustchain worker)
  E_BACKEND_UNAVAILABLE: 'the Redis of --backend redis / rustchain worker cannot be reached (down, refused, timed out, DNS)',
  E_BACKEND_AUTH: 'Redis refused the credentials (wrong or missing password: settings.redis_backend.password_env)',
  E_BACKEND_TLS: 'the TLS handshake with Redis failed (rediss://: untrusted certificate, wrong host name, not a TLS port)',
  E_BACKEND_PLUGIN_MISMATCH: 'a worker\'s plugin for the step type has another version or file integrity than the coordinator announced for the run; the worker refused the step',
  E_BACKEND_POLICY_MISMATCH: 'a worker\'s policy differs from the one the coordinator runs under (policy SHA-256); the worker refused the step',
  E_BACKEND_PROTOCOL: 'a step job or its result in Redis is not in the format this rustchain version speaks',
  E_BACKEND_OUTPUT_TOO_LARGE: 'a step\'s outputs exceed the size the Redis backend carries (settings.redis_backend.max_output_bytes)',
  E_BACKEND_JOB_LOST: 'a step job failed in the queue itself (stalled more often than allowed, removed) without a result',
  E_STEP_REDELIVERED: 'a step with side effects was handed to another worker after its first worker died mid-step; not run twice (mission config.rerun_redelivered: true allows it)',
  // CLI / usage / internal
  E_USAGE: 'the command line is wrong',
  E_INTERNAL: 'a bug: please report it',
} as const satisfies Record<string, string>;

/** A stable diagnostic / error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Severity of a diagnostic: errors stop the run, warnings do not. */
export type Severity = 'error' | 'warning';

/** A position in a source file; lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One problem found in an input, shaped as in the CLI `--json` contract. */
export interface Diagnostic {
  code: ErrorCode;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  /** JSON pointer into the document, e.g. `/steps/2/depends_on/0`. */
  pointer?: string;
  /** How to fix it, e.g. "did you mean `depends_on`?". */
  hint?: string;
}

/**
 * A code a plugin may throw besides core's: `E_` then upper-case words, namespaced by the
 * plugin (`E_GIT_MERGE_CONFLICT`, `E_ACME_QUOTA`). Core's own codes are the catalogue above.
 */
export type PluginErrorCode = `E_${Uppercase<string>}`;

/** The shape every error code has, core's or a plugin's. */
export const ERROR_CODE_PATTERN = /^E_[A-Z0-9]+(?:_[A-Z0-9]+)*$/;

/** An error carrying a stable code; recognise it with `isRustchainError`, never `instanceof`. */
export class RustchainError extends Error {
  /** Stable code from ERROR_CODES (or, thrown by a plugin, its own namespaced code). */
  readonly code: ErrorCode;
  /** Where it came from, when it came from a file. */
  readonly location: SourceLocation | undefined;
  /** Extra machine-readable facts (resolved path, argv[0], the flag that would allow it...). */
  readonly details: Readonly<Record<string, unknown>>;
  /** Retrying cannot help (policy denials, validation errors). */
  readonly nonRetryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      location?: SourceLocation;
      details?: Record<string, unknown>;
      nonRetryable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RustchainError';
    this.code = code;
    this.location = options.location;
    this.details = options.details ?? {};
    this.nonRetryable = options.nonRetryable ?? code.startsWith('E_POLICY_');
  }
}

/**
 * True when `value` carries a RustChain error code (works across copies of core, and for the
 * plain `{ code, message }` objects a plugin may throw): an own `code` property of the form
 * `E_WORDS` and a string `message`. Inherited keys (`{ code: 'toString' }`) do not count.
 */
export function isRustchainError(value: unknown): value is RustchainError {
  if (typeof value !== 'object' || value === null) return false;
  const code = Object.getOwnPropertyDescriptor(value, 'code')?.value as unknown;
  const message = (value as { message?: unknown }).message;
  return typeof code === 'string' && ERROR_CODE_PATTERN.test(code) && typeof message === 'string';
}

/**
 * The error a plugin throws to fail its step with a code of its own (`E_GIT_MERGE_CONFLICT`)
 * or one of core's. `details` are kept in the step's result and the ledger.
 */
export class PluginError extends RustchainError {
  constructor(
    code: ErrorCode | PluginErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; nonRetryable?: boolean; cause?: unknown } = {},
  ) {
    if (!ERROR_CODE_PATTERN.test(code)) throw new TypeError(`PluginError: \`${code}\` is not an error code (E_UPPER_CASE_WORDS)`);
    // The code is widened on purpose: core treats an unknown code like any step failure.
    super(code as ErrorCode, message, options);
    this.name = 'PluginError';
  }
}

/** Raised when validation found errors; carries all of them, sorted by position. */
export class DiagnosticsError extends RustchainError {
  /** Every diagnostic found, errors and warnings. */
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    super(first?.code ?? 'E_INTERNAL', first ? formatDiagnostic(first) : 'invalid input', {
      ...(first ? { location: { file: first.file, line: first.line, column: first.column } } : {}),
      nonRetryable: true,
    });
    this.diagnostics = diagnostics;
  }
}

/** `file:line:column: severity CODE: message (hint)` — the compiler-style one-liner. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}${hint}`;
}

/** Sort diagnostics by file, line, column, like a compiler. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}
