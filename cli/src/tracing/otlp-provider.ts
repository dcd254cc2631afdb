/**
 * A minimal TracerProvider for `@opentelemetry/api` that exports finished spans as OTLP/HTTP
 * JSON (`POST <endpoint>/v1/traces`). Used only when telemetry is on and no OpenTelemetry SDK
 * registered a provider first (one set up with `node --import` always wins). It records what
 * the run spans use — attributes, events, status, parent — and sends everything in one
 * request at flush; an export failure is a warning, never a failed run.
 */
import { randomBytes } from 'node:crypto';
import {
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/** One span as OTLP JSON encodes it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  events: Array<{ timeUnixNano: string; name: string; attributes: OtlpAttribute[] }>;
  status: { code: number; message?: string };
}

/** An OTLP key-value (AnyValue in its JSON mapping; 64-bit integers as strings). */
interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

function anyValue(value: AttributeValue): Record<string, unknown> {
  if (Array.isArray(value)) return { arrayValue: { values: (value as unknown[]).filter((v) => v !== null && v !== undefined).map((v) => anyValue(v as AttributeValue)) } };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: String(value) };
}

const attributes = (attrs: Attributes): OtlpAttribute[] =>
  Object.entries(attrs).filter(([, v]) => v !== undefined).map(([key, v]) => ({ key, value: anyValue(v as AttributeValue) }));

/** Nanoseconds since the epoch, as the decimal string OTLP JSON wants. */
function nanos(time?: TimeInput): string {
  const ms = time === undefined ? performance.timeOrigin + performance.now() : time instanceof Date ? time.getTime() : Array.isArray(time) ? time[0] * 1e3 + time[1] / 1e6 : time;
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/** A span that records into its provider's buffer when it ends. */
class RecordingSpan implements Span {
  private readonly attrs: Attributes;
  private readonly events: OtlpSpan['events'] = [];
  private status: SpanStatus = { code: 0 };
  private ended = false;
  private readonly start: string;

  constructor(
    private name: string,
    private readonly context: SpanContext,
    private readonly parentSpanId: string | undefined,
    options: SpanOptions,
    private readonly onEnd: (span: OtlpSpan) => void,
  ) {
    this.attrs = { ...(options.attributes ?? {}) };
    this.start = nanos(options.startTime);
  }

  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) this.attrs[key] = value;
    return this;
  }
  setAttributes(attrs: Attributes): this {
    if (!this.ended) Object.assign(this.attrs, attrs);
    return this;
  }
  addEvent(name: string, attrsOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const isTime = attrsOrTime instanceof Date || typeof attrsOrTime === 'number' || Array.isArray(attrsOrTime);
    if (!this.ended) this.events.push({ name, timeUnixNano: nanos(isTime ? (attrsOrTime as TimeInput) : time), attributes: isTime || attrsOrTime === undefined ? [] : attributes(attrsOrTime as Attributes) });
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd({
      traceId: this.context.traceId,
      spanId: this.context.spanId,
      ...(this.parentSpanId === undefined ? {} : { parentSpanId: this.parentSpanId }),
      name: this.name,
      kind: 1, // SPAN_KIND_INTERNAL
      startTimeUnixNano: this.start,
      endTimeUnixNano: nanos(endTime),
      attributes: attributes(this.attrs),
      events: this.events,
      status: this.status.message === undefined ? { code: this.status.code } : { code: this.status.code, message: this.status.message },
    });
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: unknown): void {
    const message = exception instanceof Error ? exception.message : String(exception);
    this.addEvent('exception', { 'exception.message': message });
  }
}

/** The provider: one tracer, a buffer of finished spans, one POST per flush. */
export class OtlpHttpTracerProvider implements TracerProvider {
  private readonly finished: OtlpSpan[] = [];
  private readonly url: string;
  private warned = false;

  constructor(endpoint: string, private readonly warn: (text: string) => void, private readonly serviceVersion: string) {
    // A base endpoint gets the traces path; a full traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is kept.
    this.url = /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  }

  getTracer(name: string, version?: string): Tracer {
    const record = (span: OtlpSpan): void => {
      this.finished.push(span);
    };
    const startSpan = (spanName: string, options: SpanOptions = {}, ctx?: Context): Span => {
      const parent = options.root === true || ctx === undefined ? undefined : trace.getSpanContext(ctx);
      const spanContext: SpanContext = {
        traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
      };
      return new RecordingSpan(spanName, spanContext, parent?.spanId, options, record);
    };
    const tracer: Tracer = {
      startSpan,
      startActiveSpan: ((spanName: string, ...rest: unknown[]) => {
        const fn = rest.at(-1) as (span: Span) => unknown;
        const options = (rest.length > 1 ? rest[0] : {}) as SpanOptions;
        const ctx = (rest.length > 2 ? rest[1] : undefined) as Context | undefined;
        return fn(startSpan(spanName, options, ctx));
      }) as Tracer['startActiveSpan'],
    };
    void name;
    void version;
    return tracer;
  }

  /** Sends every finished span (one request); a failure is one warning. */
  async forceFlush(): Promise<void> {
    if (this.finished.length === 0) return;
    const spans = this.finished.splice(0);
    const body = {
      resourceSpans: [{
        resource: { attributes: attributes({ 'service.name': 'rustchain', 'service.version': this.serviceVersion }) },
        scopeSpans: [{ scope: { name: '@rustchain/cli', version: this.serviceVersion }, spans }],
      }],
    };
    try {
      const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await response.arrayBuffer();
    } catch (error) {
      if (!this.warned) this.warn(`rustchain: warning: could not export ${spans.length} spans to ${this.url}: ${(error as Error).message}\n`);
      this.warned = true;
    }
  }
}
