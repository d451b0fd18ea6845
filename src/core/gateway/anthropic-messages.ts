// Anthropic Messages, `POST /gateway/anthropic/v1/messages` and
// `/messages/count_tokens`. It checks the request as the Anthropic API does:
// the anthropic-version header, system, messages with content blocks,
// tool_use blocks and the tool_result blocks in the next message that respond
// to them, tools with input_schema, tool_choice and output_config.format. It
// returns the mock's reply as a message object or as message_start,
// content_block_*, message_delta and message_stop server-sent events. Error
// bodies have Anthropic's shape `{"type": "error", "error": {"type", "message"}}`.

import type { JsonValue } from '../../shared/api'
import {
  isJsonObject,
  mediaPart,
  type FunctionTool,
  type GenAiMessage,
  type GenAiPart,
  type JsonObject,
  type ModelCall,
  type OutputFormat,
  type ToolChoice,
} from './conversation'
import type { SseEvent } from './http'
import type { Delivery } from './answer'
import { inputTokens, outputMessage, streamPieces, type MockReply } from './mock'
import {
  errorResult,
  scriptedErrorResult,
  type ApiContext,
  type ApiResult,
  type ProviderFamily,
} from './provider-api'
import { uniqueId } from './random'
import type { CallOutput } from './telemetry'

const USER_BLOCK_TYPES = ['text', 'image', 'document', 'tool_result', 'search_result']
const ASSISTANT_BLOCK_TYPES = [
  'text',
  'tool_use',
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
]
const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,128}$/
/** The smallest thinking budget the API accepts, in tokens. */
const MIN_THINKING_BUDGET = 1024

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
  500: 'api_error',
  501: 'api_error',
}

function errorBody(
  type: string,
  message: string,
): { body: JsonValue; headers: Record<string, string> } {
  const requestId = uniqueId('req_', 24)
  return {
    body: { type: 'error', error: { type, message }, request_id: requestId },
    headers: { 'request-id': requestId },
  }
}

export const anthropicFamily: ProviderFamily = {
  provider: 'anthropic',
  // The SDK sends an API key as x-api-key and an OAuth token as a bearer token.
  readKey: (headers, bearer) => {
    const key = headers['x-api-key']
    return (Array.isArray(key) ? key[0] : key) ?? bearer
  },
  error(kind, message) {
    const status = {
      invalid_json: 400,
      unsupported_media_type: 400,
      missing_key: 401,
      not_found: 404,
      too_large: 413,
      not_implemented: 501,
      internal: 500,
    }[kind]
    return anthropicFamily.statusError(status, message, null)
  },
  statusError(status, message, type) {
    const errorType =
      type ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
    return { status, type: errorType, ...errorBody(errorType, message) }
  },
}

/** An invalid request, raised while reading it and reported with Anthropic's error body. */
class AnthropicRequestError extends Error {
  override name = 'AnthropicRequestError'

  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }

  toResult(requestModel: string | null): ApiResult {
    const type = ERROR_TYPES[this.status] ?? 'invalid_request_error'
    return errorResult(
      { status: this.status, type, ...errorBody(type, this.message) },
      this.message,
      requestModel,
    )
  }
}

const fieldRequired = (path: string) => new AnthropicRequestError(`${path}: Field required`)
const invalidInput = (path: string, expected: string) =>
  new AnthropicRequestError(`${path}: Input should be ${expected}`)

function readString(object: JsonObject, key: string, path: string, required: true): string
function readString(object: JsonObject, key: string, path: string, required?: false): string | null
function readString(
  object: JsonObject,
  key: string,
  path: string,
  required = false,
): string | null {
  const value = object[key]
  if (value === undefined || value === null) {
    if (required) throw fieldRequired(path)
    return null
  }
  if (typeof value !== 'string') throw invalidInput(path, 'a valid string')
  return value
}

function readNumber(
  object: JsonObject,
  key: string,
  path: string,
  range: { min?: number; max?: number; integer?: boolean },
): number | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || (range.integer && !Number.isInteger(value))) {
    throw invalidInput(path, range.integer ? 'a valid integer' : 'a valid number')
  }
  if (range.min !== undefined && value < range.min) {
    throw invalidInput(path, `greater than or equal to ${range.min}`)
  }
  if (range.max !== undefined && value > range.max) {
    throw invalidInput(path, `less than or equal to ${range.max}`)
  }
  return value
}

function readObject(object: JsonObject, key: string, path: string): JsonObject | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (!isJsonObject(value)) throw invalidInput(path, 'a valid dictionary')
  return value
}

function tagError(path: string, tag: string, expected: string[]): AnthropicRequestError {
  return new AnthropicRequestError(
    `${path}.type: Input tag '${tag}' found using 'type' does not match any of the expected tags: ${expected.map((t) => `'${t}'`).join(', ')}`,
  )
}

function blockType(
  block: JsonValue,
  path: string,
  allowed: string[],
): { block: JsonObject; type: string } {
  if (!isJsonObject(block)) throw invalidInput(path, 'a valid dictionary')
  const type = readString(block, 'type', `${path}.type`, true)
  if (!allowed.includes(type)) throw tagError(path, type, allowed)
  return { block, type }
}

function mediaBlock(block: JsonObject, modality: string, path: string): GenAiPart {
  const source = readObject(block, 'source', `${path}.source`)
  if (!source) throw fieldRequired(`${path}.source`)
  const sourceType = readString(source, 'type', `${path}.source.type`, true)
  switch (sourceType) {
    case 'base64': {
      const mediaType = readString(source, 'media_type', `${path}.source.media_type`, true)
      const data = readString(source, 'data', `${path}.source.data`, true)
      return { type: 'blob', modality, mime_type: mediaType, content: data }
    }
    case 'url':
      return mediaPart(modality, readString(source, 'url', `${path}.source.url`, true))
    case 'file':
      return {
        type: 'file',
        modality,
        file_id: readString(source, 'file_id', `${path}.source.file_id`, true),
      }
    case 'text':
      return { type: 'text', content: readString(source, 'data', `${path}.source.data`, true) }
    default:
      return { type: 'text', content: JSON.stringify(source) }
  }
}

function textBlock(block: JsonObject, path: string): string {
  const text = readString(block, 'text', `${path}.text`, true)
  if (text === '')
    throw new AnthropicRequestError('messages: text content blocks must be non-empty')
  return text
}

/** Returns the content of a tool_result block: its text, or its blocks unchanged when they are not all text. */
function toolResultContent(block: JsonObject, path: string): JsonValue {
  const content = block.content
  if (content === undefined || content === null) return ''
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw invalidInput(`${path}.content`, 'a valid list')
  const texts = content.map((item, index) =>
    isJsonObject(item) && item.type === 'text' ? textBlock(item, `${path}.content.${index}`) : null,
  )
  return texts.every((text) => text !== null) ? texts.join('') : content
}

interface ReadMessage {
  role: 'user' | 'assistant'
  /** Tool results of a user message, which become a separate `tool` message. */
  results: { id: string; response: JsonValue; path: string }[]
  parts: GenAiPart[]
}

function readMessage(raw: JsonValue, index: number, isLast: boolean): ReadMessage {
  const path = `messages.${index}`
  if (!isJsonObject(raw)) throw invalidInput(path, 'a valid dictionary')
  if (raw.role === undefined || raw.role === null) throw fieldRequired(`${path}.role`)
  const role = raw.role
  if (role !== 'user' && role !== 'assistant') {
    throw invalidInput(`${path}.role`, "'user' or 'assistant'")
  }

  const content = raw.content
  if (content === undefined || content === null) throw fieldRequired(`${path}.content`)
  const emptyContent = new AnthropicRequestError(
    `${path}: all messages must have non-empty content except for the optional final assistant message`,
  )
  const message: ReadMessage = { role, results: [], parts: [] }

  if (typeof content === 'string') {
    if (content === '' && !(isLast && role === 'assistant')) throw emptyContent
    if (content !== '') message.parts.push({ type: 'text', content })
    return message
  }
  if (!Array.isArray(content)) throw invalidInput(`${path}.content`, 'a valid list')
  if (content.length === 0 && !(isLast && role === 'assistant')) throw emptyContent

  const allowed = role === 'user' ? USER_BLOCK_TYPES : ASSISTANT_BLOCK_TYPES
  content.forEach((raw, blockIndex) => {
    const blockPath = `${path}.content.${blockIndex}`
    const { block, type } = blockType(raw, blockPath, allowed)
    switch (type) {
      case 'text':
        message.parts.push({ type: 'text', content: textBlock(block, blockPath) })
        break
      case 'image':
        message.parts.push(mediaBlock(block, 'image', blockPath))
        break
      case 'document':
        message.parts.push(mediaBlock(block, 'document', blockPath))
        break
      case 'search_result':
        message.parts.push({ type: 'text', content: JSON.stringify(block.content ?? '') })
        break
      case 'tool_result': {
        const id = readString(block, 'tool_use_id', `${blockPath}.tool_use_id`, true)
        message.results.push({ id, response: toolResultContent(block, blockPath), path: blockPath })
        break
      }
      case 'tool_use': {
        const id = readString(block, 'id', `${blockPath}.id`, true)
        const name = readString(block, 'name', `${blockPath}.name`, true)
        if (!isJsonObject(block.input))
          throw invalidInput(`${blockPath}.input`, 'a valid dictionary')
        message.parts.push({ type: 'tool_call', id, name, arguments: block.input })
        break
      }
      case 'thinking':
        message.parts.push({
          type: 'reasoning',
          content: readString(block, 'thinking', `${blockPath}.thinking`, true),
        })
        break
      default:
        // Redacted thinking and server tool blocks carry nothing the mock reads.
        break
    }
  })
  return message
}

/**
 * Reads the messages and checks the tool pairing rule: the message after an
 * assistant message with tool_use blocks has a tool_result block for each of
 * them, and each tool_result refers to a tool_use of the message just before it.
 */
function readMessages(body: JsonObject): GenAiMessage[] {
  const raw = body.messages
  if (raw === undefined || raw === null) throw fieldRequired('messages')
  if (!Array.isArray(raw)) throw invalidInput('messages', 'a valid list')
  if (raw.length === 0)
    throw new AnthropicRequestError('messages: at least one message is required')
  const read = raw.map((message, index) => readMessage(message, index, index === raw.length - 1))
  read.forEach((message, index) => {
    const previousCalls = new Set(
      (read[index - 1]?.parts ?? []).flatMap((part) =>
        part.type === 'tool_call' ? [part.id] : [],
      ),
    )
    for (const result of message.results) {
      if (!previousCalls.has(result.id)) {
        throw new AnthropicRequestError(
          `${result.path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        )
      }
    }
    const calls = message.parts.flatMap((part) => (part.type === 'tool_call' ? [part.id] : []))
    const answered = new Set((read[index + 1]?.results ?? []).map((result) => result.id))
    const unanswered = calls.filter((id) => !answered.has(id))
    if (unanswered.length > 0) {
      throw new AnthropicRequestError(
        `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
          `${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      )
    }
  })
  const messages: GenAiMessage[] = []
  for (const message of read) {
    for (const result of message.results) {
      messages.push({
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: result.id, response: result.response }],
      })
    }
    if (message.parts.length > 0 || message.results.length === 0) {
      messages.push({ role: message.role, parts: message.parts })
    }
  }
  return messages
}

function readSystem(body: JsonObject): GenAiPart[] {
  const system = body.system
  if (system === undefined || system === null) return []
  if (typeof system === 'string') return system === '' ? [] : [{ type: 'text', content: system }]
  if (!Array.isArray(system)) throw invalidInput('system', 'a valid string')
  return system.map((raw, index) => {
    const { block } = blockType(raw, `system.${index}`, ['text'])
    return { type: 'text', content: textBlock(block, `system.${index}`) }
  })
}

function readTools(body: JsonObject): FunctionTool[] {
  const raw = body.tools
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw invalidInput('tools', 'a valid list')
  const tools: FunctionTool[] = []
  const names = new Set<string>()
  raw.forEach((tool, index) => {
    if (!isJsonObject(tool)) throw invalidInput(`tools.${index}`, 'a valid dictionary')
    const type = readString(tool, 'type', `tools.${index}.type`)
    const name = readString(tool, 'name', `tools.${index}.name`, true)
    if (names.has(name)) throw new AnthropicRequestError('tools: Tool names must be unique.')
    names.add(name)
    // Server tools (web search, code execution, bash, text editor) carry a dated type, and the mock never calls them.
    if (type !== null && type !== 'custom') return
    const path = `tools.${index}.custom`
    if (!TOOL_NAME_PATTERN.test(name)) {
      throw new AnthropicRequestError(
        `${path}.name: String should match pattern '${TOOL_NAME_PATTERN.source}'`,
      )
    }
    const schema = readObject(tool, 'input_schema', `${path}.input_schema`)
    if (!schema) throw fieldRequired(`${path}.input_schema`)
    if (schema.type !== 'object') throw invalidInput(`${path}.input_schema.type`, "'object'")
    tools.push({
      name,
      description: readString(tool, 'description', `${path}.description`),
      parameters: schema,
    })
  })
  return tools
}

function readToolChoice(
  body: JsonObject,
  tools: FunctionTool[],
  thinking: boolean,
): { choice: ToolChoice; parallel: boolean } {
  const raw = readObject(body, 'tool_choice', 'tool_choice')
  if (!raw) return { choice: tools.length > 0 ? 'auto' : 'none', parallel: true }
  if (body.tools === undefined || body.tools === null) {
    throw new AnthropicRequestError(
      'tool_choice: tool_choice may only be specified while providing tools.',
    )
  }
  const type = readString(raw, 'type', 'tool_choice.type', true)
  const parallel = raw.disable_parallel_tool_use !== true
  if (thinking && (type === 'any' || type === 'tool')) {
    throw new AnthropicRequestError('Thinking may not be enabled when tool_choice forces tool use.')
  }
  switch (type) {
    case 'auto':
      return { choice: 'auto', parallel }
    case 'none':
      return { choice: 'none', parallel }
    case 'any':
      return { choice: 'required', parallel }
    case 'tool': {
      const name = readString(raw, 'name', 'tool_choice.tool.name', true)
      if (!tools.some((tool) => tool.name === name)) {
        throw new AnthropicRequestError(
          `tool_choice.tool.name: no tool named '${name}' is in tools`,
        )
      }
      return { choice: { name }, parallel }
    }
    default:
      throw tagError('tool_choice', type, ['auto', 'any', 'tool', 'none'])
  }
}

/** Reads thinking and returns true when it is enabled. The mock itself never produces thinking blocks. */
function readThinking(body: JsonObject, maxTokens: number | null): boolean {
  const thinking = readObject(body, 'thinking', 'thinking')
  if (!thinking) return false
  const type = readString(thinking, 'type', 'thinking.type', true)
  if (type === 'disabled') return false
  if (type === 'adaptive') return true
  if (type !== 'enabled') throw tagError('thinking', type, ['enabled', 'disabled', 'adaptive'])
  const budget = readNumber(thinking, 'budget_tokens', 'thinking.enabled.budget_tokens', {
    min: MIN_THINKING_BUDGET,
    integer: true,
  })
  if (budget === null) throw fieldRequired('thinking.enabled.budget_tokens')
  if (maxTokens !== null && maxTokens <= budget) {
    throw new AnthropicRequestError('`max_tokens` must be greater than `thinking.budget_tokens`.')
  }
  return true
}

/** Reads output_config.format, or the older output_format. */
function readOutputFormat(body: JsonObject): OutputFormat {
  const config = readObject(body, 'output_config', 'output_config')
  const format = config
    ? readObject(config, 'format', 'output_config.format')
    : readObject(body, 'output_format', 'output_format')
  if (!format) return { type: 'text' }
  const path = config ? 'output_config.format' : 'output_format'
  const type = readString(format, 'type', `${path}.type`, true)
  if (type !== 'json_schema') throw tagError(path, type, ['json_schema'])
  const schema = readObject(format, 'schema', `${path}.schema`)
  if (!schema) throw fieldRequired(`${path}.schema`)
  return { type: 'json_schema', name: 'output', schema }
}

function readStopSequences(body: JsonObject): string[] {
  const raw = body.stop_sequences
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw invalidInput('stop_sequences', 'a valid list')
  return raw.map((sequence, index) => {
    if (typeof sequence !== 'string')
      throw invalidInput(`stop_sequences.${index}`, 'a valid string')
    return sequence
  })
}

/** Reads a Messages request; count_tokens requests have no max_tokens. */
function readRequest(body: JsonObject, model: string, countOnly: boolean): ModelCall {
  const maxTokens = readNumber(body, 'max_tokens', 'max_tokens', { min: 1, integer: true })
  if (maxTokens === null && !countOnly) throw fieldRequired('max_tokens')
  const messages = readMessages(body)
  const tools = readTools(body)
  const thinking = readThinking(body, maxTokens)
  const { choice, parallel } = readToolChoice(body, tools, thinking)
  const stream = body.stream ?? false
  if (typeof stream !== 'boolean') throw invalidInput('stream', 'a valid boolean')
  return {
    model,
    systemInstructions: readSystem(body),
    messages,
    tools,
    toolChoice: choice,
    parallelToolCalls: parallel,
    output: readOutputFormat(body),
    maxOutputTokens: maxTokens,
    stopSequences: readStopSequences(body),
    temperature: readNumber(body, 'temperature', 'temperature', { min: 0, max: 1 }),
    topP: readNumber(body, 'top_p', 'top_p', { min: 0, max: 1 }),
    seed: null,
    stream,
  }
}

function checkVersionHeader(context: ApiContext): void {
  if (!context.headers['anthropic-version']) {
    throw new AnthropicRequestError('anthropic-version: header is required')
  }
}

function readBodyAndModel(body: JsonValue): { body: JsonObject; model: string } {
  if (!isJsonObject(body)) throw invalidInput('body', 'a valid dictionary')
  const model = readString(body, 'model', 'model')
  if (!model) throw fieldRequired('model')
  return { body, model }
}

/** Reads a forwarded request as a model call for its span, or returns null when it is invalid. */
export function readMessagesCall(body: JsonValue): ModelCall | null {
  if (!isJsonObject(body) || typeof body.model !== 'string') return null
  try {
    return readRequest(body, body.model, false)
  } catch (error) {
    if (error instanceof AnthropicRequestError) return null
    throw error
  }
}

export function handleMessages(raw: JsonValue, context: ApiContext): ApiResult {
  let model: string | null = null
  try {
    checkVersionHeader(context)
    const read = readBodyAndModel(raw)
    model = read.model
    const call = readRequest(read.body, model, false)
    const answer = context.respond(call, { seed: context.seed, toolCallIdPrefix: 'toolu_' })
    if (answer.kind === 'error') {
      return scriptedErrorResult(anthropicFamily, answer.error, call, answer.delivery)
    }
    return buildResult(call, answer.reply, answer.delivery)
  } catch (error) {
    if (error instanceof AnthropicRequestError) return error.toResult(model)
    throw error
  }
}

/** Returns the mock's input token count for `POST /messages/count_tokens`. */
export function countTokens(
  raw: JsonValue,
  context: ApiContext,
): { status: number; body: JsonValue; headers: Record<string, string> } {
  try {
    checkVersionHeader(context)
    const read = readBodyAndModel(raw)
    const call = readRequest(read.body, read.model, true)
    return { status: 200, body: { input_tokens: inputTokens(call) }, headers: {} }
  } catch (error) {
    if (!(error instanceof AnthropicRequestError)) throw error
    const result = error.toResult(null)
    return { status: result.status, body: result.body, headers: result.headers }
  }
}

function stopReason(reply: MockReply): string {
  switch (reply.finishReason) {
    case 'tool_calls':
      return 'tool_use'
    case 'length':
      return 'max_tokens'
    case 'stop_sequence':
      return 'stop_sequence'
    default:
      return 'end_turn'
  }
}

function contentBlocks(reply: MockReply): JsonObject[] {
  const blocks: JsonObject[] = []
  if (reply.text !== null) blocks.push({ type: 'text', text: reply.text })
  for (const call of reply.toolCalls) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments })
  }
  return blocks
}

function usageBody(inputTokens: number, outputTokens: number): JsonObject {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
  }
}

function streamEvents(message: JsonObject, reply: MockReply, chunkSize: number): SseEvent[] {
  const events: SseEvent[] = []
  const emit = (type: string, fields: JsonObject = {}) => {
    events.push({ event: type, data: JSON.stringify({ type, ...fields }) })
  }
  emit('message_start', {
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usageBody(reply.usage.inputTokens, 1),
    },
  })
  let index = 0
  if (reply.text !== null) {
    emit('content_block_start', { index, content_block: { type: 'text', text: '' } })
    emit('ping')
    for (const text of streamPieces(reply.text, chunkSize)) {
      emit('content_block_delta', { index, delta: { type: 'text_delta', text } })
    }
    emit('content_block_stop', { index })
    index++
  }
  for (const call of reply.toolCalls) {
    emit('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
    })
    for (const partial of streamPieces(call.argumentsJson, chunkSize)) {
      emit('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: partial },
      })
    }
    emit('content_block_stop', { index })
    index++
  }
  emit('message_delta', {
    delta: { stop_reason: message.stop_reason!, stop_sequence: message.stop_sequence! },
    usage: {
      input_tokens: reply.usage.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: reply.usage.outputTokens,
    },
  })
  emit('message_stop')
  return events
}

function buildResult(call: ModelCall, reply: MockReply, delivery: Delivery): ApiResult {
  const id = uniqueId('msg_01', 22)
  const stop = stopReason(reply)
  const message: JsonObject = {
    id,
    type: 'message',
    role: 'assistant',
    model: call.model,
    content: contentBlocks(reply),
    stop_reason: stop,
    stop_sequence: reply.stopSequence,
    usage: usageBody(reply.usage.inputTokens, reply.usage.outputTokens),
  }
  const output: CallOutput = {
    responseId: id,
    responseModel: call.model,
    messages: [outputMessage(reply, stop)],
    finishReasons: [stop],
    usage: reply.usage,
  }
  const common = {
    status: 200,
    headers: {},
    requestModel: call.model,
    call,
    output,
    errorType: null,
    errorMessage: null,
    delivery,
  }
  if (call.stream) {
    return { ...common, body: null, events: streamEvents(message, reply, delivery.chunkSize) }
  }
  return { ...common, body: message, events: null }
}

/**
 * Models that `GET /models` lists. NOTE: a sample of current Anthropic model
 * ids. The mock replies to calls for any model name.
 */
const ANTHROPIC_MODELS: [id: string, displayName: string, createdAt: string][] = [
  ['claude-opus-4-1-20250805', 'Claude Opus 4.1', '2025-08-05T00:00:00Z'],
  ['claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', '2025-09-29T00:00:00Z'],
  ['claude-haiku-4-5-20251001', 'Claude Haiku 4.5', '2025-10-01T00:00:00Z'],
  ['claude-sonnet-4-20250514', 'Claude Sonnet 4', '2025-05-14T00:00:00Z'],
  ['claude-3-5-haiku-20241022', 'Claude Haiku 3.5', '2024-10-22T00:00:00Z'],
]

function modelObject([id, displayName, createdAt]: (typeof ANTHROPIC_MODELS)[number]): JsonObject {
  return { type: 'model', id, display_name: displayName, created_at: createdAt }
}

/** Returns the reply to `GET /models` (with `limit`, `after_id` and `before_id`) and `GET /models/{id}`. */
export function anthropicModels(
  id: string | null,
  query: URLSearchParams,
): { status: number; body: JsonValue; headers: Record<string, string> } {
  if (id !== null) {
    const model = ANTHROPIC_MODELS.find(([modelId]) => modelId === id)
    if (model) return { status: 200, body: modelObject(model), headers: {} }
    return { status: 404, ...errorBody('not_found_error', `model: ${id}`) }
  }
  const limit = Number(query.get('limit') ?? 20)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return {
      status: 400,
      ...errorBody('invalid_request_error', 'limit: Input should be between 1 and 1000'),
    }
  }
  let models = ANTHROPIC_MODELS
  const afterId = query.get('after_id')
  const beforeId = query.get('before_id')
  if (afterId) models = models.slice(models.findIndex(([modelId]) => modelId === afterId) + 1)
  if (beforeId) {
    const end = models.findIndex(([modelId]) => modelId === beforeId)
    if (end >= 0) models = models.slice(Math.max(0, end - limit), end)
  }
  const page = models.slice(0, limit)
  return {
    status: 200,
    body: {
      data: page.map(modelObject),
      has_more: page.length < models.length,
      first_id: page[0]?.[0] ?? null,
      last_id: page.at(-1)?.[0] ?? null,
    },
    headers: {},
  }
}
