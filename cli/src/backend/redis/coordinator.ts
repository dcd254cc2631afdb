import { createInProcessDispatcher, digestJson, type Mission, type Policy, type Project } from '@rustchain/core';
import { backendSettings, checkRedis, redisOptions } from './connection.ts';
import { createRedisDispatcher, type RedisDispatcher } from './dispatcher.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_QUEUE, type AnnouncedPlugin } from './protocol.ts';

/** The SHA-256 a coordinator announces and each worker compares with its own policy's. */
export function policyFingerprint(policy: Policy): string {
  return `sha256:${digestJson(policy)}`;
}

/**
 * The coordinator's dispatcher for `--backend redis`: checks Redis is reachable first (a coded
 * error, exit 2, before the ledger records anything), then enqueues every step attempt for
 * the workers, announcing the policy's SHA-256 and, per step type, the plugin package, version
 * and file integrity this process has installed.
 */
export async function openRedisCoordinator(options: {
  url: string;
  queue: string | undefined;
  project: Project;
  mission: Mission;
  policy: Policy;
  workDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The run's redactor: learns secret parameter values before a step's start is recorded. */
  secrets: { add(values: Iterable<string>): unknown };
  /** One warning line (stderr): no worker is connected yet. */
  warn(line: string): void;
}): Promise<RedisDispatcher> {
  const { project } = options;
  const settings = backendSettings(project.config.settings);
  const connection = redisOptions(options.url, settings, options.env, project.dir);
  await checkRedis(options.url, connection);
  const announced = new Map<string, AnnouncedPlugin | null>();
  const pluginFor = (type: string): AnnouncedPlugin | null => {
    let plugin = announced.get(type);
    if (plugin === undefined) {
      const entry = project.registry.get(type);
      plugin = entry === undefined ? null : { packageName: entry.packageName, version: entry.version, integrity: entry.integrity };
      announced.set(type, plugin);
    }
    return plugin;
  };
  // Computed up front: integrity hashes a package's files; no step should wait on it.
  const types = new Set([...options.mission.steps, ...(options.mission.finally ?? [])].map((step) => step.type));
  await (project.registry as unknown as { load?: (types: Iterable<string>) => Promise<void> }).load?.(types);
  for (const type of types) pluginFor(type);
  const local = createInProcessDispatcher({ registry: project.registry, policy: options.policy, workDir: options.workDir, secrets: options.secrets });
  const dispatcher = await createRedisDispatcher({
    connection,
    queue: options.queue ?? DEFAULT_QUEUE,
    policySha256: policyFingerprint(options.policy),
    pluginFor,
    rerunRedelivered: options.mission.config.rerunRedelivered === true,
    maxOutputBytes: settings.max_output_bytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    prepare: (request) => local.prepare?.(request),
  });
  const queue = options.queue ?? DEFAULT_QUEUE;
  // Steps wait in the queue (up to their timeout) until a worker takes them: say so when none is there.
  if ((await dispatcher.workers().catch(() => 1)) === 0) options.warn(`rustchain: no worker is connected to queue ${queue} yet; steps wait for one (start \`rustchain worker --redis ... --queue ${queue}\`)`);
  return dispatcher;
}
