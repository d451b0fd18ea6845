// OTLP request bodies made by the OpenTelemetry JS SDK and its serializers,
// so the bytes are what exporters send, for tests that need to read the
// export response (partial success) themselves.

import { context, trace, type Context, type SpanContext, type Tracer } from '@opentelemetry/api'
import type { Logger } from '@opentelemetry/api-logs'
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'

export interface EncodedRequest {
  protobuf: Buffer
  json: Buffer
}

/** Runs `record` with a tracer and returns the spans it ended. */
export function recordSpans(service: string, record: (tracer: Tracer) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  record(provider.getTracer('loupe-limits-test'))
  return exporter.getFinishedSpans()
}

export function encodeSpans(spans: ReadableSpan[]): EncodedRequest {
  return {
    protobuf: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
    json: Buffer.from(JsonTraceSerializer.serializeRequest(spans)!),
  }
}

/** Runs `record` with a logger and returns the log records it emitted. */
export function recordLogs(service: string, record: (logger: Logger) => void): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  })
  record(provider.getLogger('loupe-limits-test'))
  return exporter.getFinishedLogRecords()
}

export function encodeLogs(records: ReadableLogRecord[]): EncodedRequest {
  return {
    protobuf: Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!),
    json: Buffer.from(JsonLogsSerializer.serializeRequest(records)!),
  }
}

/** Returns the context in which new spans and log records belong to `span`. */
export function childContextOf(span: { spanContext(): SpanContext }): Context {
  return trace.setSpanContext(context.active(), span.spanContext())
}
