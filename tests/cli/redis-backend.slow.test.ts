/**
 * `--backend redis` and `rustchain worker` against a real redis-server on loopback: a run
 * through a worker, the refusals a worker makes (plugin version, policy), outputs over the
 * size limit, and Redis unreachable / wrong password / not TLS as coded errors (exit 2).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { NO_REDIS, startRedis } from '../plugins/redis-helpers.ts';
import { closedPort } from '../plugins/net-helpers.ts';
import { json, runCli } from './harness.ts';
import { backendProject, killGroup, missionText, setPluginVersion, sleepStep, startMarkers, startWorker } from './redis-backend-helpers.ts';

interface RunDoc {
  runId: string;
  status: string;
  steps: { id: string; status: string; attempts: number; outputs: Record<string, unknown>; error: { code: string; details?: Record<string, unknown> } | null }[];
}
interface DiagDoc {
  ok: boolean;
  diagnostics: { code: string }[];
}

describe('redis backend', { skip: NO_REDIS, timeout: 240_000 }, () => {
  it('runs a mission on a worker: outputs come back, templates see them, the ledger verifies, the worker stops on SIGTERM', async (t) => {
    const redis = await startRedis(t);
    const url = `redis://127.0.0.1:${redis.port}`;
    const project = await backendProject();
    t.after(project.cleanup);
    const worker = await startWorker(url, ['--concurrency', '2', '--queue', 'q1'], project);
    t.after(() => killGroup(worker.child));
    const steps = [
      sleepStep('a', 'sleep_idem', 5),
      sleepStep('b', 'sleep_side', 5),
      '  - id: c\n    step_type: noop\n    depends_on: [a, b]\n    parameters: { seen: "${{ steps.a.outputs.pid }}" }\n',
    ];
    await import('node:fs/promises').then((fs) => fs.writeFile(`${project.dir}/m.yaml`, missionText('basic', steps)));
    const cli = (args: string[]) => runCli(args, { cwd: project.dir, home: project.home });
    const run = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', url, '--queue', 'q1', '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const doc = json<RunDoc>(run);
    assert.deepEqual(doc.steps.map((s) => [s.id, s.status]), [['a', 'succeeded'], ['b', 'succeeded'], ['c', 'succeeded']]);
    // The step ran in the worker process, not the coordinator.
    assert.equal(doc.steps[0]!.outputs['pid'], worker.child.pid);
    assert.deepEqual((await startMarkers(project.dir)).map((m) => m.pid), [worker.child.pid, worker.child.pid]);
    const verify = await cli(['audit', 'verify', '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    killGroup(worker.child, 'SIGTERM');
    const stopped = await worker.done;
    assert.equal(stopped.code, 143, stopped.stderr);
  });

  it('a worker refuses a step whose plugin version differs from the coordinator\'s, and a coordinator whose policy differs', async (t) => {
    const redis = await startRedis(t);
    const url = `redis://127.0.0.1:${redis.port}`;
    const project = await backendProject();
    t.after(project.cleanup);
    // The worker loads version 1.0.0; the coordinator, started after the upgrade, announces 2.0.0.
    const worker = await startWorker(url, [], project);
    t.after(() => killGroup(worker.child));
    await setPluginVersion(project.dir, 'sleep-idem', '2.0.0');
    const fs = await import('node:fs/promises');
    await fs.writeFile(`${project.dir}/m.yaml`, missionText('mismatch', [sleepStep('a', 'sleep_idem', 1), sleepStep('b', 'sleep_side', 1)]));
    const cli = (args: string[]) => runCli(args, { cwd: project.dir, home: project.home });
    const run = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', url, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const doc = json<RunDoc>(run);
    assert.equal(doc.steps[0]!.error?.code, 'E_BACKEND_PLUGIN_MISMATCH');
    assert.equal(doc.steps[0]!.attempts, 1);
    assert.equal(doc.steps[1]!.status, 'succeeded'); // the other plugin is unchanged
    assert.deepEqual((await startMarkers(project.dir)).map((m) => m.stepId), ['b']); // a never ran

    // A coordinator with one more permission (--allow-env) holds another policy: refused too.
    const other = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', url, '--allow-env=HOME', '--json']);
    assert.equal(other.code, 1, other.stderr);
    assert.deepEqual(json<RunDoc>(other).steps.map((s) => s.error?.code), ['E_BACKEND_POLICY_MISMATCH', 'E_BACKEND_POLICY_MISMATCH']);
  });

  it('outputs over settings.redis_backend.max_output_bytes are refused with E_BACKEND_OUTPUT_TOO_LARGE', async (t) => {
    const redis = await startRedis(t);
    const url = `redis://127.0.0.1:${redis.port}`;
    const project = await backendProject({ settings: { redis_backend: { max_output_bytes: 200 } } });
    t.after(project.cleanup);
    const worker = await startWorker(url, [], project);
    t.after(() => killGroup(worker.child));
    const fs = await import('node:fs/promises');
    await fs.writeFile(`${project.dir}/m.yaml`, missionText('big', [sleepStep('small', 'sleep_idem', 0, ', pad: 10'), sleepStep('big', 'sleep_idem', 0, ', pad: 500')]));
    const run = await runCli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', url, '--json'], { cwd: project.dir, home: project.home });
    const doc = json<RunDoc>(run);
    assert.equal(run.code, 1);
    assert.deepEqual(doc.steps.map((s) => [s.status, s.error?.code ?? null]), [['succeeded', null], ['failed', 'E_BACKEND_OUTPUT_TOO_LARGE']]);
    assert.equal(doc.steps[1]!.error?.details?.['limit'], 200);
  });

  it('Redis down, a wrong password and a non-TLS port behind rediss:// are coded errors before anything runs (exit 2)', async (t) => {
    const project = await backendProject({ settings: { redis_backend: { password_env: 'RC_TEST_REDIS_PASSWORD' } } });
    t.after(project.cleanup);
    const fs = await import('node:fs/promises');
    await fs.writeFile(`${project.dir}/m.yaml`, missionText('down', [sleepStep('a', 'sleep_side', 0)]));
    const cli = (args: string[], env: Record<string, string> = { RC_TEST_REDIS_PASSWORD: 'secret-pw' }) => runCli(args, { cwd: project.dir, home: project.home, env });
    const codeOf = (run: { stdout: string }) => json<DiagDoc>(run as never).diagnostics[0]?.code;

    const port = await closedPort();
    const down = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', `redis://127.0.0.1:${port}`, '--json']);
    assert.equal(down.code, 2, down.stderr);
    assert.equal(codeOf(down), 'E_BACKEND_UNAVAILABLE');
    const workerDown = await cli(['worker', '--redis', `redis://127.0.0.1:${port}`, '--json']);
    assert.equal(workerDown.code, 2, workerDown.stderr);
    assert.equal(codeOf(workerDown), 'E_BACKEND_UNAVAILABLE');
    assert.deepEqual(await startMarkers(project.dir), []);
    const runs = await cli(['runs', 'list', '--json']);
    assert.doesNotMatch(runs.stdout, /"down"/); // nothing was recorded as a run

    // A server with a password: the env var named in the config carries it.
    const authPort = await closedPort();
    const server = spawn('redis-server', ['--port', String(authPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'secret-pw'], { stdio: 'ignore' });
    t.after(() => server.kill('SIGKILL'));
    const authUrl = `redis://127.0.0.1:${authPort}`;
    let wrong = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', authUrl, '--json'], { RC_TEST_REDIS_PASSWORD: 'not-it' });
    for (let i = 0; i < 100 && codeOf(wrong) === 'E_BACKEND_UNAVAILABLE'; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the server is still starting
      wrong = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', authUrl, '--json'], { RC_TEST_REDIS_PASSWORD: 'not-it' });
    }
    assert.equal(wrong.code, 2);
    assert.equal(codeOf(wrong), 'E_BACKEND_AUTH');
    assert.doesNotMatch(wrong.stdout + wrong.stderr, /not-it/);
    const unset = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', authUrl, '--json'], {});
    assert.equal(codeOf(unset), 'E_BACKEND_AUTH');
    const worker = await startWorker(authUrl, [], project, { RC_TEST_REDIS_PASSWORD: 'secret-pw' });
    t.after(() => killGroup(worker.child));
    const ok = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', authUrl, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stdout + ok.stderr, /secret-pw/);

    // rediss:// against a plain-text port: the TLS handshake fails, not "unavailable".
    const tls = await cli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', `rediss://127.0.0.1:${authPort}`, '--json']);
    assert.equal(tls.code, 2, tls.stderr);
    assert.equal(codeOf(tls), 'E_BACKEND_TLS');
  });
});
