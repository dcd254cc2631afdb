/**
 * A run and its steps as OpenTelemetry spans, through `@opentelemetry/api` only: a span per
 * run (`rustchain.run`) with a child per step (`rustchain.step`), attributes for ids, type,
 * attempts and status, an event per retry, status ERROR with the error code on failure. The
 * spans go to whatever TracerProvider is registered globally (an SDK set up with
 * `node --import`, or, when none is, the built-in OTLP/HTTP exporter). Loaded only when
 * telemetry is on.
 */
import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Mission, RunEvent } from '@rustchain/core';

/** What the run's sinks call. */
export interface RunSpans {
  onEvent(event: RunEvent): void;
  /** Ends whatever is still open (a run that stopped early) and flushes the provider. */
  close(): Promise<void>;
}

/** The instrumentation scope name: what a backend shows as the library. */
const SCOPE = '@rustchain/cli';

/** Opens the run's span now; steps become its children as their events arrive. */
export function openRunSpans(options: { mission: Mission; runId: string; tracer?: Tracer; redact?: (text: string) => string }): RunSpans {
  const tracer = options.tracer ?? trace.getTracer(SCOPE);
  const redact = options.redact ?? ((text: string) => text);
  const { mission, runId } = options;
  const types = new Map([...mission.steps, ...(mission.finally ?? [])].map((s) => [s.id, s.type]));
  const run = tracer.startSpan(`rustchain.run ${mission.name}`, {
    attributes: {
      'rustchain.run.id': runId,
      'rustchain.mission.name': mission.name,
      'rustchain.mission.file': mission.source.file,
      'rustchain.mission.sha256': mission.source.sha256,
      'rustchain.run.steps': types.size,
    },
  });
  const parent = trace.setSpan(context.active(), run);
  const steps = new Map<string, Span>();
  let ended = false;

  const stepSpan = (id: string): Span => {
    let span = steps.get(id);
    if (span === undefined) {
      span = tracer.startSpan(`rustchain.step ${id}`, { attributes: { 'rustchain.step.id': id, 'rustchain.step.type': types.get(id) ?? 'unknown', 'rustchain.run.id': runId } }, parent);
      steps.set(id, span);
    }
    return span;
  };
  const endStep = (id: string, status: string, error?: { code: string; message: string }): void => {
    const span = stepSpan(id);
    span.setAttribute('rustchain.step.status', status);
    if (error !== undefined) {
      span.setAttribute('error.type', error.code);
      if (status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.code}: ${redact(error.message)}` });
    } else if (status === 'succeeded') span.setStatus({ code: SpanStatusCode.OK });
    span.end();
    steps.delete(id);
  };

  return {
    onEvent(event) {
      if (ended) return;
      switch (event.type) {
        case 'step.started':
          stepSpan(event.stepId).setAttribute('rustchain.step.attempts', event.attempt);
          return;
        case 'step.retried':
          stepSpan(event.stepId).addEvent('retry', { 'rustchain.step.attempt': event.attempt, 'rustchain.retry.delay_ms': event.delayMs, 'error.type': event.error.code });
          return;
        case 'step.succeeded':
          endStep(event.stepId, 'succeeded');
          return;
        case 'step.failed':
          endStep(event.stepId, 'failed', event.error);
          return;
        case 'step.skipped':
          endStep(event.stepId, 'skipped', event.error);
          return;
        case 'step.cancelled':
          endStep(event.stepId, 'cancelled', event.error);
          return;
        case 'run.cancelled':
          run.addEvent('cancelled', { 'rustchain.cancel.reason': redact(event.reason) });
          return;
        case 'run.finished':
          run.setAttribute('rustchain.run.status', event.status);
          run.setStatus(event.status === 'succeeded' ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: `run ${event.status}` });
          return;
        default:
          return;
      }
    },
    async close() {
      if (!ended) {
        ended = true;
        for (const id of [...steps.keys()]) endStep(id, 'cancelled');
        run.end();
      }
      // Whatever provider is registered: export before the CLI exits.
      const provider = trace.getTracerProvider() as { forceFlush?: () => Promise<void>; getDelegate?: () => { forceFlush?: () => Promise<void> } };
      const flushable = provider.getDelegate?.() ?? provider;
      await flushable.forceFlush?.();
    },
  };
}
