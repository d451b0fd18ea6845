// Reads a real provider's response to a forwarded call (a JSON body or a
// server-sent event stream) into the output that the call's span records.
// That output is the response id and model, the assistant message with its
// text and tool calls, the finish reasons and the token usage.

import type { JsonValue } from '../../shared/api'
import { isJsonObject, parseArguments, type GenAiPart, type JsonObject } from './conversation'
import type { CallOutput, GatewayApi } from './telemetry'

/** One server-sent event as received: its event name, if any, and its data lines joined. */
export interface ReceivedEvent {
  event: string | null
  data: string
}

/** Splits an event stream into its events; a final event without its blank line is kept. */
export function parseEventStream(text: string): ReceivedEvent[] {
  const events: ReceivedEvent[] = []
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    let event: string | null = null
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') })
  }
  return events
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return undefined
  }
}

function objects(events: ReceivedEvent[]): JsonObject[] {
  return events.map((event) => parseJson(event.data)).filter(isJsonObject)
}

function text(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null
}

function count(value: JsonValue | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function output(
  responseId: string | null,
  model: string | null,
  parts: GenAiPart[],
  finishReasons: string[],
  usage: { inputTokens: number; outputTokens: number },
): CallOutput | null {
  if (responseId === null && model === null && parts.length === 0) return null
  return {
    responseId: responseId ?? '',
    responseModel: model ?? '',
    messages: [{ role: 'assistant', parts, finish_reason: finishReasons[0] ?? '' }],
    finishReasons,
    usage,
  }
}

function chatCompletion(body: JsonObject): CallOutput | null {
  const choices = Array.isArray(body.choices) ? body.choices.filter(isJsonObject) : []
  const choice = choices[0]
  const message = isJsonObject(choice?.message) ? choice.message : {}
  const parts: GenAiPart[] = []
  const content = text(message.content)
  if (content !== null) parts.push({ type: 'text', content })
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isJsonObject(call) || !isJsonObject(call.function)) continue
    parts.push({
      type: 'tool_call',
      id: text(call.id) ?? '',
      name: text(call.function.name) ?? '',
      arguments: parseArguments(text(call.function.arguments) ?? ''),
    })
  }
  const usage = isJsonObject(body.usage) ? body.usage : {}
  return output(
    text(body.id),
    text(body.model),
    parts,
    choices.map((c) => text(c.finish_reason) ?? ''),
    { inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens) },
  )
}

/** Rebuilds a chat.completion from its chunks: the first choice's text and tool calls, and the usage chunk. */
function chatCompletionStream(chunks: JsonObject[]): CallOutput | null {
  let content: string | null = null
  const toolCalls = new Map<number, { id: string; name: string; arguments: string }>()
  let finish: string | null = null
  let usage: JsonObject = {}
  for (const chunk of chunks) {
    if (isJsonObject(chunk.usage)) usage = chunk.usage
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find(isJsonObject) : undefined
    if (!choice || (choice.index !== undefined && choice.index !== 0)) continue
    finish = text(choice.finish_reason) ?? finish
    const delta = isJsonObject(choice.delta) ? choice.delta : {}
    const piece = text(delta.content)
    if (piece !== null) content = (content ?? '') + piece
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (!isJsonObject(call)) continue
      const index = count(call.index)
      const known = toolCalls.get(index) ?? { id: '', name: '', arguments: '' }
      const fn = isJsonObject(call.function) ? call.function : {}
      known.id = text(call.id) ?? known.id
      known.name = text(fn.name) ?? known.name
      known.arguments += text(fn.arguments) ?? ''
      toolCalls.set(index, known)
    }
  }
  const first = chunks[0] ?? {}
  return chatCompletion({
    id: first.id ?? null,
    model: first.model ?? null,
    choices: [
      {
        message: {
          content,
          tool_calls: [...toolCalls.values()].map((call) => ({
            id: call.id,
            function: { name: call.name, arguments: call.arguments },
          })),
        },
        finish_reason: finish,
      },
    ],
    usage,
  })
}

function responsesObject(response: JsonObject): CallOutput | null {
  const parts: GenAiPart[] = []
  let calledTools = false
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (!isJsonObject(item)) continue
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isJsonObject(part) && part.type === 'output_text') {
          parts.push({ type: 'text', content: text(part.text) ?? '' })
        }
      }
    } else if (item.type === 'function_call') {
      calledTools = true
      parts.push({
        type: 'tool_call',
        id: text(item.call_id) ?? '',
        name: text(item.name) ?? '',
        arguments: parseArguments(text(item.arguments) ?? ''),
      })
    }
  }
  const usage = isJsonObject(response.usage) ? response.usage : {}
  let finish = calledTools ? 'tool_calls' : 'stop'
  if (response.status === 'incomplete') finish = 'length'
  return output(text(response.id), text(response.model), parts, [finish], {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
  })
}

/** Reads the final response object of a Responses stream from its completed, incomplete or failed event. */
function responsesStream(events: JsonObject[]): CallOutput | null {
  const final = events.findLast(
    (event) =>
      ['response.completed', 'response.incomplete', 'response.failed'].includes(
        text(event.type) ?? '',
      ) && isJsonObject(event.response),
  )
  return final ? responsesObject(final.response as JsonObject) : null
}

function anthropicMessage(message: JsonObject): CallOutput | null {
  const parts: GenAiPart[] = []
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isJsonObject(block)) continue
    if (block.type === 'text') parts.push({ type: 'text', content: text(block.text) ?? '' })
    if (block.type === 'tool_use') {
      parts.push({
        type: 'tool_call',
        id: text(block.id) ?? '',
        name: text(block.name) ?? '',
        arguments: block.input ?? {},
      })
    }
  }
  const usage = isJsonObject(message.usage) ? message.usage : {}
  // Anthropic counts cached input apart; Loupe's input count includes it.
  const input =
    count(usage.input_tokens) +
    count(usage.cache_read_input_tokens) +
    count(usage.cache_creation_input_tokens)
  return output(text(message.id), text(message.model), parts, [text(message.stop_reason) ?? ''], {
    inputTokens: input,
    outputTokens: count(usage.output_tokens),
  })
}

/** Rebuilds an Anthropic message from message_start, the content block events and message_delta. */
function anthropicStream(events: JsonObject[]): CallOutput | null {
  let message: JsonObject = {}
  const blocks: JsonObject[] = []
  const partialJson = new Map<number, string>()
  for (const event of events) {
    const index = count(event.index)
    if (event.type === 'message_start' && isJsonObject(event.message)) {
      message = { ...event.message }
    } else if (event.type === 'content_block_start' && isJsonObject(event.content_block)) {
      blocks[index] = { ...event.content_block }
    } else if (event.type === 'content_block_delta' && isJsonObject(event.delta)) {
      const block = blocks[index]
      if (!block) continue
      if (event.delta.type === 'text_delta') {
        block.text = (text(block.text) ?? '') + (text(event.delta.text) ?? '')
      } else if (event.delta.type === 'input_json_delta') {
        partialJson.set(
          index,
          (partialJson.get(index) ?? '') + (text(event.delta.partial_json) ?? ''),
        )
      }
    } else if (event.type === 'message_delta') {
      if (isJsonObject(event.delta)) message.stop_reason = event.delta.stop_reason ?? null
      if (isJsonObject(event.usage)) {
        message.usage = { ...(isJsonObject(message.usage) ? message.usage : {}), ...event.usage }
      }
    }
  }
  for (const [index, json] of partialJson) {
    const block = blocks[index]
    if (block) block.input = json === '' ? {} : parseArguments(json)
  }
  message.content = blocks.filter((block) => block !== undefined)
  return anthropicMessage(message)
}

/**
 * Reads the output of a forwarded call from the response body. Returns null
 * for an error status or a body that cannot be read, so that the span keeps
 * the status and the error instead.
 */
export function forwardedOutput(
  api: GatewayApi,
  status: number,
  body: Buffer,
  contentType: string,
): CallOutput | null {
  if (status >= 400) return null
  const bodyText = body.toString('utf8')
  if (contentType.includes('text/event-stream')) {
    const events = objects(parseEventStream(bodyText))
    if (api === 'openai.chat_completions') return chatCompletionStream(events)
    if (api === 'openai.responses') return responsesStream(events)
    return anthropicStream(events)
  }
  const parsed = parseJson(bodyText)
  if (!isJsonObject(parsed)) return null
  if (api === 'openai.chat_completions') return chatCompletion(parsed)
  if (api === 'openai.responses') return responsesObject(parsed)
  return anthropicMessage(parsed)
}

/** Reads the provider's error message from an error body, for the span's status message. */
export function forwardedErrorMessage(body: Buffer): { type: string | null; message: string } {
  const parsed = parseJson(body.toString('utf8'))
  const error = isJsonObject(parsed) && isJsonObject(parsed.error) ? parsed.error : null
  if (error) return { type: text(error.type), message: text(error.message) ?? '' }
  return { type: null, message: body.toString('utf8').slice(0, 500) }
}
