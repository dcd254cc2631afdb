/**
 * Turns tracing on for one run (loaded only when a telemetry endpoint is configured): the
 * built-in OTLP/HTTP provider is registered globally unless an OpenTelemetry SDK registered
 * one first (`node --import` of the user's setup), then the run's spans are opened.
 */
import { readFile } from 'node:fs/promises';
import { trace } from '@opentelemetry/api';
import type { Mission } from '@rustchain/core';
import { OtlpHttpTracerProvider } from './otlp-provider.ts';
import { openRunSpans, type RunSpans } from './run-spans.ts';

/** The run's spans, exported to `endpoint` (or to the SDK already registered). */
export async function startRunTracing(options: { endpoint: string; mission: Mission; runId: string; redact: (text: string) => string; warn: (text: string) => void }): Promise<RunSpans> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  // false when an SDK is already registered: its provider (and its exporter settings) win.
  trace.setGlobalTracerProvider(new OtlpHttpTracerProvider(options.endpoint, options.warn, pkg.version ?? '0.0.0'));
  return openRunSpans({ mission: options.mission, runId: options.runId, redact: options.redact });
}
