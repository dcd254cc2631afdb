import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { json, runCli, tempProject } from './harness.ts';

// Every corpus mission the original RustChain loads and that uses no AI step type runs to
// success here, through the real CLI. Their HTTP steps call httpbin.org and
// jsonplaceholder.typicode.com: a local stand-in answers the same routes on 127.0.0.1 (the
// machine has no other network), and the missions' URLs are pointed at it.

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/', import.meta.url));
const MISSIONS = [
  'api_integration.yaml', 'automation_workflow.yaml', 'benchmark_suite.yaml', 'hello_world.yaml', 'hello_world_fixed.yaml',
  'security_validation.yaml', 'showcase_workflow.yaml', 'simple_demo.yaml', 'successor-examples_api_integration.yaml', 'working_demo.yaml',
];

/** The httpbin / jsonplaceholder routes the corpus uses, answered as those services do. */
function standIn(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const send = (status: number, value: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) return send(Number(status[1]), {});
    if (url.pathname === '/get') return send(200, { args: Object.fromEntries(url.searchParams), headers: request.headers, url: url.href });
    if (url.pathname === '/post') return send(200, { data: body, json: body === '' ? null : (JSON.parse(body) as unknown), headers: request.headers });
    if (url.pathname === '/json') return send(200, { slideshow: { title: 'Sample Slide Show', slides: [] } });
    if (url.pathname === '/posts/1') return send(200, { userId: 1, id: 1, title: 'sunt aut facere', body: 'quia et suscipit' });
    return send(404, {});
  });
}

describe('corpus missions the original loads (no AI types) execute to success', { skip: existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}` }, () => {
  let server: Server;
  let origin = '';
  before(async () => {
    server = createServer(standIn);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const name of MISSIONS) {
    it(name, async () => {
      const text = readFileSync(join(CORPUS, name), 'utf8')
        .replaceAll('https://httpbin.org', `http://${origin}`)
        .replaceAll('https://jsonplaceholder.typicode.com', `http://${origin}`);
      const project = await tempProject({ [name]: text });
      try {
        const flags = ['--allow-run', '--allow-read', '--allow-write', '--allow-env', `--allow-net=${origin}`];
        const run = await runCli(['mission', 'execute', name, '--json', ...flags], { cwd: project.dir, home: project.home });
        const document = json<{ status: string; steps: { id: string; status: string; error: { code: string } | null }[] }>(run);
        const failed = document.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.id}: ${s.status} ${s.error?.code ?? ''}`);
        assert.deepEqual(failed, [], run.stderr);
        assert.equal(document.status, 'succeeded');
        assert.equal(run.code, 0);
      } finally {
        await project.cleanup();
      }
    });
  }
});
