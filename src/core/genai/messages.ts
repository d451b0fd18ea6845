// Conversation content of a span, from whichever form its SDK used, mapped
// to Loupe's Message and MessagePart types. Whether a part is a tool result
// is decided by its type, never by its message's role: pydantic-ai sends
// tool results in "user" messages.

import type { AttributeMap, JsonValue } from '../../shared/api'
import type { Convention, Message, MessagePart } from '../../shared/genai'
import {
  asString,
  collectIndexed,
  indexedToArray,
  isObject,
  jsonAt,
  parseJsonish,
  stringAt,
} from './values'

export interface Conversation {
  systemInstructions: MessagePart[] | null
  inputMessages: Message[] | null
  outputMessages: Message[] | null
  /** Attribute keys the messages were read from (for the ingest inspector). */
  sources: string[]
}

type JsonObject = { [key: string]: JsonValue }

function textPart(content: string): MessagePart {
  return { type: 'text', content }
}

/** Estimate the decoded size of base64 content, for the media placeholder. */
function base64Size(content: JsonValue | undefined): number | null {
  if (typeof content !== 'string') return null
  const padding = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0
  return Math.floor((content.length * 3) / 4) - padding
}

/** Map one part of the OTel GenAI, pydantic-ai or AI SDK shapes. */
export function normalizePart(raw: JsonValue): MessagePart {
  if (typeof raw === 'string') return textPart(raw)
  if (!isObject(raw)) return { type: 'other', originalType: typeof raw, value: raw }
  const type = asString(raw.type) ?? ''
  switch (type) {
    case 'text':
      return textPart(asString(raw.content) ?? asString(raw.text) ?? '')
    case 'thinking':
    case 'reasoning':
      return { type: 'reasoning', content: asString(raw.content) ?? asString(raw.text) ?? '' }
    case 'tool_call':
      return {
        type: 'tool_call',
        id: asString(raw.id),
        name: asString(raw.name) ?? '',
        arguments: parseJsonish(raw.arguments) ?? null,
      }
    case 'tool-call':
      return {
        type: 'tool_call',
        id: asString(raw.toolCallId),
        name: asString(raw.toolName) ?? '',
        arguments: parseJsonish(raw.input ?? raw.args) ?? null,
      }
    case 'tool_call_response':
      return {
        type: 'tool_result',
        id: asString(raw.id),
        name: asString(raw.name),
        result: parseJsonish(raw.response ?? raw.result) ?? null,
        isError: false,
      }
    case 'tool-result':
      return aiSdkToolResult(raw)
    case 'blob':
    case 'binary':
    case 'uri':
    case 'file':
    case 'image':
    case 'image-url':
    case 'audio-url':
    case 'video-url':
    case 'document-url':
      return mediaPart(type, raw)
    default:
      return { type: 'other', originalType: type || 'unknown', value: raw }
  }
}

function aiSdkToolResult(raw: JsonObject): MessagePart {
  // AI SDK v5+: output {type: text|json|error-text|error-json|..., value}; v4: result + isError.
  const output = raw.output
  if (isObject(output)) {
    const outputType = asString(output.type) ?? ''
    return {
      type: 'tool_result',
      id: asString(raw.toolCallId),
      name: asString(raw.toolName),
      result: parseJsonish(output.value) ?? null,
      isError: outputType.startsWith('error'),
    }
  }
  return {
    type: 'tool_result',
    id: asString(raw.toolCallId),
    name: asString(raw.toolName),
    result: parseJsonish(raw.result) ?? null,
    isError: raw.isError === true,
  }
}

function mediaPart(type: string, raw: JsonObject): MessagePart {
  const mimeType =
    asString(raw.mime_type) ??
    asString(raw.media_type) ??
    asString(raw.mediaType) ??
    asString(raw.mimeType)
  const modality =
    asString(raw.modality) ??
    (type.endsWith('-url') ? type.slice(0, -4) : (mimeType?.split('/')[0] ?? type))
  const uri = asString(raw.uri) ?? asString(raw.url) ?? asString(raw.file_id)
  const content = raw.content ?? raw.data ?? raw.image
  const inline = typeof content === 'string' && !/^https?:/.test(content)
  return {
    type: 'media',
    modality,
    mimeType,
    uri: uri ?? (typeof content === 'string' && !inline ? content : null),
    sizeBytes: inline ? base64Size(content) : null,
  }
}

/** Messages in the OTel GenAI shape (`{role, parts[], finish_reason?}`), also used by pydantic-ai. */
export function semconvMessages(value: JsonValue | null): Message[] | null {
  if (!Array.isArray(value)) return null
  return value.filter(isObject).map((message) => ({
    role: asString(message.role) ?? 'unknown',
    parts: Array.isArray(message.parts)
      ? message.parts.map(normalizePart)
      : message.content !== undefined
        ? contentParts(message.content)
        : [],
    finishReason: asString(message.finish_reason),
  }))
}

/** Parts from a `content` that is a string or a list of parts (AI SDK, chat-completions style). */
function contentParts(content: JsonValue): MessagePart[] {
  if (typeof content === 'string') return [textPart(content)]
  if (Array.isArray(content)) return content.map(normalizePart)
  if (content === null) return []
  return [normalizePart(content)]
}

function systemInstructions(value: JsonValue | null): MessagePart[] | null {
  if (value === null) return null
  if (typeof value === 'string') return [textPart(value)]
  if (Array.isArray(value)) return value.map(normalizePart)
  return [normalizePart(value)]
}

/** AI SDK provider-level prompt (`ai.prompt.messages`): `{role, content}` with string or part content. */
function aiSdkMessages(value: JsonValue | null): Message[] | null {
  if (!Array.isArray(value)) return null
  return value.filter(isObject).map((message) => ({
    role: asString(message.role) ?? 'unknown',
    parts: contentParts(message.content ?? null),
    finishReason: null,
  }))
}

function aiSdkOutput(attributes: AttributeMap): Message[] | null {
  const parts: MessagePart[] = []
  const reasoning = stringAt(attributes, 'ai.response.reasoning')
  if (reasoning) parts.push({ type: 'reasoning', content: reasoning })
  const text = stringAt(attributes, 'ai.response.text')
  if (text !== null) parts.push(textPart(text))
  const object = jsonAt(attributes, 'ai.response.object')
  if (object !== null) parts.push({ type: 'other', originalType: 'object', value: object })
  const toolCalls = jsonAt(attributes, 'ai.response.toolCalls')
  if (Array.isArray(toolCalls)) {
    for (const call of toolCalls.filter(isObject)) {
      parts.push({
        type: 'tool_call',
        id: asString(call.toolCallId),
        name: asString(call.toolName) ?? '',
        arguments: parseJsonish(call.input ?? call.args) ?? null,
      })
    }
  }
  if (parts.length === 0) return null
  return [
    { role: 'assistant', parts, finishReason: stringAt(attributes, 'ai.response.finishReason') },
  ]
}

/** OpenInference `llm.input_messages.N.message.*` flattened lists. */
function openInferenceMessages(attributes: AttributeMap, prefix: string): Message[] | null {
  const items = collectIndexed(attributes, prefix)
  if (items.length === 0) return null
  return items.map((item) => {
    const message = isObject(item.message) ? item.message : item
    const parts: MessagePart[] = []
    const role = asString(message.role) ?? 'unknown'
    const toolCallId = asString(message.tool_call_id)
    if (role === 'tool' && toolCallId) {
      parts.push({
        type: 'tool_result',
        id: toolCallId,
        name: asString(message.name),
        result: parseJsonish(message.content) ?? null,
        isError: false,
      })
    } else if (typeof message.content === 'string') {
      parts.push(textPart(message.content))
    }
    for (const entry of indexedToArray(message.contents)) {
      const content =
        isObject(entry) && isObject(entry.message_content) ? entry.message_content : null
      if (!content) continue
      const contentType = asString(content.type)
      if (contentType === 'text') parts.push(textPart(asString(content.text) ?? ''))
      else if (contentType === 'reasoning')
        parts.push({ type: 'reasoning', content: asString(content.text) ?? '' })
      else if (contentType === 'image') {
        const image =
          isObject(content.image) && isObject(content.image.image) ? content.image.image : null
        parts.push({
          type: 'media',
          modality: 'image',
          mimeType: null,
          uri: asString(image?.url),
          sizeBytes: null,
        })
      }
    }
    for (const entry of indexedToArray(message.tool_calls)) {
      const call = isObject(entry) && isObject(entry.tool_call) ? entry.tool_call : null
      if (!call) continue
      const fn = isObject(call.function) ? call.function : {}
      parts.push({
        type: 'tool_call',
        id: asString(call.id),
        name: asString(fn.name) ?? '',
        arguments: parseJsonish(fn.arguments) ?? null,
      })
    }
    return { role, parts, finishReason: null }
  })
}

/** Older OpenLLMetry `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` attributes. */
function openLlmetryMessages(attributes: AttributeMap, prefix: string): Message[] | null {
  const items = collectIndexed(attributes, prefix)
  if (items.length === 0) return null
  return items.map((item) => {
    const parts: MessagePart[] = []
    const role = asString(item.role) ?? 'unknown'
    const toolCallId = asString(item.tool_call_id)
    if (toolCallId) {
      parts.push({
        type: 'tool_result',
        id: toolCallId,
        name: null,
        result: parseJsonish(item.content) ?? null,
        isError: false,
      })
    } else if (item.content !== undefined) {
      const content = parseJsonish(item.content)
      parts.push(
        ...(Array.isArray(content) ? content.map(normalizePart) : contentParts(content ?? '')),
      )
    }
    for (const call of indexedToArray(item.tool_calls).filter(isObject)) {
      parts.push({
        type: 'tool_call',
        id: asString(call.id),
        name: asString(call.name) ?? '',
        arguments: parseJsonish(call.arguments) ?? null,
      })
    }
    return { role, parts, finishReason: asString(item.finish_reason) }
  })
}

/** pydantic-ai instrumentation version 1: a JSON list of event dicts in `events`. */
function legacyEventMessages(
  value: JsonValue | null,
): { input: Message[]; output: Message[] } | null {
  if (!Array.isArray(value)) return null
  const input: Message[] = []
  const output: Message[] = []
  for (const event of value.filter(isObject)) {
    const name = asString(event['event.name']) ?? ''
    if (name === 'gen_ai.choice') {
      const message = isObject(event.message) ? event.message : {}
      output.push({
        role: 'assistant',
        parts: legacyParts(message),
        finishReason: asString(event.finish_reason),
      })
    } else if (name.startsWith('gen_ai.') && name.endsWith('.message')) {
      const role = asString(event.role) ?? name.slice('gen_ai.'.length, -'.message'.length)
      if (role === 'tool') {
        input.push({
          role,
          parts: [
            {
              type: 'tool_result',
              id: asString(event.id),
              name: asString(event.name),
              result: parseJsonish(event.content) ?? null,
              isError: false,
            },
          ],
          finishReason: null,
        })
      } else input.push({ role, parts: legacyParts(event), finishReason: null })
    }
  }
  return { input, output }
}

function legacyParts(message: JsonObject): MessagePart[] {
  const parts =
    message.content === undefined || message.content === null ? [] : contentParts(message.content)
  for (const call of indexedToArray(message.tool_calls).filter(isObject)) {
    const fn = isObject(call.function) ? call.function : {}
    parts.push({
      type: 'tool_call',
      id: asString(call.id),
      name: asString(fn.name) ?? '',
      arguments: parseJsonish(fn.arguments) ?? null,
    })
  }
  return parts
}

/** Read the conversation of a span, trying the forms of its convention first. */
const CONVERSATION_KEYS = [
  'gen_ai.system_instructions',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'pydantic_ai.all_messages',
  'ai.prompt.messages',
  'ai.prompt',
  'events',
  'all_messages_events',
]

const CONVERSATION_FAMILIES: [string, string][] = [
  ['llm.input_messages.', 'llm.input_messages'],
  ['llm.output_messages.', 'llm.output_messages'],
  ['gen_ai.prompt.', 'gen_ai.prompt.N'],
  ['gen_ai.completion.', 'gen_ai.completion.N'],
  ['ai.response.', 'ai.response.*'],
]

/** The conversation keys a span carries, found without parsing them (for the ingest inspector). */
export function conversationKeys(attributes: AttributeMap): string[] {
  const keys = CONVERSATION_KEYS.filter((key) => attributes[key] !== undefined)
  for (const [prefix, family] of CONVERSATION_FAMILIES) {
    for (const key of Object.keys(attributes)) {
      if (key.startsWith(prefix)) {
        keys.push(family)
        break
      }
    }
  }
  return keys
}

/** A GenAI event attached to a span: a span event, or an OTLP log record with the span's ids. */
export interface GenAiEvent {
  name: string
  /** The event's attributes, merged with the log record's body when it is an object. */
  fields: JsonObject
}

/**
 * Messages from the older event forms of the GenAI conventions: per-message
 * events (`gen_ai.user.message`, `gen_ai.choice`, ...; semconv 1.28 to 1.36,
 * and pydantic-ai's `event_mode='logs'`) and the 1.26 span events
 * `gen_ai.content.prompt` / `gen_ai.content.completion`.
 */
function eventConversation(
  events: GenAiEvent[],
): { input: Message[] | null; output: Message[] | null } | null {
  const prompt = events.find((e) => e.name === 'gen_ai.content.prompt')
  const completion = events.find((e) => e.name === 'gen_ai.content.completion')
  if (prompt || completion) {
    return {
      input: prompt ? aiSdkMessages(parseJsonish(prompt.fields['gen_ai.prompt'])) : null,
      output: completion
        ? aiSdkMessages(parseJsonish(completion.fields['gen_ai.completion']))
        : null,
    }
  }
  const perMessage = events
    .filter(
      (e) =>
        e.name.startsWith('gen_ai.') && (e.name.endsWith('.message') || e.name === 'gen_ai.choice'),
    )
    .map((e) => ({ ...e.fields, 'event.name': e.name }))
  if (perMessage.length === 0) return null
  const legacy = legacyEventMessages(perMessage)
  return (
    legacy && {
      input: legacy.input.length > 0 ? legacy.input : null,
      output: legacy.output.length > 0 ? legacy.output : null,
    }
  )
}

export function readConversation(
  attributes: AttributeMap,
  convention: Convention,
  events: GenAiEvent[] = [],
): Conversation {
  const sources: string[] = []
  const take = <T>(key: string, value: T | null): T | null => {
    if (value !== null) sources.push(key)
    return value
  }
  let system = take(
    'gen_ai.system_instructions',
    systemInstructions(jsonAt(attributes, 'gen_ai.system_instructions')),
  )
  let input =
    take('gen_ai.input.messages', semconvMessages(jsonAt(attributes, 'gen_ai.input.messages'))) ??
    take(
      'pydantic_ai.all_messages',
      semconvMessages(jsonAt(attributes, 'pydantic_ai.all_messages')),
    )
  let output = take(
    'gen_ai.output.messages',
    semconvMessages(jsonAt(attributes, 'gen_ai.output.messages')),
  )

  if (convention === 'ai-sdk') {
    input ??= take('ai.prompt.messages', aiSdkMessages(jsonAt(attributes, 'ai.prompt.messages')))
    const prompt = jsonAt(attributes, 'ai.prompt')
    if (isObject(prompt)) {
      if (!input && Array.isArray(prompt.messages))
        input = take('ai.prompt', aiSdkMessages(prompt.messages))
      if (!input && typeof prompt.prompt === 'string')
        input = take('ai.prompt', [
          { role: 'user', parts: [textPart(prompt.prompt)], finishReason: null },
        ])
      if (!system && typeof prompt.system === 'string')
        system = take('ai.prompt', [textPart(prompt.system)])
    }
    output ??= take('ai.response.*', aiSdkOutput(attributes))
  }
  input ??= take('llm.input_messages', openInferenceMessages(attributes, 'llm.input_messages'))
  output ??= take('llm.output_messages', openInferenceMessages(attributes, 'llm.output_messages'))
  input ??= take('gen_ai.prompt.N', openLlmetryMessages(attributes, 'gen_ai.prompt'))
  output ??= take('gen_ai.completion.N', openLlmetryMessages(attributes, 'gen_ai.completion'))
  if (!input && !output) {
    const legacy = legacyEventMessages(jsonAt(attributes, 'events', 'all_messages_events'))
    if (legacy) {
      sources.push('events')
      input = legacy.input
      output = legacy.output.length > 0 ? legacy.output : null
    }
  }
  if (!input && !output && events.length > 0) {
    const fromEvents = eventConversation(events)
    if (fromEvents) {
      sources.push('GenAI events')
      input = fromEvents.input
      output = fromEvents.output
    }
  }
  // System messages inside the input are instructions too (pydantic-ai's system_prompt=).
  if (!system && input) {
    const systemParts = input.filter((m) => m.role === 'system').flatMap((m) => m.parts)
    if (systemParts.length > 0) system = systemParts
  }
  return { systemInstructions: system, inputMessages: input, outputMessages: output, sources }
}
