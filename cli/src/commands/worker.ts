import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../exit-codes.ts';
import { PermissionedCommand } from '../options/permissions.ts';

/** Parses a positive integer option. */
function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got \`${value}\``);
  return n;
}

/** `rustchain worker --redis <url>`: runs the step jobs a `--backend redis` coordinator enqueues. */
export class WorkerCommand extends PermissionedCommand {
  static override paths = [['worker']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Run steps for `mission execute|run --backend redis` coordinators, from a BullMQ queue on Redis',
    details: `
      Loads this project (config, plugins, policy from the config, \`--policy\` and the \`--allow-*\`
      flags exactly as \`mission execute\` forms it) and takes step jobs from the queue. A job is
      refused, and its step fails with a code, when this worker's policy differs from the
      coordinator's (E_BACKEND_POLICY_MISMATCH: start the worker with the same config and flags)
      or when its plugin for the step type has another package, version or file integrity than
      the coordinator announced (E_BACKEND_PLUGIN_MISMATCH). Steps run under the same capability
      guards and sandbox as in-process. A job re-delivered because its worker died runs again
      only if its step is pure, read or idempotent, or the mission sets
      \`config.rerun_redelivered: true\` (else E_STEP_REDELIVERED). Workers never open the ledger
      and hold no signing key: the coordinator records every result.

      SIGTERM/SIGINT: takes no new job; running steps get \`--grace\` ms to finish, then are
      cancelled (a repeatable step is handed back to the queue for another worker). Exit codes:
      2 invalid usage or Redis unreachable at start (E_BACKEND_*), 130/143 after a signal.
    `,
    examples: [
      ['Run steps with 4 at once', '$0 worker --redis redis://127.0.0.1:6379 --concurrency 4'],
      ['Serve another queue, allowing npm', '$0 worker --redis rediss://redis.internal:6380 --queue builds --allow-run=npm'],
    ],
  });

  /** Redis URL. */
  redis = Option.String('--redis', { description: 'The Redis URL (redis:// or rediss://; password from config settings.redis_backend.password_env)' });

  /** Jobs run at once. */
  concurrency = Option.String('--concurrency', { description: 'Steps run at once by this worker (default 1)' });

  /** Queue name. */
  queue = Option.String('--queue', { description: 'The queue to take steps from (default rustchain-steps); the coordinator\'s --queue' });

  /** Grace period on SIGTERM. */
  grace = Option.String('--grace', { description: 'On SIGTERM/SIGINT: ms running steps get to finish before they are cancelled or handed back (default 30000)' });

  /** BullMQ lock duration. */
  lockDuration = Option.String('--lock-duration', { description: 'ms a job stays locked to this worker without renewal; a dead worker\'s jobs are re-delivered after it (default 30000)' });

  /** BullMQ stalled-job check interval. */
  stalledInterval = Option.String('--stalled-interval', { description: 'ms between this worker\'s checks for other workers\' stalled jobs (default 30000)' });

  override async run(): Promise<number> {
    if (this.redis === undefined) throw new UsageError('worker needs --redis <redis://host:port>');
    const concurrency = positive('--concurrency', this.concurrency, 1);
    const graceMs = positive('--grace', this.grace, 30_000);
    const lockDurationMs = this.lockDuration === undefined ? undefined : positive('--lock-duration', this.lockDuration, 30_000);
    const stalledIntervalMs = this.stalledInterval === undefined ? undefined : positive('--stalled-interval', this.stalledInterval, 30_000);
    const project = await this.project();
    const { policyFor } = await import('../prepare.ts');
    const policy = await policyFor(project, this.permissionFlags(), this.cwd());
    const { backendSettings, checkRedis, redisOptions, shownUrl } = await import('../backend/redis/connection.ts');
    const { policyFingerprint } = await import('../backend/redis/coordinator.ts');
    const { DEFAULT_QUEUE } = await import('../backend/redis/protocol.ts');
    const { startRedisWorker } = await import('../backend/redis/worker.ts');
    const connection = redisOptions(this.redis, backendSettings(project.config.settings), process.env, project.dir);
    await checkRedis(this.redis, connection);
    const stderr = this.context.stderr;
    const queue = this.queue ?? DEFAULT_QUEUE;
    const policySha256 = policyFingerprint(policy);
    const worker = await startRedisWorker({
      connection, queue, concurrency, registry: project.registry, policy, policySha256, workDir: this.cwd(),
      settings: project.config.settings, stateDir: project.stateDir,
      stall: { ...(lockDurationMs === undefined ? {} : { lockDurationMs }), ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }) },
      log: (line) => stderr.write(`${line}\n`),
    });
    stderr.write(`rustchain worker: ready on ${shownUrl(this.redis)} queue ${queue}, concurrency ${concurrency}, policy ${policySha256}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    stderr.write(`rustchain worker: ${signal}: finishing running steps (grace ${graceMs} ms)\n`);
    await worker.close(graceMs);
    stderr.write(`rustchain worker: stopped after ${worker.handled} steps\n`);
    if (this.json) this.context.stdout.write(`${JSON.stringify({ stopped: signal, steps: worker.handled })}\n`);
    return signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  }
}
