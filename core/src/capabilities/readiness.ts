import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * `waitFor.port` of ctx.exec.start without touching the network: the port is ready when a
 * socket in LISTEN state on it (/proc/<pid>/net/tcp, tcp6) is held by the started process or
 * one of its descendants (their /proc/<pid>/fd links). No connection is made, so the probe needs
 * no net policy and cannot be used to scan ports owned by anyone else. Linux only.
 */

const LISTEN = '0A';

/**
 * Inodes of sockets listening on `port` in the network namespace of process `pid`
 * (/proc/<pid>/net is that process's namespace: a sandboxed server has its own).
 */
async function listeningInodes(pid: number, port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      if (local === undefined || f[3] !== LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9] !== undefined) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** `root` and every process descending from it (by parent pid). */
async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // The process exited while we looked.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** True when `pid` or a descendant holds a socket listening on `port` (in its own network namespace). */
export async function listensOn(pid: number, port: number): Promise<boolean> {
  for (const p of await descendants(pid)) {
    const inodes = await listeningInodes(p, port);
    if (inodes.size === 0) continue;
    let fds: string[];
    try {
      fds = await readdir(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = await readlink(`/proc/${p}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return true;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return false;
}
