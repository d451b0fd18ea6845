// Cassettes: the ordered model calls of a run, each with the fingerprint of
// its request and the model's reply, built from the spans Loupe stored. A
// run that went through the gateway is rebuilt from the gateway's call
// spans, because they show what the model really received and sent,
// retries included. Any other run is rebuilt from the model-call spans of
// its own instrumentation.

import { z } from 'zod'
import type { JsonValue, SpanJson } from '../../shared/api'
import type { Message } from '../../shared/genai'

export const CASSETTE_VERSION = 1

const toolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.json(),
})

const fingerprintSchema = z.object({
  /** The text of the last user message, or null when the request has none. */
  lastUserText: z.string().nullable(),
  /** The tool results sent since that message, as canonical JSON, in order. */
  toolResults: z.array(z.string()),
  /** The names of the offered tools, sorted; null when the trace did not record them. */
  tools: z.array(z.string()).nullable(),
})

const cassetteCallSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  model: z.string().nullable(),
  request: fingerprintSchema,
  reply: z
    .object({
      text: z.string().nullable(),
      toolCalls: z.array(toolCallSchema),
      finishReason: z.string().nullable(),
      inputTokens: z.number().int().min(0),
      outputTokens: z.number().int().min(0),
    })
    .nullable(),
  /** The error the call got instead of a reply, such as a 429 that the client retried. */
  error: z
    .object({ status: z.number().int(), type: z.string().nullable(), message: z.string() })
    .nullable(),
})

export const cassetteSchema = z.object({
  version: z.literal(CASSETTE_VERSION),
  source: z.object({
    /** `gateway` for calls that went through the gateway, `trace` for the agent's own spans. */
    kind: z.enum(['gateway', 'trace']),
    runId: z.string().nullable(),
    traceIds: z.array(z.string()),
  }),
  calls: z.array(cassetteCallSchema),
})

export type Cassette = z.infer<typeof cassetteSchema>
export type CassetteCall = z.infer<typeof cassetteCallSchema>
export type Fingerprint = z.infer<typeof fingerprintSchema>

/** A run or trace that cannot be replayed, with the reasons and what to change. */
export class CassetteError extends Error {
  override name = 'CassetteError'

  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`)
  }
}

/** Returns JSON text with sorted keys, so that equal values compare equal as text. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** Canonical text of a tool result: JSON text sent as a string counts as the value it encodes. */
export function canonicalResult(result: JsonValue): string {
  if (typeof result === 'string') {
    try {
      return canonicalJson(JSON.parse(result) as JsonValue)
    } catch {
      return JSON.stringify(result)
    }
  }
  return canonicalJson(result)
}

/** A message reduced to what fingerprints read: user text and tool results. */
export interface FingerprintMessage {
  role: string
  texts: string[]
  toolResults: JsonValue[]
}

/**
 * Computes the fingerprint of a request from its messages: the last user
 * message's text, and the tool results sent after it.
 */
export function fingerprintOf(messages: FingerprintMessage[], tools: string[] | null): Fingerprint {
  let lastUser = -1
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!
    if (message.role === 'user' && message.texts.length > 0) {
      lastUser = index
      break
    }
  }
  const toolResults: string[] = []
  for (const message of messages.slice(lastUser + 1)) {
    for (const result of message.toolResults) toolResults.push(canonicalResult(result))
  }
  // A user message can carry tool results before its text (pydantic-ai sends retry prompts that way).
  if (lastUser >= 0) {
    for (const result of messages[lastUser]!.toolResults)
      toolResults.unshift(canonicalResult(result))
  }
  return {
    lastUserText: lastUser >= 0 ? messages[lastUser]!.texts.join('\n') : null,
    toolResults,
    tools: tools === null ? null : [...tools].sort(),
  }
}

/** Reduces stored GenAI messages to what fingerprints read. */
export function storedFingerprintMessages(messages: Message[]): FingerprintMessage[] {
  return messages.map((message) => ({
    role: message.role,
    texts: message.parts.flatMap((part) => (part.type === 'text' ? [part.content] : [])),
    toolResults: message.parts.flatMap((part) =>
      part.type === 'tool_result' ? [part.result] : [],
    ),
  }))
}

/** Reads an attribute whose value is JSON text (or already a value); undefined when absent or not JSON. */
export function jsonAttribute(span: SpanJson, key: string): JsonValue | undefined {
  const value = span.attributes[key]
  if (typeof value !== 'string') return value as JsonValue | undefined
  try {
    return JSON.parse(value) as JsonValue
  } catch {
    return undefined
  }
}

/** Reads the offered tool names from the OTel GenAI tool definitions or pydantic-ai's request parameters. */
function offeredTools(span: SpanJson): string[] | null {
  const parse = (key: string) => jsonAttribute(span, key)
  const names = (list: JsonValue | undefined): string[] =>
    Array.isArray(list)
      ? list.flatMap((tool) =>
          tool !== null &&
          typeof tool === 'object' &&
          !Array.isArray(tool) &&
          typeof tool.name === 'string'
            ? [tool.name]
            : [],
        )
      : []
  const definitions = parse('gen_ai.tool.definitions')
  if (Array.isArray(definitions)) return names(definitions)
  const parameters = parse('model_request_parameters')
  if (parameters !== null && typeof parameters === 'object' && !Array.isArray(parameters)) {
    return [...names(parameters.function_tools), ...names(parameters.output_tools)]
  }
  return null
}

function isGatewaySpan(span: SpanJson): boolean {
  return span.attributes['loupe.gateway.api'] !== undefined
}

function byStart(a: SpanJson, b: SpanJson): number {
  const difference = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)
  if (difference < 0n) return -1
  return difference > 0n ? 1 : 0
}

/** Returns the model calls of the spans: gateway calls when any exist, else the outermost model spans. */
export function modelCallSpans(spans: SpanJson[]): {
  kind: 'gateway' | 'trace'
  spans: SpanJson[]
} {
  const gateway = spans.filter(isGatewaySpan)
  if (gateway.length > 0) return { kind: 'gateway', spans: gateway.sort(byStart) }
  const byId = new Map(spans.map((span) => [span.spanId, span]))
  const hasModelAncestor = (span: SpanJson): boolean => {
    const seen = new Set<string>()
    let parent = span.parentSpanId
    while (parent !== null && !seen.has(parent)) {
      seen.add(parent)
      const ancestor = byId.get(parent)
      if (!ancestor) return false
      if (ancestor.kind === 'model') return true
      parent = ancestor.parentSpanId
    }
    return false
  }
  const calls = spans.filter((span) => span.kind === 'model' && !hasModelAncestor(span))
  return { kind: 'trace', spans: calls.sort(byStart) }
}

const CONTENT_HINT =
  'record the run through the gateway (`loupe run --record` or `--mock`), or turn on content capture in the ' +
  "agent's instrumentation (Logfire and pydantic-ai capture it by default; for OpenTelemetry GenAI " +
  'instrumentations set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)'

/**
 * Builds the cassette of a run or trace from its spans (with GenAI content).
 * Throws a CassetteError saying why when a call cannot be replayed.
 */
export function buildCassette(
  spans: SpanJson[],
  source: { runId: string | null; traceIds: string[] },
): Cassette {
  const { kind, spans: callSpans } = modelCallSpans(spans)
  if (callSpans.length === 0) {
    throw new CassetteError('nothing to replay', [
      `no model call was found in ${source.traceIds.length === 1 ? 'the trace' : `${source.traceIds.length} traces`}; ` +
        'the agent made no model calls, or its instrumentation records none',
    ])
  }
  const problems: string[] = []
  const calls = callSpans.map((span, index): CassetteCall => {
    const where = `model call ${index + 1} (span ${span.spanId})`
    const status = span.attributes['http.response.status_code']
    const failed = span.status === 'error' && (typeof status !== 'number' || status >= 400)
    if (span.inputMessages === null)
      problems.push(`${where} has no input messages: ${CONTENT_HINT}`)
    const request = fingerprintOf(
      storedFingerprintMessages(span.inputMessages ?? []),
      offeredTools(span),
    )
    const common = { traceId: span.traceId, spanId: span.spanId, model: span.model, request }
    if (failed) {
      return {
        ...common,
        reply: null,
        error: {
          status: typeof status === 'number' ? status : 500,
          type:
            typeof span.attributes['error.type'] === 'string'
              ? span.attributes['error.type']
              : null,
          message: span.statusMessage || span.error?.message || 'the model call failed',
        },
      }
    }
    const output =
      span.outputMessages?.find((message) => message.role === 'assistant') ??
      span.outputMessages?.[0]
    if (!output) {
      problems.push(`${where} has no output message: ${CONTENT_HINT}`)
      return { ...common, reply: null, error: null }
    }
    const texts = output.parts.flatMap((part) => (part.type === 'text' ? [part.content] : []))
    const toolCalls = output.parts.flatMap((part) =>
      part.type === 'tool_call'
        ? [
            {
              id: part.id ?? `call_replay_${index}_${part.name}`,
              name: part.name,
              arguments: part.arguments,
            },
          ]
        : [],
    )
    if (output.parts.some((part) => part.type === 'other' || part.type === 'media')) {
      problems.push(
        `${where} has output parts that Loupe cannot replay (${output.parts
          .filter((part) => part.type === 'other' || part.type === 'media')
          .map((part) => (part.type === 'other' ? part.originalType : part.modality))
          .join(', ')})`,
      )
    }
    return {
      ...common,
      reply: {
        text: texts.length > 0 ? texts.join('') : null,
        toolCalls,
        finishReason: output.finishReason,
        inputTokens: span.inputTokens ?? 0,
        outputTokens: span.outputTokens ?? 0,
      },
      error: null,
    }
  })
  if (problems.length > 0) throw new CassetteError('the run cannot be replayed', problems)
  return { version: CASSETTE_VERSION, source: { kind, ...source }, calls }
}

/** A change to one recorded reply, for a fork: the fields given replace the recorded ones. */
export const replyEditSchema = z
  .strictObject({
    spanId: z.string().min(1),
    text: z.string().nullable().optional(),
    toolCalls: z
      .array(
        z.strictObject({
          id: z.string().optional(),
          name: z.string().min(1),
          arguments: z.json().default({}),
        }),
      )
      .optional(),
  })
  .refine((change) => change.text !== undefined || change.toolCalls !== undefined, {
    message: 'an edit changes "text", "toolCalls" or both; this one has neither',
  })

export type ReplyEdit = z.infer<typeof replyEditSchema>

/**
 * Returns the cassette with the edits applied. Tool calls without an id
 * keep the id of the recorded call at the same position, so the agent's
 * tool results still pair with them. Throws a CassetteError for an edit of
 * a span that is not a recorded reply.
 */
export function applyEdits(cassette: Cassette, edits: ReplyEdit[]): Cassette {
  const calls = cassette.calls.map((call) => ({ ...call }))
  const problems: string[] = []
  for (const change of edits) {
    const index = calls.findIndex((call) => call.spanId === change.spanId)
    const call = calls[index]
    if (!call) {
      problems.push(
        `span ${change.spanId} is not a model call of the recording; its calls are ${calls.map((c) => c.spanId).join(', ')}`,
      )
      continue
    }
    if (!call.reply) {
      problems.push(
        `span ${change.spanId} recorded an error, not a reply, so it has nothing to edit`,
      )
      continue
    }
    const recordedIds = call.reply.toolCalls.map((toolCall) => toolCall.id)
    calls[index] = {
      ...call,
      reply: {
        ...call.reply,
        text: change.text === undefined ? call.reply.text : change.text,
        toolCalls:
          change.toolCalls === undefined
            ? call.reply.toolCalls
            : change.toolCalls.map((toolCall, position) => ({
                id:
                  toolCall.id ?? recordedIds[position] ?? `call_fork_${index + 1}_${position + 1}`,
                name: toolCall.name,
                arguments: toolCall.arguments as JsonValue,
              })),
      },
    }
  }
  if (problems.length > 0) throw new CassetteError('the edits cannot be applied', problems)
  return { ...cassette, calls }
}

/** Reads a cassette file's JSON; throws a CassetteError naming each invalid field. */
export function parseCassette(value: unknown, name: string): Cassette {
  const parsed = cassetteSchema.safeParse(value)
  if (parsed.success) return parsed.data
  throw new CassetteError(
    `${name} is not a Loupe cassette`,
    parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    ),
  )
}
