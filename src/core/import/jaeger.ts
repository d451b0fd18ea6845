// Converts a trace from Jaeger's query API (`GET /api/traces/<id>`, the
// JSON of Jaeger's UI model) into an OTLP/JSON export request, which Loupe
// then ingests like any other. It reverses the OpenTelemetry-to-Jaeger
// mapping of the OpenTelemetry Collector (pkg/translator/jaeger/README.md
// in opentelemetry-collector-contrib):
// - process serviceName and tags become the resource (service.name first);
// - span.kind, otel.status_code, otel.status_description, error (a bool),
//   otel.scope.name / otel.library.name and their versions, and
//   w3c.tracestate set the span's fields and are not kept as attributes;
// - the first CHILD_OF reference in the same trace is the parent. Without
//   one, the first FOLLOWS_FROM reference in the same trace is, since
//   OpenTracing clients use it for a causal parent. The other references
//   become links with their type in an opentracing.ref_type attribute;
// - logs become events named by their `event` field;
// - times in microseconds become nanoseconds, and 64-bit trace ids are
//   left-padded to 128 bits.

import { RemoteImportError } from './errors'

interface JaegerTag {
  key: string
  type?: string
  value: unknown
}

interface JaegerReference {
  refType?: string
  traceID?: string
  spanID?: string
}

interface JaegerSpan {
  traceID: string
  spanID: string
  parentSpanID?: string
  operationName?: string
  references?: JaegerReference[] | null
  startTime: number
  duration?: number
  flags?: number
  tags?: JaegerTag[] | null
  logs?: { timestamp: number; fields?: JaegerTag[] | null }[] | null
  processID?: string
  process?: JaegerProcess
}

interface JaegerProcess {
  serviceName?: string
  tags?: JaegerTag[] | null
}

interface JaegerTrace {
  spans?: JaegerSpan[] | null
  processes?: Record<string, JaegerProcess> | null
}

type OtlpValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string }

interface OtlpKeyValue {
  key: string
  value: OtlpValue
}

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  traceState: string
  flags: number
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: OtlpKeyValue[]
  events: { timeUnixNano: string; name: string; attributes: OtlpKeyValue[] }[]
  links: { traceId: string; spanId: string; attributes: OtlpKeyValue[] }[]
  status: { code: number; message: string }
}

/** OTLP/JSON export request body, as the converters build it. */
export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] }
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[]
  }[]
}

const SPAN_KINDS: Record<string, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
}

const STATUS_CODES: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 }

/**
 * Converts the response body of Jaeger's `GET /api/traces/<id>` into an
 * OTLP/JSON request. Throws RemoteImportError when it is not that shape or
 * contains no span.
 */
export function jaegerToOtlp(response: unknown, source: string): OtlpTraceRequest {
  const data = (response as { data?: unknown } | null)?.data
  if (!Array.isArray(data)) {
    throw new RemoteImportError(
      `${source} did not return a Jaeger trace: expected {"data": [...]} as Jaeger's /api/traces/<id> returns`,
      'response',
    )
  }
  const request: OtlpTraceRequest = { resourceSpans: [] }
  for (const trace of data as JaegerTrace[]) addTrace(request, trace, source)
  if (request.resourceSpans.length === 0) {
    throw new RemoteImportError(`${source} returned a Jaeger response with no spans`, 'not-found')
  }
  return request
}

function addTrace(request: OtlpTraceRequest, trace: JaegerTrace, source: string): void {
  const groups = new Map<string, OtlpTraceRequest['resourceSpans'][number]>()
  for (const span of trace.spans ?? []) {
    if (typeof span?.traceID !== 'string' || typeof span.spanID !== 'string') {
      throw new RemoteImportError(
        `${source} returned a Jaeger span without traceID or spanID`,
        'response',
      )
    }
    const processKey = span.processID ?? ''
    const process = span.process ?? trace.processes?.[processKey] ?? {}
    let group = groups.get(processKey)
    if (!group) {
      group = { resource: { attributes: resourceAttributes(process) }, scopeSpans: [] }
      groups.set(processKey, group)
      request.resourceSpans.push(group)
    }
    const { span: converted, scope } = convertSpan(span)
    let scopeGroup = group.scopeSpans.find(
      (entry) => entry.scope.name === scope.name && entry.scope.version === scope.version,
    )
    if (!scopeGroup) {
      scopeGroup = { scope, spans: [] }
      group.scopeSpans.push(scopeGroup)
    }
    scopeGroup.spans.push(converted)
  }
}

function resourceAttributes(process: JaegerProcess): OtlpKeyValue[] {
  const attributes = (process.tags ?? []).map(keyValue)
  if (process.serviceName) {
    return [
      { key: 'service.name', value: { stringValue: process.serviceName } },
      ...attributes.filter((attribute) => attribute.key !== 'service.name'),
    ]
  }
  return attributes
}

function convertSpan(span: JaegerSpan): {
  span: OtlpSpan
  scope: { name: string; version: string }
} {
  const traceId = padId(span.traceID, 32)
  const tags = new Map((span.tags ?? []).map((tag) => [tag.key, tag]))
  const take = (key: string): JaegerTag | undefined => {
    const tag = tags.get(key)
    tags.delete(key)
    return tag
  }
  const kindTag = take('span.kind')
  let kind = 0
  if (kindTag) {
    kind = SPAN_KINDS[String(kindTag.value).toLowerCase()] ?? 0
    if (kind === 0) tags.set(kindTag.key, kindTag)
  }
  const status = spanStatus(take('otel.status_code'), take('otel.status_description'), tags)
  const scopeName = take('otel.scope.name') ?? take('otel.library.name')
  const scopeVersion = take('otel.scope.version') ?? take('otel.library.version')
  take('otel.library.name')
  take('otel.library.version')
  const traceState = take('w3c.tracestate')
  const { parent, links } = parentAndLinks(span, traceId)
  const startNs = BigInt(Math.round(span.startTime)) * 1000n
  const endNs = startNs + BigInt(Math.round(span.duration ?? 0)) * 1000n
  return {
    scope: {
      name: scopeName === undefined ? '' : String(scopeName.value),
      version: scopeVersion === undefined ? '' : String(scopeVersion.value),
    },
    span: {
      traceId,
      spanId: padId(span.spanID, 16),
      parentSpanId: parent,
      traceState: traceState === undefined ? '' : String(traceState.value),
      flags: (span.flags ?? 0) & 1,
      name: span.operationName ?? '',
      kind,
      startTimeUnixNano: startNs.toString(),
      endTimeUnixNano: endNs.toString(),
      attributes: [...tags.values()].map(keyValue),
      events: (span.logs ?? []).map(logEvent),
      links,
      status,
    },
  }
}

/**
 * Returns the OTLP status from otel.status_code, or from a boolean `error`
 * tag when that is absent. A boolean `error` tag is removed from `tags`.
 */
function spanStatus(
  code: JaegerTag | undefined,
  description: JaegerTag | undefined,
  tags: Map<string, JaegerTag>,
): { code: number; message: string } {
  const message = description === undefined ? '' : String(description.value)
  const errorValue = tags.get('error')?.value
  let errorFlag: boolean | null = null
  if (errorValue === true || errorValue === 'true') errorFlag = true
  else if (errorValue === false || errorValue === 'false') errorFlag = false
  if (errorFlag !== null) tags.delete('error')
  if (code !== undefined) {
    return { code: STATUS_CODES[String(code.value).toUpperCase()] ?? 0, message }
  }
  return { code: errorFlag ? 2 : 0, message }
}

function parentAndLinks(
  span: JaegerSpan,
  traceId: string,
): { parent: string; links: OtlpSpan['links'] } {
  const references = (span.references ?? []).filter(
    (reference) => typeof reference.spanID === 'string' && typeof reference.traceID === 'string',
  )
  const sameTrace = (reference: JaegerReference) => padId(reference.traceID!, 32) === traceId
  const parentReference =
    references.find((reference) => reference.refType === 'CHILD_OF' && sameTrace(reference)) ??
    references.find((reference) => reference.refType === 'FOLLOWS_FROM' && sameTrace(reference))
  const links = references
    .filter((reference) => reference !== parentReference)
    .map((reference) => ({
      traceId: padId(reference.traceID!, 32),
      spanId: padId(reference.spanID!, 16),
      attributes: [
        {
          key: 'opentracing.ref_type',
          value: { stringValue: (reference.refType ?? 'CHILD_OF').toLowerCase() },
        },
      ],
    }))
  let parent = parentReference ? padId(parentReference.spanID!, 16) : ''
  // Old Jaeger versions give the parent in a field of its own.
  if (parent === '' && span.parentSpanID && !/^0*$/.test(span.parentSpanID)) {
    parent = padId(span.parentSpanID, 16)
  }
  return { parent, links }
}

function logEvent(log: {
  timestamp: number
  fields?: JaegerTag[] | null
}): OtlpSpan['events'][number] {
  const fields = log.fields ?? []
  const nameField = fields.find((field) => field.key === 'event' && typeof field.value === 'string')
  return {
    timeUnixNano: (BigInt(Math.round(log.timestamp)) * 1000n).toString(),
    // NOTE: a log without an `event` field gets the name "log", since OTLP events need a name to show.
    name: nameField ? String(nameField.value) : 'log',
    attributes: fields.filter((field) => field !== nameField).map(keyValue),
  }
}

function keyValue(tag: JaegerTag): OtlpKeyValue {
  return { key: tag.key, value: tagValue(tag) }
}

function tagValue(tag: JaegerTag): OtlpValue {
  const value = tag.value
  switch ((tag.type ?? '').toLowerCase()) {
    case 'bool':
      return { boolValue: value === true || value === 'true' }
    case 'int64':
      // NOTE: JSON.parse has already rounded integers beyond 2^53 that Jaeger sent as numbers.
      return { intValue: typeof value === 'number' ? Math.trunc(value).toString() : String(value) }
    case 'float64':
      return { doubleValue: Number(value) }
    case 'binary':
      return { bytesValue: String(value) }
    default:
      return { stringValue: typeof value === 'string' ? value : JSON.stringify(value) }
  }
}

/** Returns a hex id in lower case, left-padded with zeros to `length` digits. */
function padId(id: string, length: number): string {
  return id.toLowerCase().padStart(length, '0')
}
