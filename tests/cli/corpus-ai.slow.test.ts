import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFakeLlm } from '@rustchain/testing/fake-llm';
import { json, runCli, tempProject } from './harness.ts';

// The corpus missions that use AI step types (issue 14, "Must show"): each runs green through
// the real CLI against the fake provider server (OPENAI_BASE_URL; the fake answers every chat
// with an echo of the prompt and embeds deterministically) and an httpbin stand-in for their
// HTTP calls, recorded with --record; then each reruns with --replay with both servers gone.

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/', import.meta.url));
const MISSIONS = [
  'agent_demo.yaml', 'agent_reasoning.yaml', 'chain_demo.yaml', 'llm_demo.yaml', 'tool_demo.yaml', 'data_processing.yaml', 'enterprise_ml_pipeline_rustchain.yaml',
];

/** The httpbin routes the AI missions call, answered as httpbin does. */
function standIn(request: IncomingMessage, response: ServerResponse): void {
  request.resume().on('end', () => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const send = (status: number, value: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (url.pathname === '/json') return send(200, { slideshow: { title: 'Sample Slide Show', slides: [] } });
    if (url.pathname === '/get') return send(200, { args: Object.fromEntries(url.searchParams), url: url.href });
    return send(404, {});
  });
}

interface RunDocument { status: string; steps: Array<{ id: string; status: string; outputs: Record<string, unknown>; error: { code: string; message: string } | null }> }

const failures = (doc: RunDocument): string[] => doc.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.id}: ${s.status} ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);

describe('corpus missions with AI step types: green against the fake servers, then again from the recording offline', { skip: existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}` }, () => {
  for (const name of MISSIONS) {
    it(name, async () => {
      const fake = await startFakeLlm({ dimensions: 64 });
      const web: Server = createServer(standIn);
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      const origin = `127.0.0.1:${(web.address() as AddressInfo).port}`;
      const text = readFileSync(join(CORPUS, name), 'utf8').replaceAll('https://httpbin.org', `http://${origin}`);
      const project = await tempProject({ [name]: text });
      const stop = async (): Promise<void> => {
        web.closeAllConnections();
        await Promise.all([fake.close(), new Promise<void>((resolve) => web.close(() => resolve()))]);
      };
      try {
        const flags = ['--allow-run', '--allow-read', '--allow-write', '--allow-env', `--allow-net=${new URL(fake.url).host},${origin}`];
        const env = { OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: 'sk-corpus-ai-test-key' };
        const live = await runCli(['mission', 'execute', name, '--json', ...flags, '--record', 'recording'], { cwd: project.dir, home: project.home, env });
        const first = json<RunDocument>(live);
        assert.ok(Array.isArray(first.steps), live.stdout + live.stderr);
        assert.deepEqual(failures(first), [], live.stderr);
        assert.equal(first.status, 'succeeded');
        // Every network call (provider and http steps) was recorded.
        // (data_processing makes no network call at all: then there is nothing to record.)
        const dir = join(project.dir, 'recording');
        const recorded = existsSync(dir) ? (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json')).length : 0;
        assert.ok(recorded >= fake.requests.length, `${recorded} recordings for ${fake.requests.length} provider requests`);

        await stop();
        // A fresh state dir: the vector store of enterprise_ml_pipeline starts empty again, as in the recorded run.
        const replay = await runCli(['mission', 'execute', name, '--json', ...flags, '--replay', 'recording'], { cwd: project.dir, home: `${project.home}-replay`, env });
        const second = json<RunDocument>(replay);
        assert.ok(Array.isArray(second.steps), replay.stdout + replay.stderr);
        assert.deepEqual(failures(second), [], replay.stderr);
        assert.deepEqual(second.steps.map((s) => [s.id, s.status]), first.steps.map((s) => [s.id, s.status]));
        for (const step of first.steps) {
          const answer = step.outputs['response'] ?? step.outputs['text'];
          if (typeof answer === 'string') assert.equal(second.steps.find((s) => s.id === step.id)?.outputs['response'] ?? second.steps.find((s) => s.id === step.id)?.outputs['text'], answer, step.id);
        }
      } finally {
        await stop().catch(() => undefined);
        await project.cleanup();
      }
    });
  }
});
