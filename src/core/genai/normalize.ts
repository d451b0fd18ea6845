// Normalization of one span: from its raw attributes and events to Loupe's
// model (kind, names, messages, tool call, tokens, recorded error). What
// needs the whole trace (error origins, run totals) happens in rollup.ts.

import type { AttributeMap, JsonValue } from '../../shared/api'
import type { Convention, OperationKind, TokenUsage } from '../../shared/genai'
import type { StoredEvent } from '../store/queries'
import { detectConvention, detectKind } from './detect'
import { isControlFlow, isRetryError, type RecordedError } from './errors'
import { conversationKeys, readConversation, type Conversation, type GenAiEvent } from './messages'
import { readUsage } from './usage'
import { jsonAt, numberAt, stringAt } from './values'

/** Raise this when normalization changes, so that stored spans are normalized again. */
export const NORMALIZER_VERSION = 2

export interface SpanInput {
  name: string
  scopeName: string
  attributes: AttributeMap
  events: StoredEvent[]
  statusCode: number
  statusMessage: string
  /** The OTLP span kind (3 is CLIENT), when known. */
  spanKind?: number
  /** GenAI events sent as OTLP log records with this span's ids (older conventions). */
  logEvents?: GenAiEvent[]
}

export interface NormalizedSpan {
  kind: OperationKind
  convention: Convention
  title: string
  provider: string | null
  model: string | null
  agentName: string | null
  toolName: string | null
  toolCallId: string | null
  toolArguments: JsonValue | null
  toolResult: JsonValue | null
  conversation: Conversation
  usage: TokenUsage
  sdkCostUsd: number | null
  serverAddress: string | null
  /** The error the span recorded, or null when it succeeded. */
  error: RecordedError | null
  /** A failed tool attempt that the model was asked to retry, or a deferred tool call. */
  retried: boolean
  /** Logfire's level number (9 info, 13 warn, 17 error), when sent. */
  level: number | null
  /** Logfire's `logfire.span_type` ('span', 'log'), when sent. */
  spanType: string | null
  inspector: Inspection
}

/** OTLP SpanKind CLIENT. */
const SPAN_KIND_CLIENT = 3

const PROVIDER_KEYS = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system']
export const MODEL_KEYS = [
  'gen_ai.response.model',
  'gen_ai.request.model',
  'ai.response.model',
  'ai.model.id',
  'llm.response.model_name',
  'llm.model_name',
  'llm.request.model_name',
  'model_name',
]
export const AGENT_KEYS = [
  'gen_ai.agent.name',
  'agent_name',
  'ai.telemetry.functionId',
  'agent.name',
]
export const TOOL_NAME_KEYS = ['gen_ai.tool.name', 'ai.toolCall.name', 'tool.name']
const TOOL_ID_KEYS = ['gen_ai.tool.call.id', 'ai.toolCall.id', 'tool.id', 'tool_call.id']
const TOOL_ARGUMENT_KEYS = ['gen_ai.tool.call.arguments', 'tool_arguments', 'ai.toolCall.args']
const TOOL_RESULT_KEYS = ['gen_ai.tool.call.result', 'tool_response', 'ai.toolCall.result']
const COST_KEYS = ['operation.cost', 'llm.cost.total']

/** GenAI keys that are understood though not mapped to a field (settings, ids, timings). */
const KNOWN_PATTERNS: RegExp[] = [
  /^gen_ai\.(operation\.name|conversation\.id|agent\.(call\.)?id|agent\.description|output\.type|tool\.(type|description|definitions)|data_source\.id|workflow\.name|evaluation\..*)$/,
  /^gen_ai\.request\./,
  /^gen_ai\.response\./,
  /^gen_ai\.usage\.(details\.|total_tokens|input_token_details|output_token_details)/,
  /^gen_ai\.aggregated_usage\./,
  /^gen_ai\.client\./,
  /^gen_ai\.execute_tool\./,
  /^gen_ai\.(prompt|completion)(\.\d+\..*)?$/,
  /^gen_ai\.is_streaming$/,
  /^gen_ai\.openai\./,
  /^ai\.(operationId|telemetry\.|settings\.|request\.headers\.|prompt(\.|$)|response\.|usage\.|model\.|toolCall\.|schema|stream\.)/,
  /^llm\.(invocation_parameters|tools\.|finish_reason|prompt_template\.|token_count\.|cost\.|input_messages\.|output_messages\.|request\.|usage\.|is_streaming|openai\.)/,
]

/** The keys whose meaning Loupe reads, for the ingest inspector. */
const MAPPED_KEYS = new Set([
  ...PROVIDER_KEYS,
  ...MODEL_KEYS,
  ...AGENT_KEYS,
  ...TOOL_NAME_KEYS,
  ...TOOL_ID_KEYS,
  ...TOOL_ARGUMENT_KEYS,
  ...TOOL_RESULT_KEYS,
  ...COST_KEYS,
  'ai.model.provider',
  'gen_ai.operation.name',
  'ai.operationId',
  'input.value',
  'output.value',
])

export interface Inspection {
  mapped: string[]
  unknown: string[]
  truncated: { key: string; note: string }[]
}

/** JSON-valued keys whose text does not parse: the SDK or the wire cut it. */
function findTruncated(attributes: AttributeMap): Inspection['truncated'] {
  const truncated: Inspection['truncated'] = []
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') continue
    // Every span goes through this, so test cheaply before parsing: JSON
    // that starts like an array or object must end like one.
    const start = value.trimStart()[0]
    if (start !== '[' && start !== '{') continue
    const end = value.trimEnd().at(-1)
    if ((start === '[' && end === ']') || (start === '{' && end === '}')) continue
    if (!/^(gen_ai|ai|llm|pydantic_ai|tool_|input\.value|output\.value|traceloop)/.test(key))
      continue
    try {
      JSON.parse(value)
    } catch {
      truncated.push({
        key,
        note: `JSON text of ${value.length} characters does not parse; it was probably cut`,
      })
    }
  }
  return truncated
}

function inspect(attributes: AttributeMap, read: string[]): Inspection {
  const mapped = new Set(read)
  const unknown: string[] = []
  for (const key of Object.keys(attributes)) {
    if (!/^(gen_ai|ai|llm)\./.test(key)) continue
    if (MAPPED_KEYS.has(key)) mapped.add(key)
    else if (!mapped.has(key) && !KNOWN_PATTERNS.some((pattern) => pattern.test(key)))
      unknown.push(key)
  }
  return {
    mapped: [...mapped].sort(),
    unknown: unknown.sort(),
    truncated: findTruncated(attributes),
  }
}

/**
 * Returns the error a span recorded: its last exception event, else its
 * `error.type` or error status, or null when it recorded none.
 */
export function recordedError(span: SpanInput): RecordedError | null {
  const exceptions = span.events.filter((event) => event.name === 'exception')
  const last = exceptions[exceptions.length - 1]
  if (last) {
    return {
      type: stringAt(last.attributes, 'exception.type'),
      message: stringAt(last.attributes, 'exception.message'),
      stacktrace: stringAt(last.attributes, 'exception.stacktrace'),
    }
  }
  const errorType = stringAt(span.attributes, 'error.type')
  // An HTTP client span, or a call the Loupe gateway answered, failed with the status of its response.
  const calledOut =
    span.spanKind === SPAN_KIND_CLIENT || span.attributes['loupe.gateway.api'] !== undefined
  const status = span.attributes['http.response.status_code'] ?? span.attributes['http.status_code']
  const httpStatus = calledOut && typeof status === 'number' && status >= 400 ? status : null
  if (span.statusCode === 2 || errorType) {
    // Logfire and the OTel SDKs write "<Type>: <message>" into the status when they record an exception.
    const match =
      /^([A-Za-z_][\w.]*(?:Error|Exception|Exceeded|Behavior|Timeout)): ([\s\S]*)$/.exec(
        span.statusMessage,
      )
    return {
      type: errorType ?? (match ? match[1]! : null),
      message: match ? match[2]! : span.statusMessage || null,
      stacktrace: null,
      httpStatus,
    }
  }
  return null
}

function providerOf(attributes: AttributeMap): string | null {
  // The AI SDK names providers by API ("anthropic.messages", "openai.chat")
  // and copies that into gen_ai.system, so its prefix is the provider.
  const aiProvider = stringAt(attributes, 'ai.model.provider')
  if (aiProvider) return aiProvider.split('.')[0]!
  return stringAt(attributes, ...PROVIDER_KEYS)
}

export interface NormalizeOptions {
  /**
   * Parse messages (the largest attributes). The background normalizer turns
   * this off, because it stores no messages: they are read again when a span
   * is shown.
   */
  content?: boolean
}

export function normalizeSpan(span: SpanInput, options: NormalizeOptions = {}): NormalizedSpan {
  const a = span.attributes
  const identity = { name: span.name, scopeName: span.scopeName, attributes: a }
  const convention = detectConvention(identity)
  const kind = detectKind(identity)
  const genAiEvents: GenAiEvent[] = [
    ...span.events
      .filter((event) => event.name.startsWith('gen_ai.'))
      .map((event) => ({ name: event.name, fields: event.attributes as GenAiEvent['fields'] })),
    ...(span.logEvents ?? []),
  ]
  const conversation =
    options.content === false
      ? {
          systemInstructions: null,
          inputMessages: null,
          outputMessages: null,
          sources: conversationKeys(a),
        }
      : readConversation(a, convention, genAiEvents)
  const isModel = kind === 'model'
  const usage = isModel
    ? readUsage(a)
    : {
        usage: { input: null, output: null, cacheRead: null, cacheWrite: null, reasoning: null },
        sources: [],
      }
  const isTool = kind === 'tool'
  const openInferenceTool = isTool && a['openinference.span.kind'] === 'TOOL'
  const traceloopTool = isTool && a['traceloop.span.kind'] === 'tool'
  const error = recordedError(span)
  const retried = isTool && error !== null && (isRetryError(error) || isControlFlow(error))
  return {
    kind,
    convention,
    title: stringAt(a, 'logfire.msg') ?? span.name,
    provider: providerOf(a),
    model: stringAt(a, ...MODEL_KEYS),
    agentName:
      stringAt(a, ...AGENT_KEYS) ??
      (kind === 'agent' ? stringAt(a, 'traceloop.entity.name') : null),
    toolName: isTool
      ? (stringAt(a, ...TOOL_NAME_KEYS) ??
        (traceloopTool ? stringAt(a, 'traceloop.entity.name') : null))
      : null,
    toolCallId: isTool ? stringAt(a, ...TOOL_ID_KEYS) : null,
    toolArguments: isTool
      ? (jsonAt(a, ...TOOL_ARGUMENT_KEYS) ??
        (openInferenceTool ? jsonAt(a, 'input.value') : null) ??
        (traceloopTool ? jsonAt(a, 'traceloop.entity.input') : null))
      : null,
    toolResult: isTool
      ? (jsonAt(a, ...TOOL_RESULT_KEYS) ??
        (openInferenceTool ? jsonAt(a, 'output.value') : null) ??
        (traceloopTool ? jsonAt(a, 'traceloop.entity.output') : null))
      : null,
    conversation,
    usage: usage.usage,
    sdkCostUsd: isModel ? numberAt(a, ...COST_KEYS) : null,
    serverAddress: stringAt(a, 'server.address'),
    error,
    retried,
    level: numberAt(a, 'logfire.level_num'),
    spanType: stringAt(a, 'logfire.span_type'),
    inspector: inspect(a, [...conversation.sources, ...usage.sources]),
  }
}
