import {
  Context,
  context,
  Link,
  propagation,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/** The environment that turns tracing on: OpenTelemetry's own variables. */
export interface TracingEnvironment {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_PROTOCOL?: string;
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?: string;
  OTEL_SERVICE_NAME?: string;
  OTEL_SDK_DISABLED?: string;
}

/** Set once tracing starts: until then every span below is skipped outright, at no cost. */
let enabled = false;

export interface Tracing {
  /** Sends what is still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): incoming HTTP requests, then TIP's own spans, exported
 * over OTLP/HTTP (protobuf by default, JSON with OTEL_EXPORTER_OTLP_PROTOCOL=http/json). Without
 * an endpoint no SDK is loaded: the API's spans are no-ops. Call it before the HTTP server starts.
 */
export function startTracing(serviceName: string, environment: TracingEnvironment = process.env): Tracing | undefined {
  const endpoint = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || environment.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || environment.OTEL_SDK_DISABLED === 'true') return undefined;
  const protocol =
    environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || environment.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: TIP exports traces over http/protobuf or http/json, not ${protocol}`);
  }
  // Loaded only when tracing is on.
  const { NodeTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { OTLPTraceExporter } = (
    protocol === 'http/json'
      ? require('@opentelemetry/exporter-trace-otlp-http')
      : require('@opentelemetry/exporter-trace-otlp-proto')
  ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': environment.OTEL_SERVICE_NAME || serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  enabled = true;
  registerInstrumentations({
    tracerProvider: provider,
    // Incoming requests only: TIP's outgoing calls (the exporter's own among them) are not the story.
    instrumentations: [new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true })],
  });
  return { shutdown: () => provider.shutdown() };
}

/** Whether spans are recorded and sent (startTracing found an endpoint). */
export function tracingEnabled(): boolean {
  return enabled;
}

const tracer = () => trace.getTracer('tip');

/** Runs `work` in a span of its own, a child of the active one; an error marks it and passes on. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
  options: { parent?: Context; links?: Link[]; kind?: SpanKind } = {},
): Promise<T> {
  if (!enabled) return work(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  return tracer().startActiveSpan(
    name,
    { attributes, links: options.links, kind: options.kind ?? SpanKind.INTERNAL },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The W3C traceparent of the active span, when one is recording; what events carry onwards. */
export function activeTraceparent(): string | undefined {
  if (!trace.getSpan(context.active())?.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a traceparent names (a span elsewhere, or an event's command), to parent or link spans to. */
export function contextOf(traceparent: string | undefined): Context | undefined {
  if (!traceparent) return undefined;
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent });
  return trace.getSpan(extracted) ? extracted : undefined;
}

/**
 * A batch of events taken into a read model, in a span that continues the trace of the batch's
 * first command (the traceparent its events carry) and links to the others'.
 */
export function inProjectionSpan<T>(
  readModel: string,
  traceparents: (string | undefined)[],
  events: number,
  work: () => Promise<T>,
): Promise<T> {
  if (!enabled) return work();
  const distinct = [...new Set(traceparents.filter((each): each is string => Boolean(each)))];
  const parent = contextOf(distinct[0]);
  const links = distinct
    .slice(1, 33)
    .map((each) => trace.getSpan(contextOf(each) ?? ROOT_CONTEXT)?.spanContext())
    .filter((spanContext) => spanContext !== undefined)
    .map((spanContext) => ({ context: spanContext }));
  return inSpan(`project ${readModel}`, { 'tip.read_model': readModel, 'tip.events': events }, work, {
    parent,
    links,
  });
}
