// Decodes OTLP/JSON request bodies: ExportTraceServiceRequest and
// ExportLogsServiceRequest into Loupe's model, and ExportMetricsServiceRequest
// into a short summary. It follows the OTLP/JSON encoding of the OTLP
// specification (proto3 JSON mapping with hex ids and integer enums) and
// also accepts what real exporters send beyond it:
// - ids as hex in any case, or as padded base64 (standard or URL-safe);
// - 64-bit integers as decimal strings or JSON numbers;
// - enums as integers or as their proto names ("SPAN_KIND_CLIENT");
// - field names in lowerCamelCase or as written in the .proto (snake_case);
// - the old instrumentationLibrarySpans / instrumentationLibrary names;
// - doubleValue as a number, a numeric string, "NaN", "Infinity" or "-Infinity".
// Unknown fields are ignored. Text that is not a JSON object, or a malformed
// structure above the span (or log record) lists, throws OtlpDecodeError. A
// span or log record with an invalid field is rejected on its own.

import type { JsonValue } from '../../shared/api'
import {
  MAX_ANY_VALUE_DEPTH,
  bytesToJsonValue,
  createAttributes,
  createJsonMap,
  doubleToJsonValue,
  int64ToJsonValue,
  isLossyDouble,
  setAttribute,
  type OtlpJsonKeyValue,
} from './attributes'
import {
  InvalidIdError,
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
  isAllZeroHex,
  jsonIdToHex,
  normalizeBase64,
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

type JsonObject = Record<string, unknown>

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n
const UINT32_MAX = 4294967295

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
}

const STATUS_CODE_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
}

const SEVERITY_NUMBER_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 }
for (const [index, level] of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].entries()) {
  for (let step = 1; step <= 4; step++) {
    const suffix = step === 1 ? '' : String(step)
    SEVERITY_NUMBER_NAMES[`SEVERITY_NUMBER_${level}${suffix}`] = index * 4 + step
  }
}

// JSON.parse turns an integer above 2^53 into the nearest double. Conforming
// senders quote every 64-bit integer, but some send intValue or timestamps as
// bare JSON numbers. Node 20's JSON.parse gives no access to the source text,
// so such integers must be quoted before parsing. The pre-pass that does this
// is a regular expression over the whole body. It costs about half as much as
// JSON.parse (measured with bench/decode.ts), so it runs only when needed. The
// first decode of JSON.parse's output stops at the first int64 field whose
// number is not a safe integer, and then the body is parsed again with the
// pre-pass.
//
// The pattern matches a key ending in intValue, int_value, timeUnixNano (any
// case of the t, so startTimeUnixNano too) or time_unix_nano, then a closing quote, a colon and an integer of 16 or more
// digits (15 digits are always exact) that has no fraction or exponent. A
// letter before the quote means the quote is not escaped, so it closes a
// real key and the match is never text inside a string.
const LONG_INTEGER_PATTERN =
  /(intValue|int_value|[tT]imeUnixNano|time_unix_nano)"(\s*:\s*)(-?\d{16,})(?![\d.eE])/g

/**
 * Puts quotes around integers of 16 or more digits that follow an int64 key
 * (intValue, int_value, *TimeUnixNano, *_time_unix_nano), so JSON.parse keeps
 * them exact. Returns the text unchanged when there are none.
 */
export function quoteLongIntegers(text: string): string {
  return text.replace(LONG_INTEGER_PATTERN, '$1"$2"$3"')
}

/** Thrown by the first decode of a body that has an int64 field whose JSON number lost precision. */
class ImpreciseIntegerError extends Error {
  override name = 'ImpreciseIntegerError'
}

// True during the first decode of a body, which stops with
// ImpreciseIntegerError at an integer that JSON.parse rounded.
let stopAtImpreciseInteger = false

/** Parses the body and decodes it, parsing again with the long-integer pre-pass when needed. */
function decodeWithExactIntegers<T>(text: string, decode: (request: JsonObject) => T): T {
  const request = parseRequest(text, false)
  stopAtImpreciseInteger = true
  try {
    return decode(request)
  } catch (error) {
    if (!(error instanceof ImpreciseIntegerError)) throw error
  } finally {
    stopAtImpreciseInteger = false
  }
  return decode(parseRequest(text, true))
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest. Throws OtlpDecodeError when the body is not decodable. */
export function decodeTracesJson(text: string): DecodedTraces {
  return decodeWithExactIntegers(text, (request) => new JsonTracesDecoder().decode(request))
}

/** Decodes an OTLP/JSON ExportLogsServiceRequest. Throws OtlpDecodeError when the body is not decodable. */
export function decodeLogsJson(text: string): DecodedLogs {
  return decodeWithExactIntegers(text, (request) => new JsonLogsDecoder().decode(request))
}

/**
 * Counts the ResourceMetrics of an OTLP/JSON ExportMetricsServiceRequest and
 * reads `service.name` of the first resource. Data points are not decoded.
 */
export function summarizeMetricsJson(text: string): DecodedMetricsSummary {
  const request = parseRequest(text, false)
  const resourceMetrics = requestList(request, 'resourceMetrics', 'resource_metrics')
  let serviceName: string | null = null
  const first = resourceMetrics[0]
  if (first !== undefined) {
    const resource = readResourceOf(new JsonValueDecoder(), first, 'resourceMetrics[0]')
    const name = resource.attributes.values['service.name']
    serviceName = typeof name === 'string' ? name : null
  }
  return { resourceMetrics: resourceMetrics.length, serviceName }
}

function parseRequest(text: string, quoteIntegers: boolean): JsonObject {
  // A byte order mark is not JSON, but some tools write one.
  let json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (quoteIntegers) json = quoteLongIntegers(json)
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`)
  }
  if (!isObject(parsed)) {
    throw new OtlpDecodeError(
      `invalid OTLP/JSON: the top level must be an object, got ${describeType(parsed)}`,
    )
  }
  return parsed
}

/** Returns the top-level list of a request, or [] when absent. Throws OtlpDecodeError when it is not an array. */
function requestList(request: JsonObject, camel: string, snake: string): unknown[] {
  const list = request[camel] ?? request[snake]
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) {
    throw new OtlpDecodeError(
      `invalid OTLP/JSON: ${camel} must be an array, got ${describeType(list)}`,
    )
  }
  return list
}

/** Returns the list of scope items of a Resource{Spans,Logs}, accepting the old instrumentation library names. */
function scopeItemList(resourceItem: JsonObject, names: string[], path: string): unknown[] {
  for (const name of names) {
    const list = resourceItem[name]
    if (list === undefined || list === null) continue
    if (!Array.isArray(list)) {
      throw new OtlpDecodeError(
        `invalid OTLP/JSON: ${path}.${name} must be an array, got ${describeType(list)}`,
      )
    }
    return list
  }
  return []
}

function expectObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) {
    throw new OtlpDecodeError(
      `invalid OTLP/JSON: ${path} must be an object, got ${describeType(value)}`,
    )
  }
  return value
}

function readResourceOf(
  values: JsonValueDecoder,
  resourceItemValue: unknown,
  path: string,
): DecodedResource {
  const resourceItem = expectObject(resourceItemValue, path)
  const resource: DecodedResource = {
    attributes: createAttributes(),
    droppedAttributesCount: 0,
    schemaUrl: '',
  }
  failRequestOnInvalidField(path, () => {
    resource.schemaUrl = readString(resourceItem, 'schemaUrl', 'schema_url', 'schema_url')
  })
  const raw = resourceItem.resource
  if (raw === undefined || raw === null) return resource
  const object = expectObject(raw, `${path}.resource`)
  failRequestOnInvalidField(`${path}.resource`, () => {
    values.readAttributesInto(resource.attributes, object.attributes)
    resource.droppedAttributesCount = readUint32(
      object,
      'droppedAttributesCount',
      'dropped_attributes_count',
      'dropped_attributes_count',
    )
  })
  return resource
}

function readScopeOf(values: JsonValueDecoder, scopeItem: JsonObject, path: string): DecodedScope {
  const scope: DecodedScope = {
    name: '',
    version: '',
    attributes: createAttributes(),
    droppedAttributesCount: 0,
    schemaUrl: '',
  }
  failRequestOnInvalidField(path, () => {
    scope.schemaUrl = readString(scopeItem, 'schemaUrl', 'schema_url', 'schema_url')
  })
  const raw =
    scopeItem.scope ?? scopeItem.instrumentationLibrary ?? scopeItem.instrumentation_library
  if (raw === undefined || raw === null) return scope
  const object = expectObject(raw, `${path}.scope`)
  failRequestOnInvalidField(`${path}.scope`, () => {
    scope.name = readString(object, 'name', 'name', 'name')
    scope.version = readString(object, 'version', 'version', 'version')
    values.readAttributesInto(scope.attributes, object.attributes)
    scope.droppedAttributesCount = readUint32(
      object,
      'droppedAttributesCount',
      'dropped_attributes_count',
      'dropped_attributes_count',
    )
  })
  return scope
}

function failRequestOnInvalidField(path: string, read: () => void): void {
  try {
    read()
  } catch (error) {
    if (error instanceof InvalidFieldError) {
      throw new OtlpDecodeError(`invalid OTLP/JSON: ${path}: ${error.message}`)
    }
    throw error
  }
}

class JsonTracesDecoder {
  private readonly values = new JsonValueDecoder()
  private readonly groups: SpanGroup[] = []
  private readonly problems = new ProblemList()
  private rejectedSpans = 0

  decode(request: JsonObject): DecodedTraces {
    const resourceSpans = requestList(request, 'resourceSpans', 'resource_spans')
    for (let resourceIndex = 0; resourceIndex < resourceSpans.length; resourceIndex++) {
      const path = `resourceSpans[${resourceIndex}]`
      const resourceItem = expectObject(resourceSpans[resourceIndex], path)
      const resource = readResourceOf(this.values, resourceItem, path)
      const scopeItems = scopeItemList(
        resourceItem,
        [
          'scopeSpans',
          'scope_spans',
          'instrumentationLibrarySpans',
          'instrumentation_library_spans',
        ],
        path,
      )
      for (let scopeIndex = 0; scopeIndex < scopeItems.length; scopeIndex++) {
        const scopePath = `${path}.scopeSpans[${scopeIndex}]`
        const scopeItem = expectObject(scopeItems[scopeIndex], scopePath)
        const scope = readScopeOf(this.values, scopeItem, scopePath)
        const spans = this.readSpanList(scopeItem, scopePath)
        if (spans.length > 0) this.groups.push({ resource, scope, spans })
      }
    }
    return {
      groups: this.groups,
      rejectedSpans: this.rejectedSpans,
      errors: this.problems.toArray(),
    }
  }

  private readSpanList(scopeItem: JsonObject, scopePath: string): DecodedSpan[] {
    const list = scopeItem.spans
    const spans: DecodedSpan[] = []
    if (list === undefined || list === null) return spans
    if (!Array.isArray(list)) {
      // The number of spans meant is unknown, so this counts as one.
      this.reject(`${scopePath}.spans must be an array, got ${describeType(list)}`)
      return spans
    }
    for (let index = 0; index < list.length; index++) {
      const span = this.readSpan(list[index], scopePath, index)
      if (span !== null) spans.push(span)
    }
    return spans
  }

  /** Decodes one span. Returns null, and records why, when the span is rejected. */
  private readSpan(value: unknown, scopePath: string, index: number): DecodedSpan | null {
    if (!isObject(value)) {
      this.reject(`${scopePath}.spans[${index}] must be an object, got ${describeType(value)}`)
      return null
    }
    const name = value.name ?? ''
    if (typeof name !== 'string') {
      this.reject(
        `span at ${scopePath}.spans[${index}]: name must be a string, got ${describeType(name)}`,
      )
      return null
    }
    const label = `span ${quoteName(name)}`

    let span: DecodedSpan
    try {
      span = this.readSpanFields(value, name, label)
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error
      this.reject(`${label}: ${error.message}`)
      return null
    }

    const reasons: string[] = []
    span.traceId = readRequiredId(value, 'traceId', 'trace_id', TRACE_ID_BYTES, reasons)
    span.spanId = readRequiredId(value, 'spanId', 'span_id', SPAN_ID_BYTES, reasons)
    if (reasons.length > 0) {
      this.reject(`${label}: ${reasons.join(', ')}`)
      return null
    }

    const parent = value.parentSpanId ?? value.parent_span_id
    if (parent !== undefined && parent !== null) {
      let problem: string | null = null
      try {
        const parentHex = jsonIdToHex(expectString(parent, 'parent_span_id'), SPAN_ID_BYTES)
        // Empty or all zeros, the invalid span id, both mean no parent.
        span.parentSpanId = parentHex === '' || isAllZeroHex(parentHex) ? null : parentHex
      } catch (error) {
        if (error instanceof InvalidIdError) problem = `parent_span_id ${error.message}`
        else if (error instanceof InvalidFieldError) problem = error.message
        else throw error
      }
      if (problem !== null) {
        this.problems.add(`${label}: ${problem}, so the span is kept as a root span`)
      }
    }
    return span
  }

  /** Reads every span field except the ids. Throws InvalidFieldError. */
  private readSpanFields(object: JsonObject, name: string, label: string): DecodedSpan {
    const span: DecodedSpan = {
      traceId: '',
      spanId: '',
      parentSpanId: null,
      traceState: readString(object, 'traceState', 'trace_state', 'trace_state'),
      flags: readUint32(object, 'flags', 'flags', 'flags'),
      name,
      kind: readEnum(object, 'kind', 'kind', 'kind', SPAN_KIND_NAMES),
      startTimeUnixNano: readUint64(
        object,
        'startTimeUnixNano',
        'start_time_unix_nano',
        'start_time_unix_nano',
      ),
      endTimeUnixNano: readUint64(
        object,
        'endTimeUnixNano',
        'end_time_unix_nano',
        'end_time_unix_nano',
      ),
      attributes: createAttributes(),
      droppedAttributesCount: readUint32(
        object,
        'droppedAttributesCount',
        'dropped_attributes_count',
        'dropped_attributes_count',
      ),
      events: [],
      droppedEventsCount: readUint32(
        object,
        'droppedEventsCount',
        'dropped_events_count',
        'dropped_events_count',
      ),
      links: [],
      droppedLinksCount: readUint32(
        object,
        'droppedLinksCount',
        'dropped_links_count',
        'dropped_links_count',
      ),
      statusCode: 0,
      statusMessage: '',
    }
    this.values.readAttributesInto(span.attributes, object.attributes)

    const status = object.status
    if (status !== undefined && status !== null) {
      if (!isObject(status)) {
        throw new InvalidFieldError(`status must be an object, got ${describeType(status)}`)
      }
      span.statusCode = readEnum(status, 'code', 'code', 'status.code', STATUS_CODE_NAMES)
      span.statusMessage = readString(status, 'message', 'message', 'status.message')
    }

    for (const event of readList(object.events, 'events')) {
      span.events.push(this.readEvent(event))
    }
    const links = readList(object.links, 'links')
    for (let index = 0; index < links.length; index++) {
      const link = this.readLink(links[index], index, label)
      if (link !== null) span.links.push(link)
      else span.droppedLinksCount++
    }
    return span
  }

  private readEvent(value: unknown): DecodedEvent {
    if (!isObject(value)) {
      throw new InvalidFieldError(`each event must be an object, got ${describeType(value)}`)
    }
    const event: DecodedEvent = {
      timeUnixNano: readUint64(value, 'timeUnixNano', 'time_unix_nano', 'event time_unix_nano'),
      name: readString(value, 'name', 'name', 'event name'),
      attributes: createAttributes(),
      droppedAttributesCount: readUint32(
        value,
        'droppedAttributesCount',
        'dropped_attributes_count',
        'event dropped_attributes_count',
      ),
    }
    this.values.readAttributesInto(event.attributes, value.attributes)
    return event
  }

  /** Reads one link. A link with invalid ids is dropped with a warning and returns null. */
  private readLink(value: unknown, index: number, label: string): DecodedLink | null {
    if (!isObject(value)) {
      throw new InvalidFieldError(`each link must be an object, got ${describeType(value)}`)
    }
    const link: DecodedLink = {
      traceId: '',
      spanId: '',
      traceState: readString(value, 'traceState', 'trace_state', 'link trace_state'),
      flags: readUint32(value, 'flags', 'flags', 'link flags'),
      attributes: createAttributes(),
      droppedAttributesCount: readUint32(
        value,
        'droppedAttributesCount',
        'dropped_attributes_count',
        'link dropped_attributes_count',
      ),
    }
    this.values.readAttributesInto(link.attributes, value.attributes)
    const reasons: string[] = []
    link.traceId = readRequiredId(value, 'traceId', 'trace_id', TRACE_ID_BYTES, reasons)
    link.spanId = readRequiredId(value, 'spanId', 'span_id', SPAN_ID_BYTES, reasons)
    if (reasons.length > 0) {
      this.problems.add(`${label}: link ${index} dropped because its ${reasons.join(', ')}`)
      return null
    }
    return link
  }

  private reject(line: string): void {
    this.rejectedSpans++
    this.problems.add(line)
  }
}

class JsonLogsDecoder {
  private readonly values = new JsonValueDecoder()
  private readonly groups: LogGroup[] = []
  private readonly problems = new ProblemList()
  private rejectedLogRecords = 0

  decode(request: JsonObject): DecodedLogs {
    const resourceLogs = requestList(request, 'resourceLogs', 'resource_logs')
    for (let resourceIndex = 0; resourceIndex < resourceLogs.length; resourceIndex++) {
      const path = `resourceLogs[${resourceIndex}]`
      const resourceItem = expectObject(resourceLogs[resourceIndex], path)
      const resource = readResourceOf(this.values, resourceItem, path)
      const scopeItems = scopeItemList(
        resourceItem,
        ['scopeLogs', 'scope_logs', 'instrumentationLibraryLogs', 'instrumentation_library_logs'],
        path,
      )
      for (let scopeIndex = 0; scopeIndex < scopeItems.length; scopeIndex++) {
        const scopePath = `${path}.scopeLogs[${scopeIndex}]`
        const scopeItem = expectObject(scopeItems[scopeIndex], scopePath)
        const scope = readScopeOf(this.values, scopeItem, scopePath)
        const records = this.readRecordList(scopeItem, scopePath)
        if (records.length > 0) this.groups.push({ resource, scope, records })
      }
    }
    return {
      groups: this.groups,
      rejectedLogRecords: this.rejectedLogRecords,
      errors: this.problems.toArray(),
    }
  }

  private readRecordList(scopeItem: JsonObject, scopePath: string): DecodedLogRecord[] {
    const list = scopeItem.logRecords ?? scopeItem.log_records
    const records: DecodedLogRecord[] = []
    if (list === undefined || list === null) return records
    if (!Array.isArray(list)) {
      // The number of records meant is unknown, so this counts as one.
      this.reject(`${scopePath}.logRecords must be an array, got ${describeType(list)}`)
      return records
    }
    for (let index = 0; index < list.length; index++) {
      const label = `log record at ${scopePath}.logRecords[${index}]`
      const record = this.readRecord(list[index], label)
      if (record !== null) records.push(record)
    }
    return records
  }

  /** Decodes one log record. Returns null, and records why, when the record is rejected. */
  private readRecord(value: unknown, label: string): DecodedLogRecord | null {
    if (!isObject(value)) {
      this.reject(`${label} must be an object, got ${describeType(value)}`)
      return null
    }
    try {
      const record: DecodedLogRecord = {
        timeUnixNano: readUint64(value, 'timeUnixNano', 'time_unix_nano', 'time_unix_nano'),
        observedTimeUnixNano: readUint64(
          value,
          'observedTimeUnixNano',
          'observed_time_unix_nano',
          'observed_time_unix_nano',
        ),
        severityNumber: readEnum(
          value,
          'severityNumber',
          'severity_number',
          'severity_number',
          SEVERITY_NUMBER_NAMES,
        ),
        severityText: readString(value, 'severityText', 'severity_text', 'severity_text'),
        body: { value: null, otlp: null },
        attributes: createAttributes(),
        droppedAttributesCount: readUint32(
          value,
          'droppedAttributesCount',
          'dropped_attributes_count',
          'dropped_attributes_count',
        ),
        flags: readUint32(value, 'flags', 'flags', 'flags'),
        traceId: null,
        spanId: null,
        eventName: readString(value, 'eventName', 'event_name', 'event_name'),
      }
      record.body = this.values.readTopLevelValue(value.body, 'body')
      this.values.readAttributesInto(record.attributes, value.attributes)
      // Both ids are optional on a log record. Empty or all zeros means that
      // the record is not tied to a span, but any other invalid id rejects it.
      const reasons: string[] = []
      record.traceId = readOptionalId(value, 'traceId', 'trace_id', TRACE_ID_BYTES, reasons)
      record.spanId = readOptionalId(value, 'spanId', 'span_id', SPAN_ID_BYTES, reasons)
      if (reasons.length > 0) throw new InvalidFieldError(reasons.join(', '))
      return record
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error
      this.reject(`${label}: ${error.message}`)
      return null
    }
  }

  private reject(line: string): void {
    this.rejectedLogRecords++
    this.problems.add(line)
  }
}

/** Decodes OTLP/JSON AnyValues and KeyValue lists. Throws InvalidFieldError for invalid ones. */
class JsonValueDecoder {
  // Set while decoding an AnyValue when it contains a lossy value.
  private lossy = false

  readAttributesInto(attributes: Attributes, list: unknown): void {
    if (list === undefined || list === null) return
    if (!Array.isArray(list)) {
      throw new InvalidFieldError(`attributes must be an array, got ${describeType(list)}`)
    }
    for (const entry of list) {
      if (!isObject(entry)) {
        throw new InvalidFieldError(
          `each attribute must be a {key, value} object, got ${describeType(entry)}`,
        )
      }
      const key = entry.key ?? ''
      if (typeof key !== 'string') {
        throw new InvalidFieldError(`attribute key must be a string, got ${describeType(key)}`)
      }
      this.lossy = false
      let value: JsonValue
      let otlp: OtlpJsonAnyValue | null = null
      try {
        value = this.readAnyValue(entry.value, 0)
        // Lossy values are rare, so their canonical form is built by a second
        // pass instead of on every value.
        if (this.lossy) otlp = toCanonicalAnyValue(entry.value, 0)
      } catch (error) {
        if (error instanceof InvalidFieldError) {
          throw new InvalidFieldError(`attribute ${quoteName(key)}: ${error.message}`)
        }
        throw error
      }
      setAttribute(attributes, key, value, otlp)
    }
  }

  /** Reads a single AnyValue such as a log record body. */
  readTopLevelValue(
    raw: unknown,
    field: string,
  ): { value: JsonValue; otlp: OtlpJsonAnyValue | null } {
    this.lossy = false
    try {
      const value = this.readAnyValue(raw, 0)
      return { value, otlp: this.lossy ? toCanonicalAnyValue(raw, 0) : null }
    } catch (error) {
      if (error instanceof InvalidFieldError) {
        throw new InvalidFieldError(`${field}: ${error.message}`)
      }
      throw error
    }
  }

  private readAnyValue(raw: unknown, depth: number): JsonValue {
    if (raw === undefined || raw === null) return null
    if (!isObject(raw)) {
      throw new InvalidFieldError(`value must be an AnyValue object, got ${describeType(raw)}`)
    }
    let value: JsonValue = null
    const lossyBefore = this.lossy
    // Keys are visited in order, so when a sender sets several members of the
    // oneof, the last one wins, as in protobuf.
    for (const key in raw) {
      const member = raw[key]
      if (member === null || member === undefined) continue
      this.lossy = lossyBefore
      switch (key) {
        case 'stringValue':
        case 'string_value':
          value = expectString(member, key)
          break
        case 'boolValue':
        case 'bool_value':
          value = expectBoolean(member, key)
          break
        case 'intValue':
        case 'int_value': {
          const integer = parseInt64(member, key)
          if (typeof integer === 'bigint') this.lossy = true
          value = int64ToJsonValue(integer)
          break
        }
        case 'doubleValue':
        case 'double_value': {
          const double = parseDouble(member, key)
          if (isLossyDouble(double)) this.lossy = true
          value = doubleToJsonValue(double)
          break
        }
        case 'bytesValue':
        case 'bytes_value':
          value = bytesToJsonValue(parseBytes(member, key))
          this.lossy = true
          break
        case 'arrayValue':
        case 'array_value': {
          const values = listValues(member, key, depth + 1)
          const array: JsonValue[] = []
          for (const element of values) array.push(this.readAnyValue(element, depth + 1))
          value = array
          break
        }
        case 'kvlistValue':
        case 'kvlist_value': {
          const entries = listValues(member, key, depth + 1)
          const map = createJsonMap()
          for (const entry of entries) {
            const entryKey = keyOfEntry(entry)
            map[entryKey] = this.readAnyValue((entry as JsonObject).value, depth + 1)
          }
          value = map
          break
        }
      }
    }
    return value
  }
}

/**
 * Returns the canonical OTLP/JSON form of an AnyValue that JsonValueDecoder
 * has already accepted: lowerCamelCase keys, decimal-string integers, standard
 * base64 bytes and non-finite doubles as strings.
 */
function toCanonicalAnyValue(raw: unknown, depth: number): OtlpJsonAnyValue {
  let value: OtlpJsonAnyValue = {}
  if (!isObject(raw)) return value
  for (const key in raw) {
    const member = raw[key]
    if (member === null || member === undefined) continue
    switch (key) {
      case 'stringValue':
      case 'string_value':
        value = { stringValue: expectString(member, key) }
        break
      case 'boolValue':
      case 'bool_value':
        value = { boolValue: expectBoolean(member, key) }
        break
      case 'intValue':
      case 'int_value':
        value = { intValue: String(parseInt64(member, key)) }
        break
      case 'doubleValue':
      case 'double_value':
        value = { doubleValue: doubleToJsonValue(parseDouble(member, key)) }
        break
      case 'bytesValue':
      case 'bytes_value':
        value = { bytesValue: parseBytes(member, key) }
        break
      case 'arrayValue':
      case 'array_value': {
        const values: OtlpJsonAnyValue[] = []
        for (const element of listValues(member, key, depth + 1)) {
          values.push(toCanonicalAnyValue(element, depth + 1))
        }
        value = { arrayValue: { values } }
        break
      }
      case 'kvlistValue':
      case 'kvlist_value': {
        const values: OtlpJsonKeyValue[] = []
        for (const entry of listValues(member, key, depth + 1)) {
          values.push({
            key: keyOfEntry(entry),
            value: toCanonicalAnyValue((entry as JsonObject).value, depth + 1),
          })
        }
        value = { kvlistValue: { values } }
        break
      }
    }
  }
  return value
}

/** Returns the `values` array of an arrayValue or kvlistValue, checking the nesting depth. */
function listValues(member: unknown, key: string, depth: number): unknown[] {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new InvalidFieldError(
      `value nests arrays or key-value lists more than ${MAX_ANY_VALUE_DEPTH} levels deep`,
    )
  }
  if (!isObject(member)) {
    throw new InvalidFieldError(`${key} must be an object, got ${describeType(member)}`)
  }
  const values = member.values
  if (values === undefined || values === null) return []
  if (!Array.isArray(values)) {
    throw new InvalidFieldError(`${key}.values must be an array, got ${describeType(values)}`)
  }
  return values
}

function keyOfEntry(entry: unknown): string {
  if (!isObject(entry)) {
    throw new InvalidFieldError(
      `each kvlistValue entry must be a {key, value} object, got ${describeType(entry)}`,
    )
  }
  const key = entry.key ?? ''
  if (typeof key !== 'string') {
    throw new InvalidFieldError(`kvlistValue key must be a string, got ${describeType(key)}`)
  }
  return key
}

function readList(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    throw new InvalidFieldError(`${field} must be an array, got ${describeType(value)}`)
  }
  return value
}

/**
 * Reads an id field as hex, or '' when absent or empty. Appends the reason to
 * `reasons` and returns '' when it is not a string or not a valid id.
 */
function readIdHex(
  object: JsonObject,
  camel: string,
  snake: string,
  expectedBytes: number,
  reasons: string[],
): string {
  const raw = object[camel] ?? object[snake] ?? ''
  if (typeof raw !== 'string') {
    reasons.push(`${snake} must be a string, got ${describeType(raw)}`)
    return ''
  }
  try {
    return jsonIdToHex(raw, expectedBytes)
  } catch (error) {
    if (!(error instanceof InvalidIdError)) throw error
    reasons.push(`${snake} ${error.message}`)
    return ''
  }
}

/** Reads a required trace or span id as hex. Appends the reason to `reasons` when it is invalid. */
function readRequiredId(
  object: JsonObject,
  camel: string,
  snake: string,
  expectedBytes: number,
  reasons: string[],
): string {
  const reasonCount = reasons.length
  const hex = readIdHex(object, camel, snake, expectedBytes, reasons)
  if (reasons.length > reasonCount) return ''
  if (hex === '') reasons.push(`${snake} is empty, expected ${expectedBytes} bytes`)
  else if (isAllZeroHex(hex)) reasons.push(`${snake} is all zeros`)
  return hex
}

/** Reads an optional id as hex, or null when absent, empty or all zeros. */
function readOptionalId(
  object: JsonObject,
  camel: string,
  snake: string,
  expectedBytes: number,
  reasons: string[],
): string | null {
  const hex = readIdHex(object, camel, snake, expectedBytes, reasons)
  return hex === '' || isAllZeroHex(hex) ? null : hex
}

function readString(object: JsonObject, camel: string, snake: string, field: string): string {
  const value = object[camel] ?? object[snake]
  if (value === undefined || value === null) return ''
  return expectString(value, field)
}

function readUint32(object: JsonObject, camel: string, snake: string, field: string): number {
  const value = object[camel] ?? object[snake]
  if (value === undefined || value === null) return 0
  const integer = parseIntegerValue(value, field)
  if (integer < 0 || integer > UINT32_MAX) {
    throw new InvalidFieldError(`${field} must be between 0 and ${UINT32_MAX}, got ${integer}`)
  }
  return Number(integer)
}

function readUint64(object: JsonObject, camel: string, snake: string, field: string): bigint {
  const value = object[camel] ?? object[snake]
  if (value === undefined || value === null) return 0n
  const integer = parseIntegerValue(value, field)
  const big = typeof integer === 'bigint' ? integer : BigInt(integer)
  if (big < 0n || big > UINT64_MAX) {
    throw new InvalidFieldError(`${field} must be between 0 and ${UINT64_MAX}, got ${big}`)
  }
  return big
}

/** Reads an enum given as an integer, a decimal string or one of `names`. Unknown integers are kept. */
function readEnum(
  object: JsonObject,
  camel: string,
  snake: string,
  field: string,
  names: Record<string, number>,
): number {
  const value = object[camel] ?? object[snake]
  if (value === undefined || value === null) return 0
  if (typeof value === 'string' && Object.hasOwn(names, value)) return names[value]!
  if (typeof value === 'string' && !isDecimalInteger(value)) {
    throw new InvalidFieldError(
      `${field} must be an integer or one of ${Object.keys(names).join(', ')}, got ${JSON.stringify(value)}`,
    )
  }
  const integer = parseIntegerValue(value, field)
  if (integer < -2147483648 || integer > 2147483647) {
    throw new InvalidFieldError(`${field} must be a 32-bit integer, got ${integer}`)
  }
  return Number(integer)
}

/**
 * Parses an integer given as a JSON number or a decimal string. Returns a
 * number when it is a safe integer, else a bigint.
 */
function parseIntegerValue(value: unknown, field: string): number | bigint {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new InvalidFieldError(`${field} must be an integer, got ${value}`)
    }
    if (Number.isSafeInteger(value)) return value
    if (stopAtImpreciseInteger) throw new ImpreciseIntegerError(field)
    return BigInt(value)
  }
  if (typeof value === 'string') {
    if (!isDecimalInteger(value)) {
      throw new InvalidFieldError(
        `${field} must be an integer or a decimal string, got ${JSON.stringify(value)}`,
      )
    }
    // Up to 15 digits (plus a sign) is always a safe integer.
    if (value.length <= 15) return Number(value)
    const big = BigInt(value)
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big
  }
  throw new InvalidFieldError(
    `${field} must be an integer or a decimal string, got ${describeType(value)}`,
  )
}

function parseInt64(value: unknown, field: string): number | bigint {
  const integer = parseIntegerValue(value, field)
  if (typeof integer === 'bigint' && (integer < INT64_MIN || integer > INT64_MAX)) {
    throw new InvalidFieldError(`${field} ${integer} is outside the int64 range`)
  }
  return integer
}

function parseDouble(value: unknown, field: string): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN
    if (value === 'Infinity') return Infinity
    if (value === '-Infinity') return -Infinity
    // Proto3 JSON also allows a double as a numeric string.
    const number = value.trim() === '' ? NaN : Number(value)
    if (!Number.isNaN(number)) return number
    throw new InvalidFieldError(
      `${field} must be a number, "NaN", "Infinity" or "-Infinity", got ${JSON.stringify(value)}`,
    )
  }
  throw new InvalidFieldError(`${field} must be a number, got ${describeType(value)}`)
}

function parseBytes(value: unknown, field: string): string {
  const text = expectString(value, field)
  const base64 = normalizeBase64(text)
  if (base64 === null) {
    throw new InvalidFieldError(`${field} must be base64, got ${JSON.stringify(text.slice(0, 48))}`)
  }
  return base64
}

function isDecimalInteger(text: string): boolean {
  const start = text.charCodeAt(0) === 45 ? 1 : 0
  if (text.length === start) return false
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 48 || code > 57) return false
  }
  return true
}

function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new InvalidFieldError(`${field} must be a string, got ${describeType(value)}`)
  }
  return value
}

function expectBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidFieldError(`${field} must be a boolean, got ${describeType(value)}`)
  }
  return value
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'object':
      return 'an object'
    case 'string':
      return `the string ${JSON.stringify(value.length > 48 ? `${value.slice(0, 48)}…` : value)}`
    default:
      return `${typeof value} ${String(value)}`
  }
}
