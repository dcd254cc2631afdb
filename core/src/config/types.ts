/**
 * rustchain.config.ts: which plugins are loaded (explicitly, never by scanning folders) and
 * the default policy. Policy entries are relative to the config file's directory.
 */
export interface PolicyConfig {
  stepTypes?: string[] | '*';
  commands?: { allow?: string[] | '*'; shell?: boolean; rules?: Array<{ command: string; args: string[] }> };
  fs?: { read?: string[]; write?: string[] };
  net?: { allow?: string[] | '*' };
  /** `secrets`: names whose values are redacted from ledger, output and logs (see Policy.env.secrets). */
  env?: { allow?: string[] | '*'; secrets?: string[] };
  limits?: { maxSteps?: number; maxTimeoutSeconds?: number; maxOutputBytes?: number };
  sandbox?: 'required' | 'preferred' | 'off';
}

/** The shape of rustchain.config.ts's default export. */
export interface RustchainConfig {
  /** Plugin package specifiers, resolved from the config file's directory. */
  plugins: string[];
  policy?: PolicyConfig;
  /** State directory (ledger, keys, runs), relative to the config file; `$RUSTCHAIN_HOME` wins; default `.rustchain` in the working directory. */
  stateDir?: string;
}

/** Declares the config; exists only for type inference. */
export function defineConfig(config: RustchainConfig): RustchainConfig {
  return config;
}
