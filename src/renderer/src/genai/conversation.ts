import type { Message, MessagePart } from '../../../shared/genai'

// Pairs the tool calls of a conversation with the tool results that answer
// them, so that the view can say which call a result answers and where a
// call's result is. A part is addressed by a key built from its place:
// section, message index and part index.

/** The sections of a model call or agent run, in the order they are shown. */
export type ConversationSection = 'system' | 'input' | 'output'

export function partKey(section: ConversationSection, message: number, part: number): string {
  return `${section}:${message}:${part}`
}

/** A tool call or result as the other side of a pair refers to it. */
export interface PartRef {
  key: string
  id: string | null
  name: string | null
}

export interface ToolPairing {
  /** Tool call key → the result that answers it. */
  resultOf: Map<string, PartRef>
  /** Tool result key → the call it answers. */
  callOf: Map<string, PartRef>
}

type ToolCallPart = Extract<MessagePart, { type: 'tool_call' }>

/**
 * Pairs every tool result with the call it answers: by call id when the
 * result has one, otherwise with the earliest unanswered call of the same
 * tool name before it. Calls and results may be in the input or the output
 * messages. A result whose call is not among the messages stays unpaired.
 */
export function pairToolCalls(input: Message[] | null, output: Message[] | null): ToolPairing {
  const resultOf = new Map<string, PartRef>()
  const callOf = new Map<string, PartRef>()
  const unanswered: { ref: PartRef; part: ToolCallPart }[] = []

  const visit = (section: ConversationSection, messages: Message[] | null) => {
    messages?.forEach((message, messageIndex) => {
      message.parts.forEach((part, partIndex) => {
        const key = partKey(section, messageIndex, partIndex)
        if (part.type === 'tool_call') {
          unanswered.push({ ref: { key, id: part.id, name: part.name }, part })
          return
        }
        if (part.type !== 'tool_result') return
        const index = findCall(unanswered, part.id, part.name)
        if (index < 0) return
        const [call] = unanswered.splice(index, 1)
        resultOf.set(call!.ref.key, { key, id: part.id, name: part.name })
        callOf.set(key, call!.ref)
      })
    })
  }
  visit('input', input)
  visit('output', output)
  return { resultOf, callOf }
}

function findCall(
  unanswered: { ref: PartRef; part: ToolCallPart }[],
  id: string | null,
  name: string | null,
): number {
  if (id !== null && id !== '') return unanswered.findIndex((call) => call.part.id === id)
  if (name === null) return -1
  return unanswered.findIndex((call) => call.part.name === name)
}

/** Counts the characters of a message's text and reasoning parts. */
export function textLength(parts: MessagePart[]): number {
  let length = 0
  for (const part of parts) {
    if (part.type === 'text' || part.type === 'reasoning') length += part.content.length
  }
  return length
}
