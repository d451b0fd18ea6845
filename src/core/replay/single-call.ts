// Single model call: a stored model-call span becomes an editable OpenAI
// Chat Completions request again. The request keeps the system
// instructions, the offered tools, and every tool call and tool result with
// its id, so the call can go through the gateway again, to the mock or a
// real provider.

import type { JsonValue, SpanJson } from '../../shared/api'
import type { Message, MessagePart } from '../../shared/genai'
import { jsonAttribute } from './cassette'

type ChatMessage = { [key: string]: JsonValue }

function textOf(parts: MessagePart[]): string {
  return parts.flatMap((part) => (part.type === 'text' ? [part.content] : [])).join('')
}

function resultText(result: JsonValue): string {
  return typeof result === 'string' ? result : JSON.stringify(result)
}

function argumentsText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Converts one stored message to Chat Completions messages; tool results become `tool` messages. */
function chatMessages(message: Message): ChatMessage[] {
  const results = message.parts.flatMap((part) =>
    part.type === 'tool_result'
      ? [{ role: 'tool', tool_call_id: part.id ?? '', content: resultText(part.result) }]
      : [],
  )
  const text = textOf(message.parts)
  if (message.role === 'assistant') {
    const toolCalls = message.parts.flatMap((part) =>
      part.type === 'tool_call'
        ? [
            {
              id: part.id ?? '',
              type: 'function',
              function: { name: part.name, arguments: argumentsText(part.arguments) },
            },
          ]
        : [],
    )
    const assistant: ChatMessage = { role: 'assistant', content: text === '' ? null : text }
    if (toolCalls.length > 0) assistant.tool_calls = toolCalls
    return [assistant]
  }
  if (message.role === 'system') return [{ role: 'system', content: text }]
  // A user message can carry tool results (Anthropic's and pydantic-ai's shape) before its text.
  return text === ''
    ? results
    : [...results, { role: message.role === 'tool' ? 'user' : message.role, content: text }]
}

function asObject(value: JsonValue | undefined): { [key: string]: JsonValue } | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null
}

/** Reads the offered tools as Chat Completions function tools, from GenAI definitions or pydantic-ai's parameters. */
function chatTools(span: SpanJson): JsonValue[] {
  const toTool = (
    name: JsonValue | undefined,
    description: JsonValue | undefined,
    parameters: JsonValue | undefined,
  ) => ({
    type: 'function',
    function: {
      name: typeof name === 'string' ? name : '',
      ...(typeof description === 'string' ? { description } : {}),
      parameters: parameters ?? { type: 'object', properties: {} },
    },
  })
  const definitions = jsonAttribute(span, 'gen_ai.tool.definitions')
  if (Array.isArray(definitions)) {
    return definitions.flatMap((definition) => {
      const tool = asObject(definition)
      return tool ? [toTool(tool.name, tool.description, tool.parameters)] : []
    })
  }
  const parameters = asObject(jsonAttribute(span, 'model_request_parameters'))
  if (!parameters) return []
  const listed = [parameters.function_tools, parameters.output_tools].flatMap((list) =>
    Array.isArray(list) ? list : [],
  )
  return listed.flatMap((definition) => {
    const tool = asObject(definition)
    return tool ? [toTool(tool.name, tool.description, tool.parameters_json_schema)] : []
  })
}

/**
 * Rebuilds the request of a model-call span as a Chat Completions body.
 * Returns null when the span recorded no input messages.
 */
export function chatRequestOf(span: SpanJson): { [key: string]: JsonValue } | null {
  if (span.inputMessages === null) return null
  const messages: ChatMessage[] = []
  const instructions = span.systemInstructions === null ? '' : textOf(span.systemInstructions)
  if (instructions !== '') messages.push({ role: 'system', content: instructions })
  for (const message of span.inputMessages) messages.push(...chatMessages(message))
  const request: { [key: string]: JsonValue } = {
    model: span.model ?? String(span.attributes['gen_ai.request.model'] ?? 'gpt-4o-mini'),
    messages,
  }
  const tools = chatTools(span)
  if (tools.length > 0) request.tools = tools
  return request
}
