// Loupe's in-memory form of decoded OTLP data. Both wire decoders (protobuf
// and OTLP/JSON) produce exactly these shapes, and the store consumes them, so
// nothing past the decoders ever sees a raw OTLP payload.

import type { JsonValue } from '../../shared/api'

/**
 * An OTLP AnyValue in canonical OTLP/JSON form (lower camel case keys, 64-bit
 * integers as decimal strings, bytes as base64), e.g. `{"intValue": "42"}`.
 */
export type OtlpJsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonAnyValue[] } }
  | { kvlistValue: { values: { key: string; value: OtlpJsonAnyValue }[] } }
  | Record<string, never>

/**
 * Attributes in the JSON shape the API serves (see `JsonValue` in
 * shared/api.ts), plus the original OTLP type of every value that shape shows
 * lossily. A value is lossy when it is, or contains, an integral or
 * non-finite double, an integer outside ±2^53, or bytes. Export uses
 * `otlpTypes` to send each value back with its original type.
 *
 * Both maps have a null prototype, so a key such as `__proto__` is data.
 */
export interface Attributes {
  values: Record<string, JsonValue>
  otlpTypes: Record<string, OtlpJsonAnyValue> | null
}

/** A single AnyValue (a log record body) in the same two forms as `Attributes`. */
export interface DecodedValue {
  value: JsonValue
  /** The original OTLP/JSON AnyValue when `value` shows it lossily, else null. */
  otlp: OtlpJsonAnyValue | null
}

export interface DecodedResource {
  attributes: Attributes
  droppedAttributesCount: number
  schemaUrl: string
}

export interface DecodedScope {
  name: string
  version: string
  attributes: Attributes
  droppedAttributesCount: number
  schemaUrl: string
}

export interface DecodedEvent {
  timeUnixNano: bigint
  name: string
  attributes: Attributes
  droppedAttributesCount: number
}

export interface DecodedLink {
  /** 32 lower-case hex digits. */
  traceId: string
  /** 16 lower-case hex digits. */
  spanId: string
  traceState: string
  flags: number
  attributes: Attributes
  droppedAttributesCount: number
}

export interface DecodedSpan {
  /** 32 lower-case hex digits, never all zero. */
  traceId: string
  /** 16 lower-case hex digits, never all zero. */
  spanId: string
  /** 16 lower-case hex digits, or null for a root span (empty or absent on the wire). */
  parentSpanId: string | null
  traceState: string
  flags: number
  name: string
  /** The raw SpanKind enum value; values above 5 are kept as sent. */
  kind: number
  startTimeUnixNano: bigint
  endTimeUnixNano: bigint
  attributes: Attributes
  droppedAttributesCount: number
  events: DecodedEvent[]
  droppedEventsCount: number
  links: DecodedLink[]
  droppedLinksCount: number
  /** The raw Status.code enum value: 0 unset, 1 ok, 2 error. */
  statusCode: number
  statusMessage: string
}

export interface SpanGroup {
  resource: DecodedResource
  scope: DecodedScope
  spans: DecodedSpan[]
}

/** Result of decoding one ExportTraceServiceRequest. */
export interface DecodedTraces {
  groups: SpanGroup[]
  /** Spans dropped because they are invalid (bad ids); the rest of the batch is kept. */
  rejectedSpans: number
  /** One line per distinct reason for rejection, naming the span and the field. */
  errors: string[]
}

export interface DecodedLogRecord {
  timeUnixNano: bigint
  observedTimeUnixNano: bigint
  severityNumber: number
  severityText: string
  body: DecodedValue
  attributes: Attributes
  droppedAttributesCount: number
  flags: number
  /** Lower-case hex, or null when the record is not tied to a span. */
  traceId: string | null
  spanId: string | null
  eventName: string
}

export interface LogGroup {
  resource: DecodedResource
  scope: DecodedScope
  records: DecodedLogRecord[]
}

/** Result of decoding one ExportLogsServiceRequest. */
export interface DecodedLogs {
  groups: LogGroup[]
  rejectedLogRecords: number
  errors: string[]
}

/** Summary of an ExportMetricsServiceRequest, whose body is stored as received. */
export interface DecodedMetricsSummary {
  resourceMetrics: number
  /** `service.name` of the first resource, when present. */
  serviceName: string | null
}

/** Thrown for a body that cannot be decoded at all, so the receiver returns 400. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError'
}
