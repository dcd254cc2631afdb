import { definePlugin, KILL_SIGNALS, PluginError, Type } from '@rustchain/core/plugin';

/**
 * `process_kill`: signals a process this run started with `process_start` (its whole process
 * group). Any other pid is refused by ctx.exec.kill (E_PROCESS_NOT_OWNED) before anything is
 * sent, so a mission cannot signal processes it does not own.
 */

const Params = Type.Object(
  {
    // A templated pid (`${{ steps.start.outputs.pid }}`) may arrive as a string of digits.
    pid: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[1-9][0-9]*$' })], { description: 'pid from a process_start step of this run' }),
    signal: Type.Optional(Type.Union(KILL_SIGNALS.map((s) => Type.Literal(s)), { default: 'SIGTERM' })),
    grace_ms: Type.Optional(Type.Integer({ minimum: 0, default: 2000, description: 'for terminating signals: wait this long for the exit, then SIGKILL' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  signalled: Type.Boolean({ description: 'false when the process had already exited (nothing sent)' }),
  exited: Type.Boolean(),
  exit_code: Type.Union([Type.Integer(), Type.Null()], { description: 'exit status when it exited normally' }),
  signal: Type.Union([Type.String(), Type.Null()], { description: 'the signal that ended it, when one did' }),
});

/** The `process_kill` step type: signals a process of this run. */
export default definePlugin({
  type: 'process_kill',
  description: 'Signals (default SIGTERM, then SIGKILL after grace_ms) a process this run started.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec'],
  // Killing what is already dead sends nothing: running it twice equals once.
  effect: 'idempotent',
  async run(p, ctx) {
    const pid = typeof p.pid === 'number' ? p.pid : Number(p.pid);
    if (!Number.isSafeInteger(pid)) throw new PluginError('E_PARAMS_INVALID', `pid ${String(p.pid)} is not an integer`, { nonRetryable: true });
    const result = await ctx.exec.kill(pid, p.signal ?? 'SIGTERM', { graceMs: p.grace_ms ?? 2000 });
    return { signalled: result.signalled, exited: result.exited, exit_code: result.exitCode, signal: result.signal };
  },
});
