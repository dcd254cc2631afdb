import os from 'node:os';

/** What the numbers were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  date: string;
  /** 1-minute load average at start and end: other jobs on the machine skew the figures. */
  loadAverage: { start: number; end: number | null };
  /** The bench process's nice value (a negative one was asked for on a shared machine). */
  nice: number;
}

/** Describes this machine and runtime. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAverage: { start: round1(os.loadavg()[0] ?? 0), end: null },
    nice: os.getPriority(),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Records the load average at the end of the run. */
export function finishMachine(m: Machine): Machine {
  return { ...m, loadAverage: { ...m.loadAverage, end: round1(os.loadavg()[0] ?? 0) } };
}
