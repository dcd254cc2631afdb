// node:os is read here directly: its figures (CPU count and times, load average, memory,
// uptime) are side-effect-free reads of the host's own counters, with no path, program or
// host a policy could decide on. Disk figures need a path, so they go through ctx.fs.statfs.
import { cpus, freemem, loadavg, totalmem, uptime } from 'node:os';
import { abortableSleep, definePlugin, PluginError, Type, type StepContext } from '@rustchain/core/plugin';

/**
 * `monitor_resources`: a snapshot of the host's CPU (count, model, load average and a short
 * usage sample), memory, the disk holding `path`, and uptime. Read-only.
 */

const Params = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, default: '.', description: 'a path on the filesystem whose disk figures are reported' })),
    sample_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 200, description: 'how long CPU usage is sampled; 0 = no sample' })),
  },
  { additionalProperties: true },
);

const Num = Type.Number();
const Outputs = Type.Object({
  cpu: Type.Object({
    count: Type.Integer(),
    model: Type.String(),
    load_average: Type.Tuple([Num, Num, Num], { description: '1, 5 and 15 minutes' }),
    usage_percent: Type.Union([Num, Type.Null()], { description: 'busy share of all CPUs over the sample; null without a sample' }),
  }),
  memory: Type.Object({ total: Num, free: Num, used: Num, percent: Num }, { description: 'bytes; percent used' }),
  disk: Type.Object({ path: Type.String(), total: Num, free: Num, available: Num, used: Num, percent: Num }, { description: 'bytes; available = free to unprivileged users' }),
  uptime_seconds: Num,
});

const round1 = (x: number): number => Math.round(x * 10) / 10;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
  }
  return { idle, total };
}

async function usage(ms: number, ctx: StepContext): Promise<number | null> {
  if (ms === 0) return null;
  const before = cpuTimes();
  // ctx.sleep: stopped by the step's timeout or cancellation without building an AbortSignal.
  await (ctx.sleep !== undefined ? ctx.sleep(ms) : abortableSleep(ms, ctx.signal));
  const after = cpuTimes();
  const total = after.total - before.total;
  if (total <= 0) return null;
  return round1(100 * (1 - (after.idle - before.idle) / total));
}

/** The `monitor_resources` step type: CPU, memory, disk and uptime figures. */
export default definePlugin({
  type: 'monitor_resources',
  description: 'Reports CPU (count, model, load, usage sample), memory, disk of a path, and uptime.',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read'],
  effect: 'read',
  claims: (p) => [{ kind: 'read', path: p.path ?? '.', pointer: '/path' }],
  async run(p, ctx) {
    const path = p.path ?? '.';
    const disk = await ctx.fs.statfs(path);
    if (disk.total <= 0) throw new PluginError('E_MONITOR_NO_DISK', `the filesystem of \`${path}\` reports no size`, { details: { path } });
    const list = cpus();
    const usagePercent = await usage(p.sample_ms ?? 200, ctx);
    const total = totalmem();
    const free = freemem();
    const [l1, l5, l15] = loadavg() as [number, number, number];
    return {
      cpu: { count: list.length, model: list[0]?.model.trim() ?? 'unknown', load_average: [l1, l5, l15] as [number, number, number], usage_percent: usagePercent },
      memory: { total, free, used: total - free, percent: round1((100 * (total - free)) / total) },
      disk: {
        path: await ctx.fs.resolve(path, 'read'),
        total: disk.total,
        free: disk.free,
        available: disk.available,
        used: disk.total - disk.free,
        percent: round1((100 * (disk.total - disk.free)) / disk.total),
      },
      uptime_seconds: uptime(),
    };
  },
});
