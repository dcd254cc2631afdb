import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { closedPort, type AfterHook } from './net-helpers.ts';

/** A real redis-server for the redis step-type tests, or the reason there is none. */

/** Why the redis tests skip, or false when redis-server is installed. */
export const NO_REDIS: string | false =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'redis-server is not installed (apt-get install -y redis-server)';

/** A started server: its port, a direct client (to check what the steps did) and a connection counter. */
export interface RedisServer {
  port: number;
  client: Redis;
  /** Connections accepted so far (from INFO stats), the checking client's included. */
  connections(): Promise<number>;
}

/** Starts `redis-server --port <free> --save '' --appendonly no`; stopped in t.after. */
export async function startRedis(t: AfterHook): Promise<RedisServer> {
  const port = await closedPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  t.after(() => {
    child.kill('SIGKILL');
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
  t.after(() => client.disconnect());
  return {
    port,
    client,
    async connections() {
      const info = await client.info('stats');
      return Number(/total_connections_received:(\d+)/.exec(info)?.[1] ?? 'NaN');
    },
  };
}
