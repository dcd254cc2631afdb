/**
 * OpenTelemetry: a run and each of its steps are spans through `@opentelemetry/api`. In-process
 * with a test TracerProvider registered through the api; end to end, the CLI with
 * `telemetry.otlp` in its config exports OTLP/HTTP JSON to a collector on 127.0.0.1; and with no
 * endpoint, `@opentelemetry/*` is never even resolved.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { symlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Mission, RunEvent } from '@rustchain/core';
import { telemetryEndpoint } from '../../cli/src/tracing/endpoint.ts';
import { openRunSpans } from '../../cli/src/tracing/run-spans.ts';
import { REPO, runCli, tempProject } from './harness.ts';

/** The few parts of `@opentelemetry/api` the test uses, resolved as the CLI resolves it (its dependency, not ours). */
interface OtelApi {
  trace: { setGlobalTracerProvider(provider: unknown): boolean; getSpanContext(context: unknown): { spanId: string } | undefined };
}
const api = createRequire(new URL('../../cli/package.json', import.meta.url))('@opentelemetry/api') as OtelApi;
/** SpanStatusCode of the api. */
const SpanStatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
type Attributes = Record<string, unknown>;

/** What the test provider keeps of a span. */
interface Captured {
  name: string;
  parent: string | undefined;
  id: string;
  attributes: Attributes;
  events: string[];
  status: { code: number; message?: string };
  ended: boolean;
}

/** A TracerProvider (the api's interface, structurally) that keeps every span in memory. */
function testProvider(): { provider: unknown; spans: Captured[] } {
  const spans: Captured[] = [];
  let next = 0;
  const tracer = {
    startSpan(name: string, options: { attributes?: Attributes } = {}, ctx?: unknown): unknown {
      const captured: Captured = { name, parent: ctx === undefined ? undefined : api.trace.getSpanContext(ctx)?.spanId, id: (++next).toString(16).padStart(16, '0'), attributes: { ...options.attributes }, events: [], status: { code: SpanStatusCode.UNSET }, ended: false };
      spans.push(captured);
      const span = {
        spanContext: () => ({ traceId: '1'.repeat(32), spanId: captured.id, traceFlags: 1 }),
        setAttribute: (k: string, v: unknown) => ((captured.attributes[k] = v), span),
        setAttributes: (a: Attributes) => (Object.assign(captured.attributes, a), span),
        addEvent: (n: string) => (captured.events.push(n), span),
        addLink: () => span,
        addLinks: () => span,
        setStatus: (status: Captured['status']) => ((captured.status = status), span),
        updateName: () => span,
        end: () => void (captured.ended = true),
        isRecording: () => !captured.ended,
        recordException: () => undefined,
      };
      return span;
    },
    startActiveSpan: () => {
      throw new Error('unused');
    },
  };
  return { provider: { getTracer: () => tracer }, spans };
}

const step = (id: string, type: string, dependsOn: string[] = []) => ({ id, name: id, type, parameters: {}, dependsOn, timeoutSeconds: 0, continueOnError: false, retry: { attempts: 1, delaySeconds: 0, backoff: 'fixed' as const, factor: 1, maxDelaySeconds: 0, jitter: false }, hasTemplates: false });

test('api level: a span per run and per step, children of the run, with attempts, retries and status', async () => {
  const { provider, spans } = testProvider();
  assert.equal(api.trace.setGlobalTracerProvider(provider), true);
  const mission: Mission = {
    source: { file: 'm.yaml', sha256: 'ab' }, version: '1.0', name: 'm', description: null, config: { failFast: false, timeoutSeconds: 0, maxParallelSteps: null },
    vars: {}, steps: [step('a', 'noop'), step('b', 'command'), step('c', 'noop', ['b'])], sourceMap: {},
  };
  const runId = 'r1';
  const spansOfRun = openRunSpans({ mission, runId, redact: (t) => t.replace('hunter2', '***') });
  const error = { code: 'E_COMMAND_EXIT_NONZERO' as const, message: 'token hunter2 refused' };
  const events: RunEvent[] = [
    { type: 'run.started', runId, mission: 'm.yaml', missionSha256: 'ab', steps: 3 },
    { type: 'step.started', runId, stepId: 'a', attempt: 1 },
    { type: 'step.started', runId, stepId: 'b', attempt: 1 },
    { type: 'step.succeeded', runId, stepId: 'a', attempt: 1, durationMs: 1, outputs: {} },
    { type: 'step.retried', runId, stepId: 'b', attempt: 1, delayMs: 0, error },
    { type: 'step.started', runId, stepId: 'b', attempt: 2 },
    { type: 'step.failed', runId, stepId: 'b', attempt: 2, durationMs: 1, error },
    { type: 'step.skipped', runId, stepId: 'c', error: { code: 'E_UPSTREAM_FAILED', message: 'b failed' } },
    { type: 'run.finished', runId, status: 'failed', durationMs: 5 },
  ];
  for (const e of events) spansOfRun.onEvent(e);
  await spansOfRun.close();

  const [run, ...steps] = spans;
  assert.equal(run?.name, 'rustchain.run m');
  assert.deepEqual([run?.attributes['rustchain.run.id'], run?.attributes['rustchain.run.status'], run?.status.code, run?.ended], ['r1', 'failed', SpanStatusCode.ERROR, true]);
  assert.deepEqual(steps.map((s) => [s.name, s.parent, s.attributes['rustchain.step.type'], s.attributes['rustchain.step.status'], s.status.code, s.ended]), [
    ['rustchain.step a', run?.id, 'noop', 'succeeded', SpanStatusCode.OK, true],
    ['rustchain.step b', run?.id, 'command', 'failed', SpanStatusCode.ERROR, true],
    ['rustchain.step c', run?.id, 'noop', 'skipped', SpanStatusCode.UNSET, true],
  ]);
  const b = steps[1]!;
  assert.deepEqual([b.attributes['rustchain.step.attempts'], b.attributes['error.type'], b.events], [2, 'E_COMMAND_EXIT_NONZERO', ['retry']]);
  assert.equal(b.status.message, 'E_COMMAND_EXIT_NONZERO: token *** refused', 'messages pass through the redactor');
});

test('the endpoint: config telemetry.otlp first, then the OTLP variables; none means off', () => {
  assert.equal(telemetryEndpoint({ telemetry: { otlp: 'http://a:4318' } }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b' }), 'http://a:4318');
  assert.equal(telemetryEndpoint({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b' }), 'http://t/v1/traces');
  assert.equal(telemetryEndpoint({}, { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }), null);
  assert.equal(telemetryEndpoint({}, {}), null);
});

const MISSION = `version: "1.0"
name: traced
steps:
  - id: hello
    step_type: noop
  - id: flaky
    step_type: command
    retry: { attempts: 2, delay_seconds: 0 }
    parameters: { command: "false" }
  - id: after
    step_type: noop
    depends_on: [flaky]
config:
  fail_fast: false
`;

/** OTLP JSON attribute list → plain object. */
const attrs = (list: Array<{ key: string; value: Record<string, unknown> }>): Record<string, unknown> =>
  Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

test('end to end: the CLI with telemetry.otlp exports the run and its steps as OTLP/HTTP JSON; with no endpoint nothing of OpenTelemetry loads', async (t) => {
  const bodies: Array<{ url: string; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      bodies.push({ url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;

  const project = await tempProject({ 'traced.yaml': MISSION });
  t.after(() => project.cleanup());
  await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
  // A resolve hook that logs every @opentelemetry module the CLI resolves.
  const log = join(project.home, '..', 'otel-loads.log');
  writeFileSync(join(project.dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('@opentelemetry')) appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
  writeFileSync(join(project.dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(project.dir, 'hooks.mjs')).href)});\n`);
  const nodeOptions = `${process.env['NODE_OPTIONS'] ?? ''} --import ${pathToFileURL(join(project.dir, 'register.mjs')).href}`.trim();

  // Off: no endpoint in the config nor the environment. (Only these two plugins: the llm plugin's
  // Anthropic SDK imports @opentelemetry/api itself at load, which is not ours to test here.)
  const plugins = ['@rustchain/plugin-noop', '@rustchain/plugin-command'];
  writeFileSync(join(project.dir, 'rustchain.config.json'), JSON.stringify({ plugins }));
  const off = await runCli(['mission', 'execute', '--json', '--allow-run=false', 'traced.yaml'], { cwd: project.dir, home: project.home, env: { NODE_OPTIONS: nodeOptions, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' } });
  assert.equal(off.code, 1, off.stderr);
  assert.equal(existsSync(log) ? readFileSync(log, 'utf8') : '', '', 'nothing of OpenTelemetry resolved when telemetry is off');
  assert.equal(bodies.length, 0);

  // On: telemetry.otlp in the config.
  writeFileSync(join(project.dir, 'rustchain.config.json'), JSON.stringify({ plugins, telemetry: { otlp: `http://127.0.0.1:${port}` } }));
  const on = await runCli(['mission', 'execute', '--json', '--allow-run=false', 'traced.yaml'], { cwd: project.dir, home: project.home, env: { NODE_OPTIONS: nodeOptions, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' } });
  assert.equal(on.code, 1, on.stderr);
  assert.match(readFileSync(log, 'utf8'), /@opentelemetry\/api/, 'the hook sees the api once telemetry is on');
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0]?.url, '/v1/traces');
  const payload = JSON.parse(bodies[0]!.body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> }; scopeSpans: Array<{ spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: Array<{ key: string; value: Record<string, unknown> }>; events: Array<{ name: string }>; status: { code: number }; startTimeUnixNano: string; endTimeUnixNano: string }> }> }> };
  const [resource] = payload.resourceSpans;
  assert.equal(attrs(resource!.resource.attributes)['service.name'], 'rustchain');
  const spans = resource!.scopeSpans[0]!.spans;
  const run = spans.find((s) => s.parentSpanId === undefined)!;
  const runId = (JSON.parse(on.stdout) as { runId: string }).runId;
  assert.deepEqual([run.name, attrs(run.attributes)['rustchain.run.id'], attrs(run.attributes)['rustchain.run.status'], run.status.code], ['rustchain.run traced', runId, 'failed', 2]);
  const byName = new Map(spans.filter((s) => s !== run).map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()].sort(), ['rustchain.step after', 'rustchain.step flaky', 'rustchain.step hello']);
  for (const s of byName.values()) {
    assert.deepEqual([s.traceId, s.parentSpanId], [run.traceId, run.spanId]);
    assert.match(s.traceId, /^[0-9a-f]{32}$/);
    assert.ok(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano));
  }
  const flaky = byName.get('rustchain.step flaky')!;
  assert.deepEqual([flaky.status.code, attrs(flaky.attributes)['error.type'], attrs(flaky.attributes)['rustchain.step.attempts'], flaky.events.map((e) => e.name)], [2, 'E_COMMAND_EXIT_NONZERO', '2', ['retry']]);
  assert.equal(attrs(byName.get('rustchain.step hello')!.attributes)['rustchain.step.status'], 'succeeded');
  assert.equal(attrs(byName.get('rustchain.step after')!.attributes)['rustchain.step.status'], 'skipped');
});
