/**
 * Is the process that owns a run still alive? A pid alone can be reused after a crash, so
 * the run state also keeps the process start time (`/proc/<pid>/stat` field 22 on Linux): a
 * live pid with another start time is another process, and the run is interrupted.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The start time of `pid` in clock ticks since boot (Linux), or null where it cannot be read. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields follow the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** The identity of this process, as stored in a run state. */
export function currentProcess(): { pid: number; startTime: string | null; host: string } {
  return { pid: process.pid, startTime: processStartTime(process.pid), host: hostname() };
}

/**
 * False when the owner is certainly gone (no such pid, or a different start time); true when
 * alive or when it cannot be told (another host).
 */
export function ownerAlive(owner: { pid: number; startTime: string | null; host: string }): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || now === owner.startTime;
}
