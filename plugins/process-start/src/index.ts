import { definePlugin, Type, type ResourceClaim, type Static } from '@rustchain/core/plugin';

/**
 * `process_start`: starts a background program (argv, no shell) owned by the run. Unlike
 * `command` it does not wait for the exit: the step succeeds once the process is spawned,
 * or once `wait_for` holds. Every guard of `command` applies (ctx.exec.start takes the same
 * path), and the engine stops the process when the run ends unless `detach` is allowed.
 */

const Params = Type.Object(
  {
    command: Type.String({ minLength: 1, description: 'the program (argv[0])' }),
    // Numbers and booleans become strings, as in `command`.
    args: Type.Optional(Type.Union([Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()])), Type.Null()])),
    working_dir: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: '.', description: 'default: the working directory' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'extra variables for the process' })),
    detach: Type.Optional(Type.Boolean({ default: false, description: 'outlive the run (needs policy.commands.detach: true)' })),
    wait_for: Type.Optional(
      Type.Object(
        {
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'ready once the process (or a descendant) listens on this TCP port' })),
          output: Type.Optional(Type.String({ minLength: 1, description: 'ready once this text appears on stdout or stderr' })),
          timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'default 30000' })),
        },
        { additionalProperties: false },
      ),
    ),
    sandbox: Type.Optional(Type.Union([Type.Literal('bwrap'), Type.Literal('none')])),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  pid: Type.Integer({ description: 'process id (also its process group id); the handle for process_kill' }),
  started_at: Type.String({ description: 'ISO 8601 time the process was spawned' }),
});

function argvOf(p: Static<typeof Params>): string[] {
  return [p.command, ...(p.args ?? []).map(String)];
}

/** The `process_start` step type: a background process, stopped at the end of the run. */
export default definePlugin({
  type: 'process_start',
  description: 'Starts a background program owned by the run (no shell); outputs pid and started_at.',
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
    const startedAt = new Date().toISOString();
    const waitFor = p.wait_for
      ? {
          ...(p.wait_for.port === undefined ? {} : { port: p.wait_for.port }),
          ...(p.wait_for.output === undefined ? {} : { output: p.wait_for.output }),
          ...(p.wait_for.timeout_ms === undefined ? {} : { timeoutMs: p.wait_for.timeout_ms }),
        }
      : undefined;
    const { pid } = await ctx.exec.start(argvOf(p), {
      ...(typeof p.working_dir === 'string' ? { cwd: p.working_dir } : {}),
      ...(p.env ? { env: p.env } : {}),
      ...(p.sandbox ? { sandbox: p.sandbox } : {}),
      ...(p.detach ? { detach: true } : {}),
      ...(waitFor ? { waitFor } : {}),
    });
    ctx.log.info('process started', { pid, command: p.command, detach: p.detach ?? false });
    return { pid, started_at: startedAt };
  },
});
