import { RustchainError, type ErrorCode } from '../errors.ts';

/**
 * Every policy refusal is built here, so each one names the flag or config entry that would
 * allow it (`details.allowWith`), and the static check and the runtime guards say the same.
 */

/** Where config policy lives; named in every refusal. */
const CONFIG = 'rustchain.config.ts';

function denial(code: ErrorCode, message: string, details: Record<string, unknown>): RustchainError {
  return new RustchainError(code, message, { details, nonRetryable: true });
}

/** argv[0] is not on the command allowlist. */
export function commandDenied(command: string, resolved: string | null): RustchainError {
  const allowWith = `--allow-run=${command} or policy.commands.allow in ${CONFIG}`;
  const spaced = /\s/.test(command) ? ' (the command runs without a shell: put arguments in `args`)' : '';
  return denial(
    'E_POLICY_COMMAND_DENIED',
    `\`${command}\` is not an allowed command${spaced}: allow it with ${allowWith}`,
    { command, resolved, allowWith },
  );
}

/** A shell command where the policy allows none. */
export function shellDenied(): RustchainError {
  const allowWith = `policy.commands.shell: true in ${CONFIG}`;
  return denial('E_POLICY_SHELL_DENIED', `a shell command is not allowed: allow it with ${allowWith}`, { allowWith });
}

/** A path outside the read or write roots. */
export function pathDenied(path: string, resolved: string, access: 'read' | 'write'): RustchainError {
  const flag = access === 'read' ? '--allow-read' : '--allow-write';
  const allowWith = `${flag}=${resolved} or policy.fs.${access} in ${CONFIG}`;
  return denial(
    'E_POLICY_PATH_DENIED',
    `\`${path}\` (${resolved}) is outside the ${access} roots: allow it with ${allowWith}`,
    { path, resolved, access, allowWith },
  );
}

/** A path the engine reserves (state dir, .git, node_modules, keys): no flag opens it. */
export function reservedPathDenied(path: string, resolved: string, access: 'read' | 'write', reserved: string): RustchainError {
  const allowWith = `nothing: ${reserved} is reserved by the engine (remove it from policy.fs.deny in ${CONFIG} if it is listed there)`;
  return denial(
    'E_POLICY_PATH_DENIED',
    `\`${path}\` (${resolved}) is a reserved path and is never ${access === 'read' ? 'readable' : 'writable'} by steps`,
    { path, resolved, access, reserved, allowWith },
  );
}

/** A path that is not a path (NUL byte, empty). */
export function badPath(path: string, reason: string): RustchainError {
  return denial('E_POLICY_PATH_DENIED', `\`${path.replace(/\0/g, '\\0')}\` is refused: ${reason}`, {
    path,
    reason,
    allowWith: 'nothing: fix the path',
  });
}

/** An environment variable the policy does not pass to steps. */
export function envDenied(name: string): RustchainError {
  const allowWith = `--allow-env=${name} or policy.env.allow in ${CONFIG}`;
  return denial('E_POLICY_ENV_DENIED', `environment variable ${name} is not allowed: allow it with ${allowWith}`, {
    name,
    allowWith,
  });
}

/** A per-call env override that would change what runs (LD_PRELOAD, PATH...): never allowed. */
export function envOverrideDenied(name: string): RustchainError {
  return denial(
    'E_POLICY_ENV_DENIED',
    `setting ${name} for a command is never allowed: it changes which code runs`,
    { name, allowWith: 'nothing: remove it from the step env' },
  );
}

/** A process asked to outlive its run where the policy does not allow it. */
export function detachDenied(command: string): RustchainError {
  const allowWith = `policy.commands.detach: true in ${CONFIG}`;
  return denial('E_POLICY_DETACH_DENIED', `\`${command}\` may not outlive the run (detach): allow it with ${allowWith}`, { command, allowWith });
}

/** A step `env:` name the policy does not let a mission set (it could change what an allowed program runs). */
export function stepEnvDenied(name: string): RustchainError {
  const allowWith = `--allow-env=${name} or policy.env.allow in ${CONFIG}`;
  return denial(
    'E_POLICY_ENV_DENIED',
    `a step may not set ${name} for its command (it can change what the program runs): allow it with ${allowWith}`,
    { name, allowWith },
  );
}

/** A plugin whose claims() threw on parameters that match its schema: its step cannot be judged, so it does not run. */
export function claimsFailed(type: string, error: unknown): RustchainError {
  const reason = error instanceof Error ? error.message : String(error);
  return denial('E_PLUGIN_INVALID', `the ${type} plugin's claims() threw (${reason.split('\n')[0] ?? ''}): its resources cannot be checked, so the step does not run`, {
    type,
    reason,
    allowWith: 'nothing: fix or update the plugin',
  });
}

/** A step type outside policy.stepTypes. */
export function stepTypeDenied(type: string): RustchainError {
  const allowWith = `policy.stepTypes in ${CONFIG} (or -A)`;
  return denial('E_POLICY_STEP_TYPE_DENIED', `step type ${type} is not allowed: allow it with ${allowWith}`, {
    type,
    allowWith,
  });
}
