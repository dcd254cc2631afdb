import type { PolicyFile } from '../policy/file.ts';

// rustchain.config.ts: which plugins are loaded (explicitly, never by scanning folders) and
// the default policy. Policy entries are relative to the config file's directory.

/**
 * The `policy` section: the same shape as a `--policy` YAML file, so one typebox schema
 * (PolicyFileSchema) defines both and they cannot drift apart.
 */
export type PolicyConfig = PolicyFile;

/** The shape of rustchain.config.ts's default export. */
export interface RustchainConfig {
  /** Plugin package specifiers, resolved from the config file's directory. */
  plugins: string[];
  policy?: PolicyConfig;
  /** State directory (ledger, keys, runs), relative to the config file; `$RUSTCHAIN_HOME` wins; default `.rustchain` in the working directory. */
  stateDir?: string;
  /** Directory of the ledger signing key, relative to the config file (`~/` = home); `$RUSTCHAIN_KEY_DIR` wins; default: under the user's config dir, outside the project. */
  keyDir?: string;
  /** Compile keys whose signed modules `rustchain run` accepts: PEM text or a path to a `.pub` (relative to the config file); the local compile key is always trusted. */
  trustedCompileKeys?: string[];
  /** Audit settings: `anchors` are the `audit anchor` targets (file, dir/, git:<repo>#<ref>; relative to the config file) that `audit verify` checks and `audit anchor` publishes to by default. */
  audit?: { anchors?: string[] };
  /**
   * Plugin settings by namespace (`settings.llm`, `settings.mcp`, ...): read by plugins through
   * `ctx.settings(namespace)`; each plugin checks the shape of its own namespace.
   */
  settings?: Record<string, unknown>;
  /** OpenTelemetry: `otlp` is the OTLP/HTTP endpoint that turns on a span per run and per step (`OTEL_EXPORTER_OTLP_ENDPOINT` does too). */
  telemetry?: { otlp?: string };
}

/** Declares the config; exists only for type inference. */
export function defineConfig(config: RustchainConfig): RustchainConfig {
  return config;
}
