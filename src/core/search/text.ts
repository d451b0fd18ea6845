// The searchable text of a span or log record: what goes into the columns
// of the search_text table. Messages, tool arguments and tool results are
// read with the GenAI normalizer, so every SDK dialect it understands is
// searchable in the same way.

import type { AttributeMap, JsonValue } from '../../shared/api'
import type { Message, MessagePart } from '../../shared/genai'
import { normalizeSpan, type NormalizedSpan, type SpanInput } from '../genai/normalize'
import type { StoredEvent } from '../store/queries'

/**
 * Maximum characters kept per column of one row. Model calls repeat the
 * whole conversation in their input, so a long run would otherwise index the
 * same messages once per call. Each message was new in an earlier call's
 * output or in a tool span, so cutting the oldest input messages loses
 * little.
 */
export const MAX_COLUMN_CHARS = 32 * 1024

export interface SearchColumns {
  name: string
  messages: string
  toolArguments: string
  toolResult: string
  error: string
  log: string
}

/** Extracts the searchable text of one span. */
export function spanColumns(span: SpanInput): SearchColumns {
  return normalizedSpanColumns(span, normalizeSpan(span), false)
}

/**
 * Extracts the searchable text of one span that was normalized already.
 * `laterCall` is true when an earlier model call of the same trace was indexed:
 * each call repeats the conversation so far, so a later call's system
 * instructions and its input up to the last model reply were indexed with
 * the calls before it and are left out. Only the messages that are new in
 * this call (the user's or tool results since that reply) and its output
 * are indexed.
 */
export function normalizedSpanColumns(
  span: SpanInput,
  normalized: NormalizedSpan,
  laterCall: boolean,
): SearchColumns {
  const title = normalized.title !== span.name ? normalized.title : ''
  const { systemInstructions, inputMessages, outputMessages } = normalized.conversation
  const input = laterCall ? newMessages(inputMessages ?? []) : (inputMessages ?? [])
  const system = laterCall ? [] : (systemInstructions ?? [])
  return {
    name: joinWords([span.name, title]),
    messages: messagesText(system, input, outputMessages ?? []),
    toolArguments: cut(jsonText(normalized.toolArguments)),
    toolResult: cut(jsonText(normalized.toolResult)),
    error: cut(errorText(span)),
    log: '',
  }
}

/** Returns the messages after the last one from the model (all of them when there is none). */
function newMessages(input: Message[]): Message[] {
  for (let index = input.length - 1; index >= 0; index--) {
    const role = input[index]!.role
    if (role === 'assistant' || role === 'model') return input.slice(index + 1)
  }
  return input
}

/** Extracts the searchable text of one log record: its event name and the strings of its body. */
export function logColumns(eventName: string, body: JsonValue): SearchColumns {
  return {
    name: eventName,
    messages: '',
    toolArguments: '',
    toolResult: '',
    error: '',
    log: cut(jsonText(body)),
  }
}

/**
 * Joins system instructions, input and output messages. Past the column's
 * limit, the output messages stay whole and the input keeps its newest
 * messages, because older ones repeat what earlier calls carried.
 */
function messagesText(system: MessagePart[], input: Message[], output: Message[]): string {
  const outputText = cut(joinWords(output.map(messageText)))
  let budget = MAX_COLUMN_CHARS - outputText.length
  const inputTexts: string[] = []
  for (let index = input.length - 1; index >= 0 && budget > 0; index--) {
    const text = messageText(input[index]!)
    inputTexts.unshift(text.length > budget ? text.slice(0, budget) : text)
    budget -= text.length + 1
  }
  const systemText = joinWords(system.map(partText))
  if (systemText.length <= budget) inputTexts.unshift(systemText)
  return joinWords([...inputTexts, outputText])
}

function messageText(message: Message): string {
  return joinWords(message.parts.map(partText))
}

function partText(part: MessagePart): string {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return part.content
    case 'tool_call':
      return joinWords([part.name, jsonText(part.arguments)])
    case 'tool_result':
      return joinWords([part.name ?? '', jsonText(part.result)])
    case 'media':
      return ''
    case 'other':
      return jsonText(part.value)
  }
}

/**
 * Returns the keys and scalar values of a JSON value as words, so that a
 * search for `city` or `Utrecht` finds `{"city": "Utrecht"}`.
 */
export function jsonText(value: JsonValue | null): string {
  const words: string[] = []
  let length = 0
  const visit = (item: JsonValue | null) => {
    if (length > MAX_COLUMN_CHARS || item === null) return
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
      const text = String(item)
      words.push(text)
      length += text.length + 1
    } else if (Array.isArray(item)) {
      for (const element of item) visit(element)
    } else {
      for (const [key, element] of Object.entries(item)) {
        words.push(key)
        length += key.length + 1
        visit(element)
      }
    }
  }
  visit(value)
  return words.join(' ')
}

/** Returns the type and message of each recorded exception, and the status message. */
function errorText(span: SpanInput): string {
  const texts: string[] = []
  for (const event of span.events) {
    if (event.name !== 'exception') continue
    const type = event.attributes['exception.type']
    const message = event.attributes['exception.message']
    if (typeof type === 'string') texts.push(type)
    if (typeof message === 'string') texts.push(message)
  }
  if (span.statusMessage !== '' && !texts.includes(span.statusMessage)) {
    texts.push(span.statusMessage)
  }
  return joinWords(texts)
}

function joinWords(texts: string[]): string {
  return texts.filter((text) => text !== '').join(' ')
}

function cut(text: string): string {
  return text.length > MAX_COLUMN_CHARS ? text.slice(0, MAX_COLUMN_CHARS) : text
}

/** A span's row in the store, with the name of its scope. */
export interface StoredSpanRow {
  name: string
  kind: number
  status_code: number
  status_message: string
  attributes: string
  events: string | null
  scope_name: string
}

/** A log record's row in the store. */
export interface StoredLogRow {
  event_name: string
  body: string
}

/**
 * Extracts the searchable text of a stored span. A span whose content
 * cannot be read gets its name alone, so that one odd span cannot stop the
 * indexer (and the normalizer that runs in the same loop).
 */
export function storedSpanColumns(row: StoredSpanRow): SearchColumns {
  try {
    return spanColumns({
      name: row.name,
      scopeName: row.scope_name,
      attributes: JSON.parse(row.attributes) as AttributeMap,
      events: row.events ? (JSON.parse(row.events) as StoredEvent[]) : [],
      statusCode: Number(row.status_code),
      statusMessage: row.status_message,
      spanKind: Number(row.kind),
    })
  } catch {
    return logColumns(row.name, null)
  }
}

/** Extracts the searchable text of a stored log record; a body that does not parse is left out. */
export function storedLogColumns(row: StoredLogRow): SearchColumns {
  let body: JsonValue = null
  try {
    body = JSON.parse(row.body) as JsonValue
  } catch {
    // Indexed by its event name alone.
  }
  return logColumns(row.event_name, body)
}
