// The span that the gateway stores for each model call, with the OTel GenAI
// semantic-convention attributes (gen_ai.*) that Loupe's normalizer reads
// for model calls. Its parent is the caller's traceparent when sent, else
// the run's root span, else nothing (a new trace).

import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { JsonValue } from '../../shared/api'
import { createAttributes, setAttribute } from '../otlp/attributes'
import type { Attributes, DecodedTraces } from '../otlp/model'
import type { GenAiMessage, ModelCall } from './conversation'
import type { GatewayMode } from './types'

/** The provider API a call used, stored as `loupe.gateway.api`. */
export type GatewayApi = 'openai.chat_completions' | 'openai.responses' | 'anthropic.messages'

export const GATEWAY_SERVICE_NAME = 'loupe-gateway'
const SCOPE_NAME = 'loupe.gateway'
/** OTLP SpanKind SERVER: the gateway receives the call as the provider's server would. */
const SPAN_KIND_SERVER = 2
const STATUS_ERROR = 2

export interface CallOutput {
  responseId: string
  responseModel: string
  messages: GenAiMessage[]
  finishReasons: string[]
  usage: { inputTokens: number; outputTokens: number }
}

/** Everything the span of one call records. */
export interface CallRecord {
  api: GatewayApi
  provider: 'openai' | 'anthropic'
  mode: GatewayMode
  runId: string | null
  method: string
  path: string
  /** The request's model, when the body named one. */
  requestModel: string | null
  /** The parsed request, or null when it could not be read. */
  call: ModelCall | null
  output: CallOutput | null
  status: number
  /** The provider's error type (`invalid_request_error`), for a failed call. */
  errorType: string | null
  errorMessage: string | null
  /** True when the answer did not reach the client whole (a fault, or the client closing the connection). */
  failed: boolean
  /** The scenario turn that answered, or null for the automatic mock. */
  scenario: { name: string; turn: number } | null
  /** The origin a forwarded call went to, or null for the mock. */
  upstream: string | null
  /** The recorded call this call replayed, or null. */
  replayed?: { source: string; index: number; spanId: string } | null
  /** The client's headers among RECORDED_REQUEST_HEADERS, by lower-case name. */
  requestHeaders?: Record<string, string>
  /** The response's headers among RECORDED_RESPONSE_HEADERS, by lower-case name. */
  responseHeaders?: Record<string, string>
  startNs: bigint
  endNs: bigint
}

/**
 * Request headers in which the Stainless-generated SDKs (the openai SDKs for
 * Python and Node, the anthropic SDK for Python) send their timeout in seconds
 * and the number of the retry.
 * The span records them so that `loupe check` can read the client's settings.
 */
export const RECORDED_REQUEST_HEADERS = [
  'x-stainless-timeout',
  'x-stainless-read-timeout',
  'x-stainless-retry-count',
] as const

/** Response headers that tell the client how long to wait before it retries. */
export const RECORDED_RESPONSE_HEADERS = ['retry-after', 'retry-after-ms'] as const

/** Returns the headers among `names` that are present, by lower-case name. */
export function pickHeaders(
  headers: IncomingHttpHeaders | Record<string, string> | null,
  names: readonly string[],
): Record<string, string> {
  const picked: Record<string, string> = {}
  if (headers === null) return picked
  const byLowerName = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') byLowerName.set(name.toLowerCase(), value)
    else if (Array.isArray(value) && value.length > 0)
      byLowerName.set(name.toLowerCase(), value.join(', '))
  }
  for (const name of names) {
    const value = byLowerName.get(name)
    if (value !== undefined) picked[name] = value
  }
  return picked
}

export interface SpanParent {
  traceId: string
  /** Null for a root span in a new trace. */
  spanId: string | null
  traceState: string
}

function setDouble(attributes: Attributes, key: string, value: number): void {
  // An integral double would read back as an integer, so its OTLP type is kept.
  setAttribute(attributes, key, value, Number.isInteger(value) ? { doubleValue: value } : null)
}

function setJson(attributes: Attributes, key: string, value: JsonValue): void {
  setAttribute(attributes, key, JSON.stringify(value), null)
}

function requestAttributes(attributes: Attributes, call: ModelCall): void {
  if (call.maxOutputTokens !== null) {
    setAttribute(attributes, 'gen_ai.request.max_tokens', call.maxOutputTokens, null)
  }
  if (call.temperature !== null)
    setDouble(attributes, 'gen_ai.request.temperature', call.temperature)
  if (call.topP !== null) setDouble(attributes, 'gen_ai.request.top_p', call.topP)
  if (call.seed !== null) setAttribute(attributes, 'gen_ai.request.seed', call.seed, null)
  if (call.stopSequences.length > 0) {
    setAttribute(attributes, 'gen_ai.request.stop_sequences', call.stopSequences, null)
  }
  setAttribute(
    attributes,
    'gen_ai.output.type',
    call.output.type === 'text' ? 'text' : 'json',
    null,
  )
  setAttribute(attributes, 'loupe.gateway.stream', call.stream, null)
  if (call.systemInstructions.length > 0) {
    setJson(attributes, 'gen_ai.system_instructions', call.systemInstructions)
  }
  setJson(attributes, 'gen_ai.input.messages', call.messages as unknown as JsonValue)
  if (call.tools.length > 0) {
    setJson(
      attributes,
      'gen_ai.tool.definitions',
      call.tools.map((tool) => ({
        type: 'function',
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
      })),
    )
  }
}

/** Builds the one-span batch that records a gateway call. */
export function callSpan(record: CallRecord, parent: SpanParent): DecodedTraces {
  const attributes = createAttributes()
  const model = record.requestModel
  setAttribute(attributes, 'gen_ai.operation.name', 'chat', null)
  setAttribute(attributes, 'gen_ai.provider.name', record.provider, null)
  if (model !== null) setAttribute(attributes, 'gen_ai.request.model', model, null)
  if (record.call) requestAttributes(attributes, record.call)
  const output = record.output
  if (output) {
    setAttribute(attributes, 'gen_ai.response.id', output.responseId, null)
    setAttribute(attributes, 'gen_ai.response.model', output.responseModel, null)
    setAttribute(attributes, 'gen_ai.response.finish_reasons', output.finishReasons, null)
    setJson(attributes, 'gen_ai.output.messages', output.messages as unknown as JsonValue)
    setAttribute(attributes, 'gen_ai.usage.input_tokens', output.usage.inputTokens, null)
    setAttribute(attributes, 'gen_ai.usage.output_tokens', output.usage.outputTokens, null)
  }
  setAttribute(attributes, 'http.request.method', record.method, null)
  setAttribute(attributes, 'url.path', record.path, null)
  setAttribute(attributes, 'http.response.status_code', record.status, null)
  const failed = record.failed || record.status >= 400
  if (failed) {
    setAttribute(attributes, 'error.type', record.errorType ?? String(record.status), null)
  }
  if (record.replayed) {
    setAttribute(attributes, 'loupe.replay.source', record.replayed.source, null)
    setAttribute(attributes, 'loupe.replay.index', record.replayed.index, null)
    setAttribute(attributes, 'loupe.replay.span_id', record.replayed.spanId, null)
  }
  if (record.upstream !== null) {
    setAttribute(attributes, 'loupe.gateway.upstream', record.upstream, null)
  }
  // OTel semantic conventions record header values as string arrays under these keys.
  for (const [name, value] of Object.entries(record.requestHeaders ?? {})) {
    setAttribute(attributes, `http.request.header.${name}`, [value], null)
  }
  for (const [name, value] of Object.entries(record.responseHeaders ?? {})) {
    setAttribute(attributes, `http.response.header.${name}`, [value], null)
  }
  if (record.scenario) {
    setAttribute(attributes, 'loupe.gateway.scenario', record.scenario.name, null)
    setAttribute(attributes, 'loupe.gateway.scenario.turn', record.scenario.turn, null)
  }
  setAttribute(attributes, 'loupe.gateway.api', record.api, null)
  setAttribute(attributes, 'loupe.gateway.mode', record.mode, null)
  if (record.runId !== null) setAttribute(attributes, 'loupe.run.id', record.runId, null)

  const resourceAttributes = createAttributes()
  setAttribute(resourceAttributes, 'service.name', GATEWAY_SERVICE_NAME, null)
  // The store links a trace to a run through this resource attribute.
  if (record.runId !== null) setAttribute(resourceAttributes, 'loupe.run.id', record.runId, null)

  return {
    groups: [
      {
        resource: { attributes: resourceAttributes, droppedAttributesCount: 0, schemaUrl: '' },
        scope: {
          name: SCOPE_NAME,
          version: '',
          attributes: createAttributes(),
          droppedAttributesCount: 0,
          schemaUrl: '',
        },
        spans: [
          {
            traceId: parent.traceId,
            spanId: randomBytes(8).toString('hex'),
            parentSpanId: parent.spanId,
            traceState: parent.traceState,
            flags: 1,
            name: model ? `chat ${model}` : 'chat',
            kind: SPAN_KIND_SERVER,
            startTimeUnixNano: record.startNs,
            endTimeUnixNano: record.endNs,
            attributes,
            droppedAttributesCount: 0,
            events: [],
            droppedEventsCount: 0,
            links: [],
            droppedLinksCount: 0,
            statusCode: failed ? STATUS_ERROR : 0,
            statusMessage: failed ? (record.errorMessage ?? '') : '',
          },
        ],
      },
    ],
    rejectedSpans: 0,
    errors: [],
  }
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex')
}

/** The Unix time of the monotonic clock's zero, so span times have sub-millisecond precision. */
const CLOCK_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()

/** Returns the current time in nanoseconds since the Unix epoch. */
export function nowUnixNano(): bigint {
  return process.hrtime.bigint() + CLOCK_OFFSET_NS
}
