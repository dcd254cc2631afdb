import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Value } from '@sinclair/typebox/value';
import plugin from '@rustchain/plugin-ping-host';
import { runStep } from '@rustchain/testing';
import { parsePingOutput } from '../../plugins/ping-host/src/stats.ts';
import { closedPort, tcpServer } from './net-helpers.ts';

const allow = (port: number) => ({ net: { allow: [`127.0.0.1:${port}`] } });

test('tcp (default): count connects to a real server, with min/avg/max and 0% loss, through the real engine', async (t) => {
  const server = await tcpServer(t);
  const run = await runStep(plugin, { host: '127.0.0.1', port: server.port, count: 3, interval_ms: 5 }, { policy: allow(server.port) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.diagnostics));
  const o = run.outputs as Record<string, number | null | boolean | unknown[]>;
  assert.equal(o['sent'], 3);
  assert.equal(o['received'], 3);
  assert.equal(o['loss_percent'], 0);
  assert.equal(o['success'], true);
  assert.ok((o['min_ms'] as number) <= (o['avg_ms'] as number) && (o['avg_ms'] as number) <= (o['max_ms'] as number));
  assert.equal((o['rtt_ms'] as unknown[]).length, 3);
  assert.ok(Value.Check(plugin.outputs, run.outputs));
  assert.equal(server.connections(), 3);
});

test('tcp: nothing answers -> E_PING_UNREACHABLE with the outputs; fail_if_unreachable: false returns 100% loss', async () => {
  const port = await closedPort();
  const run = await runStep(plugin, { host: '127.0.0.1', port, count: 2, interval_ms: 0 }, { policy: allow(port) });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_PING_UNREACHABLE');
  assert.equal((run.error?.details?.['outputs'] as { loss_percent: number }).loss_percent, 100);
  const soft = await runStep(plugin, { host: '127.0.0.1', port, count: 2, interval_ms: 0, fail_if_unreachable: false }, { policy: allow(port) });
  assert.equal(soft.status, 'succeeded');
  assert.equal(soft.outputs['success'], false);
  assert.equal(soft.outputs['received'], 0);
  assert.equal(soft.outputs['avg_ms'], null);
  assert.deepEqual(soft.outputs['rtt_ms'], [null, null]);
});

test('tcp: a host outside the allowlist is refused by the static check, 0 connections', async (t) => {
  const server = await tcpServer(t);
  const run = await runStep(plugin, { host: '127.0.0.1', port: server.port, count: 1 }, { policy: { net: { allow: ['example.com'] } } });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED' && d.pointer === '/steps/0/parameters/host'));
  assert.equal(server.connections(), 0);
});

test('tcp: 0x7f000001 from a template is refused at run time under a wildcard allowlist, 0 connections', async (t) => {
  const server = await tcpServer(t);
  const run = await runStep(plugin, { host: '${{ env.H }}', port: server.port, count: 1 }, { env: { H: '0x7f000001' }, policy: { env: { allow: ['H'] }, net: { allow: '*' } } });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_POLICY_HOST_DENIED');
  assert.equal(server.connections(), 0);
});

test('icmp: refused statically unless `ping` is an allowed command', async () => {
  const run = await runStep(plugin, { host: '127.0.0.1', method: 'icmp', count: 1 });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code.startsWith('E_POLICY_') && d.pointer === '/steps/0/parameters/method'), JSON.stringify(run.diagnostics));
});

let hasPing = true;
try {
  execFileSync('ping', ['-c', '1', '-W', '1', '127.0.0.1'], { stdio: 'ignore' });
} catch {
  hasPing = false;
}
test('icmp: a real ping of 127.0.0.1 through ctx.exec', { skip: hasPing ? false : 'no working `ping` on this machine (iputils-ping not installed or no ICMP permission)' }, async () => {
  const run = await runStep(plugin, { host: '127.0.0.1', method: 'icmp', count: 2, interval_ms: 200 }, { policy: { commands: { allow: ['ping'] } } });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.diagnostics));
  assert.equal(run.outputs['received'], 2);
  assert.equal(typeof run.outputs['avg_ms'], 'number');
});

test('bad input: an option-looking host, count out of range', async () => {
  const run = await runStep(plugin, { host: '-f', method: 'icmp' }, { policy: { commands: { allow: ['ping'] } } });
  assert.notEqual(run.status, 'succeeded');
  assert.equal(run.error?.code ?? run.diagnostics.find((d) => d.severity === 'error')?.code, 'E_PARAMS_INVALID');
  assert.equal(Value.Check(plugin.params, { host: 'x', count: 0 }), false);
  assert.equal(Value.Check(plugin.params, { count: 2 }), false);
});

const outputs: Array<[string, string, { sent: number; received: number; loss_percent: number; avg_ms: number | null }]> = [
  ['iputils', '--- 127.0.0.1 ping statistics ---\n4 packets transmitted, 4 received, 0% packet loss, time 3062ms\nrtt min/avg/max/mdev = 0.031/0.047/0.062/0.011 ms\n', { sent: 4, received: 4, loss_percent: 0, avg_ms: 0.047 }],
  ['busybox', '--- 10.0.0.1 ping statistics ---\n3 packets transmitted, 1 packets received, 66% packet loss\nround-trip min/avg/max = 1.2/1.2/1.2 ms\n', { sent: 3, received: 1, loss_percent: 66.667, avg_ms: 1.2 }],
  ['no answer', '--- 10.9.9.9 ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss, time 1010ms\n', { sent: 2, received: 0, loss_percent: 100, avg_ms: null }],
];
for (const [name, text, expected] of outputs) {
  test(`parsePingOutput: ${name}`, () => {
    const stats = parsePingOutput(text);
    assert.ok(stats);
    assert.deepEqual({ sent: stats.sent, received: stats.received, loss_percent: stats.loss_percent, avg_ms: stats.avg_ms }, expected);
  });
}
