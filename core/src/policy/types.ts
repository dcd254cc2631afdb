import type { CommandRule } from './arg-rules.ts';
import type { PolicyLimits } from './limits.ts';
import type { SandboxMode } from '../sandbox/mode.ts';

/**
 * The policy an invocation runs under. Default-deny for side effects: what is not listed
 * is refused, and every refusal names the flag or config entry that would allow it.
 * Formed from rustchain.config.ts `policy`, a `--policy` file and the Deno-style flags.
 */
export interface Policy {
  /** Step types that may run; `'*'` = any installed. */
  stepTypes: readonly string[] | '*';
  commands: {
    /** argv[0] values allowed (names looked up on PATH, or absolute paths); `'*'` = any. */
    allow: readonly string[] | '*';
    /** Whether a `shell: true` command may ever run. */
    shell: boolean;
    /** Argument patterns per command; a command with rules must match one (see arg-rules.ts). */
    rules?: readonly CommandRule[];
    /** Whether a process started with ctx.exec.start may outlive its run (`detach`); default false. */
    detach?: boolean;
  };
  fs: {
    /** Absolute roots readable (realpath'd); writable roots are readable too. */
    read: readonly string[];
    /** Absolute roots writable. */
    write: readonly string[];
    /**
     * Absolute paths never writable even inside a write root (state dir, policy file).
     * `.git`, `node_modules` and `.rustchain` path segments are always reserved too.
     */
    deny?: readonly string[];
    /** Absolute paths never readable nor writable (the state dir's signing keys). */
    denyRead?: readonly string[];
    /**
     * Governing paths (policy/governing.ts): never written or created, and neither they nor
     * any directory above them may be moved or deleted by a step.
     */
    protect?: readonly string[];
  };
  net: {
    /** `host` or `host:port` patterns; `'*'` = any public host. */
    allow: readonly string[] | '*';
  };
  env: {
    /** Variable names passed to steps (`ctx.env`, child processes); `'*'` = all. */
    allow: readonly string[] | '*';
    /**
     * Variable names whose values are secret: redacted (with their base64 / URL-encoded forms)
     * from the ledger, the run result, progress and logs. Names matching
     * DEFAULT_SECRET_ENV_PATTERN (core/src/secrets/env.ts) are secret without being listed.
     */
    secrets?: readonly string[];
  };
  /** Size and time limits; absent = unlimited. */
  limits?: PolicyLimits;
  /** bwrap sandbox for command steps: `required` refuses without it, `preferred` falls back (reported), `off` never; resolvePolicy defaults to `preferred` where bwrap is usable. */
  sandbox?: SandboxMode;
}
