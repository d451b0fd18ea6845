// Decodes OTLP/protobuf request bodies: ExportTraceServiceRequest and
// ExportLogsServiceRequest into Loupe's model, and ExportMetricsServiceRequest
// into a short summary. Field numbers come from the opentelemetry-proto
// definitions (common/v1, resource/v1, trace/v1, logs/v1, metrics/v1 and the
// collector services). Like any proto3 parser, the decoder skips unknown
// fields and keeps unknown enum values as numbers. A field whose wire type
// does not match its definition is also skipped as unknown.
//
// Leniency beyond proto3: invalid UTF-8 in strings becomes U+FFFD instead of
// failing the request. A span or log record with invalid ids is rejected on
// its own and the rest of the batch is kept. A malformed or truncated body
// throws OtlpDecodeError.

import type { JsonValue } from '../../shared/api'
import {
  MAX_ANY_VALUE_DEPTH,
  createAttributes,
  createJsonMap,
  doubleToJsonValue,
  int64ToJsonValue,
  isLossyDouble,
  setAttribute,
  type OtlpJsonKeyValue,
} from './attributes'
import {
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
  bytesToHex,
  describeIdBytesProblem,
  isAllZeroBytes,
} from './ids'
import {
  OtlpDecodeError,
  type Attributes,
  type DecodedEvent,
  type DecodedLink,
  type DecodedLogRecord,
  type DecodedLogs,
  type DecodedMetricsSummary,
  type DecodedResource,
  type DecodedScope,
  type DecodedSpan,
  type DecodedTraces,
  type LogGroup,
  type OtlpJsonAnyValue,
  type SpanGroup,
} from './model'
import { InvalidFieldError, ProblemList, quoteName } from './problems'
import {
  ProtobufReader,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED as WIRE_LEN,
  WIRE_VARINT,
  fieldTag,
} from './protobuf-reader'

// Tags (field number and wire type) of the fields the decoders read.

// Export{Trace,Logs,Metrics}ServiceRequest: resource_{spans,logs,metrics} = 1.
const REQUEST_RESOURCE_ITEMS = fieldTag(1, WIRE_LEN)
// Resource{Spans,Logs}: resource = 1, scope_{spans,logs} = 2, schema_url = 3.
const RESOURCE_ITEMS_RESOURCE = fieldTag(1, WIRE_LEN)
const RESOURCE_ITEMS_SCOPE_ITEMS = fieldTag(2, WIRE_LEN)
const RESOURCE_ITEMS_SCHEMA_URL = fieldTag(3, WIRE_LEN)
// Scope{Spans,Logs}: scope = 1, spans / log_records = 2, schema_url = 3.
const SCOPE_ITEMS_SCOPE = fieldTag(1, WIRE_LEN)
const SCOPE_ITEMS_ITEM = fieldTag(2, WIRE_LEN)
const SCOPE_ITEMS_SCHEMA_URL = fieldTag(3, WIRE_LEN)
// Resource: attributes = 1, dropped_attributes_count = 2.
const RESOURCE_ATTRIBUTES = fieldTag(1, WIRE_LEN)
const RESOURCE_DROPPED_ATTRIBUTES = fieldTag(2, WIRE_VARINT)
// InstrumentationScope: name = 1, version = 2, attributes = 3, dropped_attributes_count = 4.
const SCOPE_NAME = fieldTag(1, WIRE_LEN)
const SCOPE_VERSION = fieldTag(2, WIRE_LEN)
const SCOPE_ATTRIBUTES = fieldTag(3, WIRE_LEN)
const SCOPE_DROPPED_ATTRIBUTES = fieldTag(4, WIRE_VARINT)
// KeyValue: key = 1, value = 2.
const KEY_VALUE_KEY = fieldTag(1, WIRE_LEN)
const KEY_VALUE_VALUE = fieldTag(2, WIRE_LEN)
// AnyValue oneof. string_value_strindex = 8 refers to a profiles dictionary
// that traces and logs do not have, so it is skipped like an unknown field.
const ANY_STRING = fieldTag(1, WIRE_LEN)
const ANY_BOOL = fieldTag(2, WIRE_VARINT)
const ANY_INT = fieldTag(3, WIRE_VARINT)
const ANY_DOUBLE = fieldTag(4, WIRE_FIXED64)
const ANY_ARRAY = fieldTag(5, WIRE_LEN)
const ANY_KVLIST = fieldTag(6, WIRE_LEN)
const ANY_BYTES = fieldTag(7, WIRE_LEN)
// ArrayValue and KeyValueList: values = 1.
const LIST_VALUES = fieldTag(1, WIRE_LEN)
// Span.
const SPAN_TRACE_ID = fieldTag(1, WIRE_LEN)
const SPAN_SPAN_ID = fieldTag(2, WIRE_LEN)
const SPAN_TRACE_STATE = fieldTag(3, WIRE_LEN)
const SPAN_PARENT_SPAN_ID = fieldTag(4, WIRE_LEN)
const SPAN_NAME = fieldTag(5, WIRE_LEN)
const SPAN_KIND = fieldTag(6, WIRE_VARINT)
const SPAN_START_TIME = fieldTag(7, WIRE_FIXED64)
const SPAN_END_TIME = fieldTag(8, WIRE_FIXED64)
const SPAN_ATTRIBUTES = fieldTag(9, WIRE_LEN)
const SPAN_DROPPED_ATTRIBUTES = fieldTag(10, WIRE_VARINT)
const SPAN_EVENTS = fieldTag(11, WIRE_LEN)
const SPAN_DROPPED_EVENTS = fieldTag(12, WIRE_VARINT)
const SPAN_LINKS = fieldTag(13, WIRE_LEN)
const SPAN_DROPPED_LINKS = fieldTag(14, WIRE_VARINT)
const SPAN_STATUS = fieldTag(15, WIRE_LEN)
const SPAN_FLAGS = fieldTag(16, WIRE_FIXED32)
// Span.Event.
const EVENT_TIME = fieldTag(1, WIRE_FIXED64)
const EVENT_NAME = fieldTag(2, WIRE_LEN)
const EVENT_ATTRIBUTES = fieldTag(3, WIRE_LEN)
const EVENT_DROPPED_ATTRIBUTES = fieldTag(4, WIRE_VARINT)
// Span.Link.
const LINK_TRACE_ID = fieldTag(1, WIRE_LEN)
const LINK_SPAN_ID = fieldTag(2, WIRE_LEN)
const LINK_TRACE_STATE = fieldTag(3, WIRE_LEN)
const LINK_ATTRIBUTES = fieldTag(4, WIRE_LEN)
const LINK_DROPPED_ATTRIBUTES = fieldTag(5, WIRE_VARINT)
const LINK_FLAGS = fieldTag(6, WIRE_FIXED32)
// Status: message = 2, code = 3.
const STATUS_MESSAGE = fieldTag(2, WIRE_LEN)
const STATUS_CODE = fieldTag(3, WIRE_VARINT)
// LogRecord.
const LOG_TIME = fieldTag(1, WIRE_FIXED64)
const LOG_SEVERITY_NUMBER = fieldTag(2, WIRE_VARINT)
const LOG_SEVERITY_TEXT = fieldTag(3, WIRE_LEN)
const LOG_BODY = fieldTag(5, WIRE_LEN)
const LOG_ATTRIBUTES = fieldTag(6, WIRE_LEN)
const LOG_DROPPED_ATTRIBUTES = fieldTag(7, WIRE_VARINT)
const LOG_FLAGS = fieldTag(8, WIRE_FIXED32)
const LOG_TRACE_ID = fieldTag(9, WIRE_LEN)
const LOG_SPAN_ID = fieldTag(10, WIRE_LEN)
const LOG_OBSERVED_TIME = fieldTag(11, WIRE_FIXED64)
const LOG_EVENT_NAME = fieldTag(12, WIRE_LEN)

/** Decodes an OTLP/protobuf ExportTraceServiceRequest. Throws OtlpDecodeError for a malformed body. */
export function decodeTracesProto(body: Uint8Array): DecodedTraces {
  return new ProtoTracesDecoder(body).decode()
}

/** Decodes an OTLP/protobuf ExportLogsServiceRequest. Throws OtlpDecodeError for a malformed body. */
export function decodeLogsProto(body: Uint8Array): DecodedLogs {
  return new ProtoLogsDecoder(body).decode()
}

/**
 * Counts the ResourceMetrics of an OTLP/protobuf ExportMetricsServiceRequest
 * and reads `service.name` of the first resource. The framing of the request
 * and of that resource is checked, the data points are not decoded.
 */
export function summarizeMetricsProto(body: Uint8Array): DecodedMetricsSummary {
  const reader = new ProtobufReader(body)
  const decoder = new ProtoValueDecoder(reader)
  let resourceMetrics = 0
  let serviceName: string | null = null
  while (reader.pos < reader.limit) {
    const tag = reader.readTag()
    if (tag !== REQUEST_RESOURCE_ITEMS) {
      reader.skipField(tag)
      continue
    }
    resourceMetrics++
    if (resourceMetrics > 1) {
      reader.skipField(tag)
      continue
    }
    const requestLimit = reader.enterMessage()
    while (reader.pos < reader.limit) {
      const itemTag = reader.readTag()
      if (itemTag !== RESOURCE_ITEMS_RESOURCE) {
        reader.skipField(itemTag)
        continue
      }
      const name = decoder.readResourceField().attributes.values['service.name']
      serviceName = typeof name === 'string' ? name : null
    }
    reader.leaveMessage(requestLimit)
  }
  return { resourceMetrics, serviceName }
}

/** Decodes the message types shared by all signals: AnyValue, KeyValue, Resource, InstrumentationScope. */
class ProtoValueDecoder {
  // Set while decoding an AnyValue when it contains a lossy value.
  private lossy = false
  // Key of the KeyValue that readKeyValue read last.
  private lastKey = ''

  constructor(readonly reader: ProtobufReader) {}

  /** Reads one KeyValue field into `attributes`. The reader must be at the field's length prefix. */
  readAttributeInto(attributes: Attributes): void {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    const start = reader.pos
    const end = reader.limit
    this.lossy = false
    let value: JsonValue
    try {
      value = this.readKeyValue(0)
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error
      throw new InvalidFieldError(
        `attribute ${quoteName(this.peekKey(start, end))}: ${error.message}`,
      )
    }
    const key = this.lastKey
    let otlp: OtlpJsonAnyValue | null = null
    if (this.lossy) {
      // Lossy values are rare, so their canonical OTLP/JSON form is built by a
      // second pass over the same bytes instead of on every value.
      reader.pos = start
      otlp = this.readKeyValueOtlp(0).value
    }
    reader.leaveMessage(outerLimit)
    setAttribute(attributes, key, value, otlp)
  }

  /** Reads an AnyValue field (a log record body) as a value and, when lossy, its OTLP/JSON form. */
  readTopLevelValue(): { value: JsonValue; otlp: OtlpJsonAnyValue | null } {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    const start = reader.pos
    this.lossy = false
    const value = this.readAnyValue(0)
    let otlp: OtlpJsonAnyValue | null = null
    if (this.lossy) {
      reader.pos = start
      otlp = this.readAnyValueOtlp(0)
    }
    reader.leaveMessage(outerLimit)
    return { value, otlp }
  }

  /** Reads a Resource message that ends at the reader's limit. */
  private readResource(): DecodedResource {
    const reader = this.reader
    const attributes = createAttributes()
    let droppedAttributesCount = 0
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case RESOURCE_ATTRIBUTES:
          this.readAttributeInto(attributes)
          break
        case RESOURCE_DROPPED_ATTRIBUTES:
          droppedAttributesCount = reader.readVarintUint32()
          break
        default:
          reader.skipField(tag)
      }
    }
    return { attributes, droppedAttributesCount, schemaUrl: '' }
  }

  /** Reads an InstrumentationScope message that ends at the reader's limit. */
  private readScope(): DecodedScope {
    const reader = this.reader
    const scope = emptyScope()
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case SCOPE_NAME:
          scope.name = reader.readString()
          break
        case SCOPE_VERSION:
          scope.version = reader.readString()
          break
        case SCOPE_ATTRIBUTES:
          this.readAttributeInto(scope.attributes)
          break
        case SCOPE_DROPPED_ATTRIBUTES:
          scope.droppedAttributesCount = reader.readVarintUint32()
          break
        default:
          reader.skipField(tag)
      }
    }
    return scope
  }

  /**
   * Reads a Resource or InstrumentationScope field outside any span or log
   * record. A value nested too deeply there fails the whole request.
   */
  readResourceField(): DecodedResource {
    return this.failRequestOnInvalidField('resource', () => this.readResource())
  }

  readScopeField(): DecodedScope {
    return this.failRequestOnInvalidField('scope', () => this.readScope())
  }

  private failRequestOnInvalidField<T>(what: string, read: () => T): T {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    try {
      const result = read()
      reader.leaveMessage(outerLimit)
      return result
    } catch (error) {
      if (error instanceof InvalidFieldError) {
        throw new OtlpDecodeError(`invalid protobuf: ${what}: ${error.message}`)
      }
      throw error
    }
  }

  /** Reads only the key of the KeyValue at `buf[start .. end)`, for an error message. */
  private peekKey(start: number, end: number): string {
    const reader = this.reader
    reader.pos = start
    reader.limit = end
    let key = ''
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === KEY_VALUE_KEY) key = reader.readString()
      else reader.skipField(tag)
    }
    return key
  }

  private readKeyValue(depth: number): JsonValue {
    const reader = this.reader
    let key = ''
    let value: JsonValue = null
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === KEY_VALUE_KEY) {
        key = reader.readString()
      } else if (tag === KEY_VALUE_VALUE) {
        const outerLimit = reader.enterMessage()
        value = this.readAnyValue(depth)
        reader.leaveMessage(outerLimit)
      } else {
        reader.skipField(tag)
      }
    }
    this.lastKey = key
    return value
  }

  private readAnyValue(depth: number): JsonValue {
    const reader = this.reader
    let value: JsonValue = null
    const lossyBefore = this.lossy
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      // Only the last member of the oneof counts, so an earlier one must not
      // leave the lossy mark behind.
      this.lossy = lossyBefore
      switch (tag) {
        case ANY_STRING:
          value = reader.readString()
          break
        case ANY_BOOL:
          value = reader.readBool()
          break
        case ANY_INT: {
          const integer = reader.readVarintInt64()
          if (typeof integer === 'bigint') this.lossy = true
          value = int64ToJsonValue(integer)
          break
        }
        case ANY_DOUBLE: {
          const double = reader.readDouble()
          if (isLossyDouble(double)) this.lossy = true
          value = doubleToJsonValue(double)
          break
        }
        case ANY_ARRAY: {
          const outerLimit = reader.enterMessage()
          value = this.readArrayValue(depth + 1)
          reader.leaveMessage(outerLimit)
          break
        }
        case ANY_KVLIST: {
          const outerLimit = reader.enterMessage()
          value = this.readKeyValueList(depth + 1)
          reader.leaveMessage(outerLimit)
          break
        }
        case ANY_BYTES: {
          const start = reader.readLengthDelimitedStart()
          this.lossy = true
          value = { bytes: reader.buf.toString('base64', start, reader.pos) }
          break
        }
        default:
          reader.skipField(tag)
      }
    }
    return value
  }

  private readArrayValue(depth: number): JsonValue[] {
    checkDepth(depth)
    const reader = this.reader
    const values: JsonValue[] = []
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === LIST_VALUES) {
        const outerLimit = reader.enterMessage()
        values.push(this.readAnyValue(depth))
        reader.leaveMessage(outerLimit)
      } else {
        reader.skipField(tag)
      }
    }
    return values
  }

  private readKeyValueList(depth: number): Record<string, JsonValue> {
    checkDepth(depth)
    const reader = this.reader
    const map = createJsonMap()
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === LIST_VALUES) {
        const outerLimit = reader.enterMessage()
        const value = this.readKeyValue(depth)
        map[this.lastKey] = value
        reader.leaveMessage(outerLimit)
      } else {
        reader.skipField(tag)
      }
    }
    return map
  }

  // The readers below build canonical OTLP/JSON for lossy values. They run
  // only on bytes that the readers above have already accepted.

  private readKeyValueOtlp(depth: number): OtlpJsonKeyValue {
    const reader = this.reader
    let key = ''
    let value: OtlpJsonAnyValue = {}
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === KEY_VALUE_KEY) {
        key = reader.readString()
      } else if (tag === KEY_VALUE_VALUE) {
        const outerLimit = reader.enterMessage()
        value = this.readAnyValueOtlp(depth)
        reader.leaveMessage(outerLimit)
      } else {
        reader.skipField(tag)
      }
    }
    return { key, value }
  }

  private readAnyValueOtlp(depth: number): OtlpJsonAnyValue {
    const reader = this.reader
    let value: OtlpJsonAnyValue = {}
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case ANY_STRING:
          value = { stringValue: reader.readString() }
          break
        case ANY_BOOL:
          value = { boolValue: reader.readBool() }
          break
        case ANY_INT:
          value = { intValue: String(reader.readVarintInt64()) }
          break
        case ANY_DOUBLE:
          value = { doubleValue: doubleToJsonValue(reader.readDouble()) }
          break
        case ANY_ARRAY: {
          checkDepth(depth + 1)
          const values: OtlpJsonAnyValue[] = []
          const outerLimit = reader.enterMessage()
          while (reader.pos < reader.limit) {
            const itemTag = reader.readTag()
            if (itemTag === LIST_VALUES) {
              const itemLimit = reader.enterMessage()
              values.push(this.readAnyValueOtlp(depth + 1))
              reader.leaveMessage(itemLimit)
            } else {
              reader.skipField(itemTag)
            }
          }
          reader.leaveMessage(outerLimit)
          value = { arrayValue: { values } }
          break
        }
        case ANY_KVLIST: {
          checkDepth(depth + 1)
          const values: OtlpJsonKeyValue[] = []
          const outerLimit = reader.enterMessage()
          while (reader.pos < reader.limit) {
            const itemTag = reader.readTag()
            if (itemTag === LIST_VALUES) {
              const itemLimit = reader.enterMessage()
              values.push(this.readKeyValueOtlp(depth + 1))
              reader.leaveMessage(itemLimit)
            } else {
              reader.skipField(itemTag)
            }
          }
          reader.leaveMessage(outerLimit)
          value = { kvlistValue: { values } }
          break
        }
        case ANY_BYTES: {
          const start = reader.readLengthDelimitedStart()
          value = { bytesValue: reader.buf.toString('base64', start, reader.pos) }
          break
        }
        default:
          reader.skipField(tag)
      }
    }
    return value
  }
}

function checkDepth(depth: number): void {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new InvalidFieldError(
      `value nests arrays or key-value lists more than ${MAX_ANY_VALUE_DEPTH} levels deep`,
    )
  }
}

function emptyResource(): DecodedResource {
  return { attributes: createAttributes(), droppedAttributesCount: 0, schemaUrl: '' }
}

function emptyScope(): DecodedScope {
  return {
    name: '',
    version: '',
    attributes: createAttributes(),
    droppedAttributesCount: 0,
    schemaUrl: '',
  }
}

/** Returns the hex of a valid id, or null for an empty or all-zero one. */
function optionalIdHex(bytes: Uint8Array, start: number, end: number): string | null {
  if (end === start || isAllZeroBytes(bytes, start, end)) return null
  return bytesToHex(bytes, start, end)
}

class ProtoTracesDecoder {
  private readonly reader: ProtobufReader
  private readonly values: ProtoValueDecoder
  private readonly groups: SpanGroup[] = []
  private readonly problems = new ProblemList()
  private rejectedSpans = 0

  constructor(body: Uint8Array) {
    this.reader = new ProtobufReader(body)
    this.values = new ProtoValueDecoder(this.reader)
  }

  decode(): DecodedTraces {
    const reader = this.reader
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === REQUEST_RESOURCE_ITEMS) {
        const outerLimit = reader.enterMessage()
        this.readResourceSpans()
        reader.leaveMessage(outerLimit)
      } else {
        reader.skipField(tag)
      }
    }
    return {
      groups: this.groups,
      rejectedSpans: this.rejectedSpans,
      errors: this.problems.toArray(),
    }
  }

  private readResourceSpans(): void {
    const reader = this.reader
    let resource: DecodedResource | null = null
    let schemaUrl = ''
    const scopeGroups: { scope: DecodedScope; spans: DecodedSpan[] }[] = []
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case RESOURCE_ITEMS_RESOURCE:
          resource = this.values.readResourceField()
          break
        case RESOURCE_ITEMS_SCOPE_ITEMS: {
          const outerLimit = reader.enterMessage()
          scopeGroups.push(this.readScopeSpans())
          reader.leaveMessage(outerLimit)
          break
        }
        case RESOURCE_ITEMS_SCHEMA_URL:
          schemaUrl = reader.readString()
          break
        default:
          reader.skipField(tag)
      }
    }
    // The resource may follow its scopes on the wire, so groups are built last.
    resource ??= emptyResource()
    resource.schemaUrl = schemaUrl
    for (const { scope, spans } of scopeGroups) {
      if (spans.length > 0) this.groups.push({ resource, scope, spans })
    }
  }

  private readScopeSpans(): { scope: DecodedScope; spans: DecodedSpan[] } {
    const reader = this.reader
    let scope: DecodedScope | null = null
    let schemaUrl = ''
    const spans: DecodedSpan[] = []
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case SCOPE_ITEMS_SCOPE:
          scope = this.values.readScopeField()
          break
        case SCOPE_ITEMS_ITEM: {
          const span = this.readSpan()
          if (span !== null) spans.push(span)
          break
        }
        case SCOPE_ITEMS_SCHEMA_URL:
          schemaUrl = reader.readString()
          break
        default:
          reader.skipField(tag)
      }
    }
    scope ??= emptyScope()
    scope.schemaUrl = schemaUrl
    return { scope, spans }
  }

  /** Reads one Span field. Returns null, and records why, when the span is rejected. */
  private readSpan(): DecodedSpan | null {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    const spanStart = reader.pos
    const spanEnd = reader.limit
    const span: DecodedSpan = {
      traceId: '',
      spanId: '',
      parentSpanId: null,
      traceState: '',
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: createAttributes(),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      statusCode: 0,
      statusMessage: '',
    }
    // Ids are kept as byte ranges until the whole span is read, because the
    // messages about them name the span and the name may come later.
    let traceIdStart = spanStart
    let traceIdEnd = spanStart
    let spanIdStart = spanStart
    let spanIdEnd = spanStart
    let parentStart = spanStart
    let parentEnd = spanStart
    const linkProblems: string[] = []
    try {
      while (reader.pos < reader.limit) {
        const tag = reader.readTag()
        switch (tag) {
          case SPAN_TRACE_ID:
            traceIdStart = reader.readLengthDelimitedStart()
            traceIdEnd = reader.pos
            break
          case SPAN_SPAN_ID:
            spanIdStart = reader.readLengthDelimitedStart()
            spanIdEnd = reader.pos
            break
          case SPAN_TRACE_STATE:
            span.traceState = reader.readString()
            break
          case SPAN_PARENT_SPAN_ID:
            parentStart = reader.readLengthDelimitedStart()
            parentEnd = reader.pos
            break
          case SPAN_NAME:
            span.name = reader.readString()
            break
          case SPAN_KIND:
            span.kind = reader.readVarintInt32()
            break
          case SPAN_START_TIME:
            span.startTimeUnixNano = reader.readFixed64()
            break
          case SPAN_END_TIME:
            span.endTimeUnixNano = reader.readFixed64()
            break
          case SPAN_ATTRIBUTES:
            this.values.readAttributeInto(span.attributes)
            break
          case SPAN_DROPPED_ATTRIBUTES:
            span.droppedAttributesCount = reader.readVarintUint32()
            break
          case SPAN_EVENTS:
            span.events.push(this.readEvent())
            break
          case SPAN_DROPPED_EVENTS:
            span.droppedEventsCount = reader.readVarintUint32()
            break
          case SPAN_LINKS: {
            const link = this.readLink(span.links.length + linkProblems.length, linkProblems)
            if (link !== null) span.links.push(link)
            break
          }
          case SPAN_DROPPED_LINKS:
            span.droppedLinksCount = reader.readVarintUint32()
            break
          case SPAN_STATUS:
            this.readStatus(span)
            break
          case SPAN_FLAGS:
            span.flags = reader.readFixed32()
            break
          default:
            reader.skipField(tag)
        }
      }
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error
      reader.limit = spanEnd
      const name = this.peekSpanName(spanStart, spanEnd)
      reader.leaveMessage(outerLimit)
      this.reject(`span ${quoteName(name)}: ${error.message}`)
      return null
    }
    reader.leaveMessage(outerLimit)

    const buf = reader.buf
    const traceIdProblem = describeIdBytesProblem(buf, traceIdStart, traceIdEnd, TRACE_ID_BYTES)
    const spanIdProblem = describeIdBytesProblem(buf, spanIdStart, spanIdEnd, SPAN_ID_BYTES)
    if (traceIdProblem !== null || spanIdProblem !== null) {
      const reasons: string[] = []
      if (traceIdProblem !== null) reasons.push(`trace_id ${traceIdProblem}`)
      if (spanIdProblem !== null) reasons.push(`span_id ${spanIdProblem}`)
      this.reject(`span ${quoteName(span.name)}: ${reasons.join(', ')}`)
      return null
    }
    span.traceId = bytesToHex(buf, traceIdStart, traceIdEnd)
    span.spanId = bytesToHex(buf, spanIdStart, spanIdEnd)
    const parentLength = parentEnd - parentStart
    if (parentLength === SPAN_ID_BYTES) {
      // An all-zero parent is the invalid span id, which means no parent.
      span.parentSpanId = optionalIdHex(buf, parentStart, parentEnd)
    } else if (parentLength !== 0) {
      this.problems.add(
        `span ${quoteName(span.name)}: parent_span_id has ${parentLength} bytes, ` +
          `expected ${SPAN_ID_BYTES}, so the span is kept as a root span`,
      )
    }
    for (const problem of linkProblems) {
      this.problems.add(`span ${quoteName(span.name)}: ${problem}`)
    }
    span.droppedLinksCount += linkProblems.length
    return span
  }

  private reject(line: string): void {
    this.rejectedSpans++
    this.problems.add(line)
  }

  /** Reads only the name of the span at `buf[start .. end)`, for an error message. */
  private peekSpanName(start: number, end: number): string {
    const reader = this.reader
    reader.pos = start
    reader.limit = end
    let name = ''
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === SPAN_NAME) name = reader.readString()
      else reader.skipField(tag)
    }
    return name
  }

  private readEvent(): DecodedEvent {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    const event: DecodedEvent = {
      timeUnixNano: 0n,
      name: '',
      attributes: createAttributes(),
      droppedAttributesCount: 0,
    }
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case EVENT_TIME:
          event.timeUnixNano = reader.readFixed64()
          break
        case EVENT_NAME:
          event.name = reader.readString()
          break
        case EVENT_ATTRIBUTES:
          this.values.readAttributeInto(event.attributes)
          break
        case EVENT_DROPPED_ATTRIBUTES:
          event.droppedAttributesCount = reader.readVarintUint32()
          break
        default:
          reader.skipField(tag)
      }
    }
    reader.leaveMessage(outerLimit)
    return event
  }

  /**
   * Reads one Link field. Returns null for a link with an invalid id, which
   * is dropped, and appends the reason to `problems`.
   */
  private readLink(index: number, problems: string[]): DecodedLink | null {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    const link: DecodedLink = {
      traceId: '',
      spanId: '',
      traceState: '',
      flags: 0,
      attributes: createAttributes(),
      droppedAttributesCount: 0,
    }

    let traceIdStart = reader.pos
    let traceIdEnd = reader.pos
    let spanIdStart = reader.pos
    let spanIdEnd = reader.pos
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case LINK_TRACE_ID:
          traceIdStart = reader.readLengthDelimitedStart()
          traceIdEnd = reader.pos
          break
        case LINK_SPAN_ID:
          spanIdStart = reader.readLengthDelimitedStart()
          spanIdEnd = reader.pos
          break
        case LINK_TRACE_STATE:
          link.traceState = reader.readString()
          break
        case LINK_ATTRIBUTES:
          this.values.readAttributeInto(link.attributes)
          break
        case LINK_DROPPED_ATTRIBUTES:
          link.droppedAttributesCount = reader.readVarintUint32()
          break
        case LINK_FLAGS:
          link.flags = reader.readFixed32()
          break
        default:
          reader.skipField(tag)
      }
    }
    reader.leaveMessage(outerLimit)

    const buf = reader.buf
    const traceIdProblem = describeIdBytesProblem(buf, traceIdStart, traceIdEnd, TRACE_ID_BYTES)
    const spanIdProblem = describeIdBytesProblem(buf, spanIdStart, spanIdEnd, SPAN_ID_BYTES)
    if (traceIdProblem !== null || spanIdProblem !== null) {
      const reason =
        traceIdProblem !== null ? `trace_id ${traceIdProblem}` : `span_id ${spanIdProblem}`
      problems.push(`link ${index} dropped because its ${reason}`)
      return null
    }
    link.traceId = bytesToHex(buf, traceIdStart, traceIdEnd)
    link.spanId = bytesToHex(buf, spanIdStart, spanIdEnd)
    return link
  }

  private readStatus(span: DecodedSpan): void {
    const reader = this.reader
    const outerLimit = reader.enterMessage()
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === STATUS_MESSAGE) span.statusMessage = reader.readString()
      else if (tag === STATUS_CODE) span.statusCode = reader.readVarintInt32()
      else reader.skipField(tag)
    }
    reader.leaveMessage(outerLimit)
  }
}

class ProtoLogsDecoder {
  private readonly reader: ProtobufReader
  private readonly values: ProtoValueDecoder
  private readonly groups: LogGroup[] = []
  private readonly problems = new ProblemList()
  private rejectedLogRecords = 0
  // Position of the current log record, for messages.
  private resourceIndex = -1
  private scopeIndex = -1
  private recordIndex = -1

  constructor(body: Uint8Array) {
    this.reader = new ProtobufReader(body)
    this.values = new ProtoValueDecoder(this.reader)
  }

  decode(): DecodedLogs {
    const reader = this.reader
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      if (tag === REQUEST_RESOURCE_ITEMS) {
        this.resourceIndex++
        this.scopeIndex = -1
        const outerLimit = reader.enterMessage()
        this.readResourceLogs()
        reader.leaveMessage(outerLimit)
      } else {
        reader.skipField(tag)
      }
    }
    return {
      groups: this.groups,
      rejectedLogRecords: this.rejectedLogRecords,
      errors: this.problems.toArray(),
    }
  }

  private readResourceLogs(): void {
    const reader = this.reader
    let resource: DecodedResource | null = null
    let schemaUrl = ''
    const scopeGroups: { scope: DecodedScope; records: DecodedLogRecord[] }[] = []
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case RESOURCE_ITEMS_RESOURCE:
          resource = this.values.readResourceField()
          break
        case RESOURCE_ITEMS_SCOPE_ITEMS: {
          this.scopeIndex++
          this.recordIndex = -1
          const outerLimit = reader.enterMessage()
          scopeGroups.push(this.readScopeLogs())
          reader.leaveMessage(outerLimit)
          break
        }
        case RESOURCE_ITEMS_SCHEMA_URL:
          schemaUrl = reader.readString()
          break
        default:
          reader.skipField(tag)
      }
    }
    resource ??= emptyResource()
    resource.schemaUrl = schemaUrl
    for (const { scope, records } of scopeGroups) {
      if (records.length > 0) this.groups.push({ resource, scope, records })
    }
  }

  private readScopeLogs(): { scope: DecodedScope; records: DecodedLogRecord[] } {
    const reader = this.reader
    let scope: DecodedScope | null = null
    let schemaUrl = ''
    const records: DecodedLogRecord[] = []
    while (reader.pos < reader.limit) {
      const tag = reader.readTag()
      switch (tag) {
        case SCOPE_ITEMS_SCOPE:
          scope = this.values.readScopeField()
          break
        case SCOPE_ITEMS_ITEM: {
          const record = this.readLogRecord()
          if (record !== null) records.push(record)
          break
        }
        case SCOPE_ITEMS_SCHEMA_URL:
          schemaUrl = reader.readString()
          break
        default:
          reader.skipField(tag)
      }
    }
    scope ??= emptyScope()
    scope.schemaUrl = schemaUrl
    return { scope, records }
  }

  /** Reads one LogRecord field. Returns null, and records why, when the record is rejected. */
  private readLogRecord(): DecodedLogRecord | null {
    const reader = this.reader
    this.recordIndex++
    const outerLimit = reader.enterMessage()
    const recordStart = reader.pos
    const recordEnd = reader.limit
    const record: DecodedLogRecord = {
      timeUnixNano: 0n,
      observedTimeUnixNano: 0n,
      severityNumber: 0,
      severityText: '',
      body: { value: null, otlp: null },
      attributes: createAttributes(),
      droppedAttributesCount: 0,
      flags: 0,
      traceId: null,
      spanId: null,
      eventName: '',
    }
    let traceIdStart = recordStart
    let traceIdEnd = recordStart
    let spanIdStart = recordStart
    let spanIdEnd = recordStart
    try {
      while (reader.pos < reader.limit) {
        const tag = reader.readTag()
        switch (tag) {
          case LOG_TIME:
            record.timeUnixNano = reader.readFixed64()
            break
          case LOG_OBSERVED_TIME:
            record.observedTimeUnixNano = reader.readFixed64()
            break
          case LOG_SEVERITY_NUMBER:
            record.severityNumber = reader.readVarintInt32()
            break
          case LOG_SEVERITY_TEXT:
            record.severityText = reader.readString()
            break
          case LOG_BODY:
            try {
              record.body = this.values.readTopLevelValue()
            } catch (error) {
              if (error instanceof InvalidFieldError) {
                throw new InvalidFieldError(`body: ${error.message}`)
              }
              throw error
            }
            break
          case LOG_ATTRIBUTES:
            this.values.readAttributeInto(record.attributes)
            break
          case LOG_DROPPED_ATTRIBUTES:
            record.droppedAttributesCount = reader.readVarintUint32()
            break
          case LOG_FLAGS:
            record.flags = reader.readFixed32()
            break
          case LOG_TRACE_ID:
            traceIdStart = reader.readLengthDelimitedStart()
            traceIdEnd = reader.pos
            break
          case LOG_SPAN_ID:
            spanIdStart = reader.readLengthDelimitedStart()
            spanIdEnd = reader.pos
            break
          case LOG_EVENT_NAME:
            record.eventName = reader.readString()
            break
          default:
            reader.skipField(tag)
        }
      }
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error
      reader.limit = recordEnd
      reader.leaveMessage(outerLimit)
      this.reject(`${this.describeRecord()}: ${error.message}`)
      return null
    }
    reader.leaveMessage(outerLimit)

    // Both ids are optional on a log record. An empty or all-zero id means
    // that the record is not tied to a span, but a wrong length is invalid.
    const buf = reader.buf
    const traceIdLength = traceIdEnd - traceIdStart
    const spanIdLength = spanIdEnd - spanIdStart
    const reasons: string[] = []
    if (traceIdLength !== 0 && traceIdLength !== TRACE_ID_BYTES) {
      reasons.push(`trace_id has ${traceIdLength} bytes, expected ${TRACE_ID_BYTES}`)
    }
    if (spanIdLength !== 0 && spanIdLength !== SPAN_ID_BYTES) {
      reasons.push(`span_id has ${spanIdLength} bytes, expected ${SPAN_ID_BYTES}`)
    }
    if (reasons.length > 0) {
      this.reject(`${this.describeRecord()}: ${reasons.join(', ')}`)
      return null
    }
    record.traceId = optionalIdHex(buf, traceIdStart, traceIdEnd)
    record.spanId = optionalIdHex(buf, spanIdStart, spanIdEnd)
    return record
  }

  /** Names the current log record by its position, as the OTLP/JSON decoder does. */
  private describeRecord(): string {
    return (
      `log record at resourceLogs[${this.resourceIndex}].scopeLogs[${this.scopeIndex}]` +
      `.logRecords[${this.recordIndex}]`
    )
  }

  private reject(line: string): void {
    this.rejectedLogRecords++
    this.problems.add(line)
  }
}
