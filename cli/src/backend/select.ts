import type { openRedisCoordinator } from './redis/coordinator.ts';
import type { RedisDispatcher } from './redis/dispatcher.ts';

/**
 * `--backend`, `--redis`, `--queue` of `mission execute` / `run`: null for the in-process
 * default, else the Redis coordinator's dispatcher. Usage errors for a wrong combination.
 * Apart from the coordinator so that an in-process run never loads bullmq and ioredis
 * (~60 ms of every start-up).
 */
export async function backendFromFlags(
  flags: { backend: string | undefined; redis: string | undefined; queue: string | undefined; calls?: 'live' | 'record' | 'replay' },
  run: Omit<Parameters<typeof openRedisCoordinator>[0], 'url' | 'queue'>,
): Promise<RedisDispatcher | null> {
  const { UsageError } = await import('clipanion');
  const backend = flags.backend ?? (flags.redis === undefined ? 'in-process' : 'redis');
  if (backend === 'in-process') {
    if (flags.redis !== undefined || flags.queue !== undefined) throw new UsageError('--redis and --queue need --backend redis');
    return null;
  }
  if (backend !== 'redis') throw new UsageError(`--backend must be in-process or redis, got \`${backend}\``);
  if (flags.redis === undefined) throw new UsageError('--backend redis needs --redis <redis://host:port>');
  // Each worker would keep its own accountant: refused rather than run without the mission's limit.
  if (run.mission.config.llmBudget !== undefined) throw new UsageError('config.llm_budget is not enforced across workers yet: run this mission without --backend redis');
  // Workers make their calls outside this process's call journal: a recording (or a replay) would silently miss them.
  if (flags.calls !== undefined && flags.calls !== 'live') throw new UsageError(`--${flags.calls} is not applied on redis workers yet: run this mission without --backend redis`);
  const { openRedisCoordinator: open } = await import('./redis/coordinator.ts');
  return open({ ...run, url: flags.redis, queue: flags.queue });
}
