/**
 * Whether a run is traced, decided without loading OpenTelemetry: the config's
 * `telemetry.otlp`, else the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_ENDPOINT` variables. Null means off: nothing is imported, nothing costs.
 */
export function telemetryEndpoint(config: { telemetry?: { otlp?: string } }, env: NodeJS.ProcessEnv): string | null {
  const candidates = [config.telemetry?.otlp, env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'], env['OTEL_EXPORTER_OTLP_ENDPOINT']];
  return candidates.find((value): value is string => typeof value === 'string' && value.trim() !== '') ?? null;
}
