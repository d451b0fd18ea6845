// The single-call page: reading the edited Chat Completions request, and
// the original and new replies in one shape so that they show side by side.
// Pure functions, so that unit tests run them without a DOM.

import type { JsonValue, SingleCallResult } from '../../shared/api'
import type { Message } from '../../shared/genai'

/** A model reply reduced to what the page compares: text, tool calls and finish reason. */
export interface CallReply {
  text: string | null
  toolCalls: { id: string | null; name: string; arguments: JsonValue }[]
  finishReason: string | null
}

/** A request read from the editor, or the reason the text is not one. */
export type ParsedRequest =
  { request: { [key: string]: JsonValue }; error: null } | { request: null; error: string }

/**
 * Reads the editor text as a Chat Completions request body: a JSON object
 * with a non-empty `messages` array. `stream` is ignored, because the core
 * sends the call without streaming.
 */
export function parseCallRequest(text: string): ParsedRequest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { request: null, error: `invalid JSON: ${(error as Error).message}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { request: null, error: 'the request must be a JSON object' }
  const request = value as { [key: string]: JsonValue }
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    return { request: null, error: 'the request needs a non-empty "messages" array' }
  return { request, error: null }
}

/** Reduces a span's output messages to one reply; null when the span recorded none. */
export function replyOfMessages(messages: Message[] | null): CallReply | null {
  if (messages === null || messages.length === 0) return null
  const texts: string[] = []
  const toolCalls: CallReply['toolCalls'] = []
  let finishReason: string | null = null
  for (const message of messages) {
    finishReason = message.finishReason ?? finishReason
    for (const part of message.parts) {
      if (part.type === 'text') texts.push(part.content)
      if (part.type === 'tool_call')
        toolCalls.push({ id: part.id, name: part.name, arguments: part.arguments })
    }
  }
  return { text: texts.length > 0 ? texts.join('') : null, toolCalls, finishReason }
}

/** The new call's reply, or the error the gateway or provider returned instead. */
export type CallOutcome = { reply: CallReply; error: null } | { reply: null; error: string }

/** Reads the Chat Completions response of `POST /api/calls` into a reply, or its error. */
export function replyOfCompletion(result: SingleCallResult): CallOutcome {
  const body = asObject(result.reply)
  if (result.status !== 200) {
    const error = asObject(body?.error ?? null)
    const message = typeof error?.message === 'string' ? error.message : JSON.stringify(body)
    return { reply: null, error: `HTTP ${result.status}: ${message}` }
  }
  const choices = body?.choices
  const choice = Array.isArray(choices) ? asObject(choices[0] ?? null) : null
  const message = asObject(choice?.message ?? null)
  if (message === null)
    return { reply: null, error: 'the response has no choices[0].message to show' }
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : []
  return {
    reply: {
      text: typeof message.content === 'string' ? message.content : null,
      toolCalls: toolCalls.flatMap((item) => {
        const toolCall = asObject(item)
        const fn = asObject(toolCall?.function ?? null)
        if (toolCall === null || fn === null) return []
        return [
          {
            id: typeof toolCall.id === 'string' ? toolCall.id : null,
            name: typeof fn.name === 'string' ? fn.name : '',
            arguments: parseArguments(fn.arguments ?? null),
          },
        ]
      }),
      finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    },
    error: null,
  }
}

/** Chat Completions sends tool arguments as JSON text; text that is not JSON stays a string. */
function parseArguments(value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value) as JsonValue
  } catch {
    return value
  }
}

function asObject(value: JsonValue): { [key: string]: JsonValue } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null
}

/** Formats a tool call as `name({"city":"Lisbon"})`. */
export function toolCallText(toolCall: CallReply['toolCalls'][number]): string {
  return `${toolCall.name}(${JSON.stringify(toolCall.arguments)})`
}
