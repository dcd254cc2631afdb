import { definePlugin, RustchainError, shellExitStatus, Type, type ResourceClaim, type Static } from '@rustchain/core/plugin';

/**
 * `command`: runs one program with an argv, never through a shell, so templated values
 * stay single arguments (SECURITY-CATALOGUE 11-13). A non-zero exit fails the step and
 * carries stdout, stderr and exit_code in `details.outputs`.
 */

const Params = Type.Object(
  {
    command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
      description: 'the program (argv[0]), or the whole argv as a list',
    }),
    // Numbers and booleans become strings (the original silently dropped non-string args).
    args: Type.Optional(Type.Union([Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()])), Type.Null()])),
    working_dir: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'default: the working directory' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'extra variables for the process' })),
    sandbox: Type.Optional(Type.Union([Type.Literal('bwrap'), Type.Literal('none')], { description: 'bwrap: run in the bubblewrap sandbox; none: opt out (refused when policy.sandbox is required)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  exit_code: Type.Integer({ description: 'exit status; 128 + signal number when killed by a signal' }),
});

function argvOf(p: Static<typeof Params>): string[] {
  const head = Array.isArray(p.command) ? p.command : [p.command];
  return [...head, ...(p.args ?? []).map(String)];
}

/** The `command` step type: argv without a shell; a non-zero exit fails the step. */
export default definePlugin({
  type: 'command',
  description: 'Runs a program with arguments (no shell); outputs stdout, stderr and exit_code.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec'],
  effect: 'side-effect',
  claims(p) {
    const claims: ResourceClaim[] = [{ kind: 'exec', argv: argvOf(p), pointer: '/command' }];
    if (typeof p.working_dir === 'string') claims.push({ kind: 'read', path: p.working_dir, pointer: '/working_dir' });
    return claims;
  },
  async run(p, ctx) {
    const argv = argvOf(p);
    const result = await ctx.exec.run(argv, {
      ...(typeof p.working_dir === 'string' ? { cwd: p.working_dir } : {}),
      ...(p.env ? { env: p.env } : {}),
      ...(p.sandbox ? { sandbox: p.sandbox } : {}),
    });
    const outputs = { stdout: result.stdout, stderr: result.stderr, exit_code: shellExitStatus(result.exitCode, result.signal) };
    if (outputs.exit_code !== 0) {
      throw new RustchainError('E_COMMAND_EXIT_NONZERO', `\`${argv[0]}\` exited with status ${outputs.exit_code}`, {
        details: { outputs, exit_code: outputs.exit_code, signal: result.signal, command: argv[0] },
      });
    }
    return outputs;
  },
});
