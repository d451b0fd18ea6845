// The automatic mock model, shared by every provider API. Like pydantic-ai's
// TestModel, it first calls each offered function tool once, with arguments
// generated valid against the tool's JSON Schema. Once the tool results are
// back, it gives the final reply: text, JSON valid against the requested
// schema, or a call of the output tool. The reply depends only on the request
// and the seed.

import type { JsonValue } from '../../shared/api'
import {
  isJsonObject,
  type FunctionTool,
  type GenAiMessage,
  type GenAiPart,
  type JsonObject,
  type ModelCall,
} from './conversation'
import { hashSeed, SeededRandom } from './random'
import { generateValue } from './schema-values'

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'stop_sequence'

export interface MockToolCall {
  id: string
  name: string
  arguments: JsonObject
  /** `arguments` as the JSON text sent on the wire. */
  argumentsJson: string
}

export interface MockReply {
  /** The reply text, or null when the reply only calls tools. */
  text: string | null
  toolCalls: MockToolCall[]
  finishReason: FinishReason
  /** The stop sequence that ended the text, when finishReason is 'stop_sequence'. */
  stopSequence: string | null
  usage: { inputTokens: number; outputTokens: number }
}

export interface MockOptions {
  seed: number
  /** Prefix of tool call ids in this API: `call_` for OpenAI, `toolu_` for Anthropic. */
  toolCallIdPrefix: string
}

/**
 * pydantic-ai names its output tools `final_result` (`final_result_<Type>`
 * for a union of output types) and describes them with this sentence unless
 * the output type has a docstring (pydantic_ai/_output.py in pydantic-ai 2.x).
 */
const OUTPUT_TOOL_NAME = /^final_result(_\w+)?$/
const OUTPUT_TOOL_DESCRIPTION = 'The final response which ends this conversation'

/** Characters per token in the mock's token counts: a rough average for English text. */
export const CHARS_PER_TOKEN = 4

export function isOutputTool(tool: FunctionTool): boolean {
  return OUTPUT_TOOL_NAME.test(tool.name) || tool.description === OUTPUT_TOOL_DESCRIPTION
}

/** Returns a token count estimated from the text length, at least 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN))
}

/** Counts the input tokens of a call from everything the model would read. */
export function inputTokens(call: ModelCall): number {
  return estimateTokens(
    JSON.stringify([call.systemInstructions, call.messages, call.tools, call.output]),
  )
}

export interface Turn {
  /** Names of the tools the model called since the user's last message. */
  calledTools: Set<string>
  /** Tool results sent since the user's last message, with the called tool's name. */
  results: { name: string; response: JsonValue }[]
  lastUserText: string | null
}

/**
 * Reads the current turn: everything after the user's last message. A user
 * message that directly follows tool results (pydantic-ai sends retry
 * prompts that way) continues the turn instead of starting a new one.
 */
export function currentTurn(messages: GenAiMessage[]): Turn {
  let start = 0
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]!.role === 'user' && messages[index - 1]?.role !== 'tool') {
      start = index
      break
    }
  }
  const calledTools = new Set<string>()
  const namesById = new Map<string, string>()
  const results: Turn['results'] = []
  let lastUserText: string | null = null
  for (const message of messages.slice(start)) {
    for (const part of message.parts) {
      if (part.type === 'tool_call') {
        calledTools.add(part.name)
        namesById.set(part.id, part.name)
      } else if (part.type === 'tool_call_response') {
        results.push({ name: namesById.get(part.id) ?? part.id, response: part.response })
      } else if (part.type === 'text' && message.role === 'user') {
        lastUserText = part.content
      }
    }
  }
  return { calledTools, results, lastUserText }
}

function callTools(tools: FunctionTool[], call: ModelCall, options: MockOptions): MockToolCall[] {
  // The number of earlier responses keeps ids unique when a later turn calls the same tool.
  const responseIndex = call.messages.filter((m) => m.role === 'assistant').length
  return tools.map((tool, index) => {
    const random = new SeededRandom(hashSeed(options.seed, 'arguments', tool.name))
    const generated = generateValue(tool.parameters ?? { type: 'object' }, random)
    const args = isJsonObject(generated) ? generated : {}
    const idRandom = new SeededRandom(hashSeed(options.seed, 'id', tool.name, responseIndex, index))
    return {
      id: `${options.toolCallIdPrefix}${idRandom.hex(24)}`,
      name: tool.name,
      arguments: args,
      argumentsJson: JSON.stringify(args),
    }
  })
}

function shorten(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text
}

function replyText(turn: Turn): string {
  if (turn.results.length > 0) {
    const results = turn.results.map((result) => {
      const response =
        typeof result.response === 'string' ? result.response : JSON.stringify(result.response)
      return `${result.name} returned ${shorten(response, 200)}`
    })
    return `Mock answer from the Loupe gateway: ${results.join('; ')}.`
  }
  if (turn.lastUserText !== null) {
    return `Mock answer from the Loupe gateway to ${JSON.stringify(shorten(turn.lastUserText, 80))}.`
  }
  return 'Mock answer from the Loupe gateway.'
}

function finalText(call: ModelCall, turn: Turn, seed: number): string {
  switch (call.output.type) {
    case 'json_schema': {
      const random = new SeededRandom(hashSeed(seed, 'output', call.output.name))
      return JSON.stringify(generateValue(call.output.schema, random))
    }
    case 'json_object':
      return JSON.stringify({ answer: replyText(turn) })
    case 'text':
      return replyText(turn)
  }
}

/** Decides what the model does this turn: the tools to call, or none for a final text reply. */
function chooseToolCalls(call: ModelCall, turn: Turn): FunctionTool[] {
  const choice = call.toolChoice
  if (choice === 'none' || call.tools.length === 0) return []
  if (typeof choice === 'object') return call.tools.filter((tool) => tool.name === choice.name)
  const functionTools = call.tools.filter((tool) => !isOutputTool(tool))
  const outputTools = call.tools.filter(isOutputTool)
  const pending = functionTools.filter((tool) => !turn.calledTools.has(tool.name))
  if (pending.length > 0) return call.parallelToolCalls ? pending : pending.slice(0, 1)
  if (call.output.type !== 'text') return []
  const outputTool = outputTools[0]
  if (outputTool && (!turn.calledTools.has(outputTool.name) || choice === 'required')) {
    return [outputTool]
  }
  // 'required' obliges the model to call a tool even when every tool has run once.
  if (choice === 'required') return [functionTools[0] ?? call.tools[0]!]
  return []
}

/** Cuts text at the first stop sequence and at the output token limit. */
function limitText(
  text: string,
  call: ModelCall,
): { text: string; finishReason: FinishReason; stopSequence: string | null } {
  let cut = text
  let finishReason: FinishReason = 'stop'
  let stopSequence: string | null = null
  for (const sequence of call.stopSequences) {
    const at = sequence === '' ? -1 : cut.indexOf(sequence)
    if (at >= 0) {
      cut = cut.slice(0, at)
      finishReason = 'stop_sequence'
      stopSequence = sequence
    }
  }
  if (call.maxOutputTokens !== null && estimateTokens(cut) > call.maxOutputTokens) {
    cut = cut.slice(0, call.maxOutputTokens * CHARS_PER_TOKEN)
    finishReason = 'length'
    stopSequence = null
  }
  return { text: cut, finishReason, stopSequence }
}

/** Returns the mock's reply to a model call. */
export function mockReply(call: ModelCall, options: MockOptions): MockReply {
  const turn = currentTurn(call.messages)
  const toolsToCall = chooseToolCalls(call, turn)
  const input = inputTokens(call)
  if (toolsToCall.length > 0) {
    // NOTE: tool call arguments are never cut at maxOutputTokens, unlike a real model's.
    const toolCalls = callTools(toolsToCall, call, options)
    const output = toolCalls.reduce(
      (total, toolCall) => total + estimateTokens(toolCall.name + toolCall.argumentsJson),
      0,
    )
    return {
      text: null,
      toolCalls,
      finishReason: 'tool_calls',
      stopSequence: null,
      usage: { inputTokens: input, outputTokens: output },
    }
  }
  const limited = limitText(finalText(call, turn, options.seed), call)
  return {
    text: limited.text,
    toolCalls: [],
    finishReason: limited.finishReason,
    stopSequence: limited.stopSequence,
    usage: { inputTokens: input, outputTokens: estimateTokens(limited.text) },
  }
}

/** Returns the reply as an output message in the OTel GenAI shape, for the call's span. */
export function outputMessage(reply: MockReply, finishReason: string): GenAiMessage {
  const parts: GenAiPart[] = []
  if (reply.text !== null) parts.push({ type: 'text', content: reply.text })
  for (const call of reply.toolCalls) {
    parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments })
  }
  return { role: 'assistant', parts, finish_reason: finishReason }
}

/** Splits text into the pieces that a stream sends: a few words each, none longer than `size`. */
export function streamPieces(text: string, size = 16): string[] {
  const pieces: string[] = []
  let current = ''
  for (const token of text.split(/(?<=\s)/)) {
    if (current.length > 0 && current.length + token.length > size) {
      pieces.push(current)
      current = ''
    }
    current += token
    while (current.length > size) {
      pieces.push(current.slice(0, size))
      current = current.slice(size)
    }
  }
  if (current.length > 0 || pieces.length === 0) pieces.push(current)
  return pieces
}
