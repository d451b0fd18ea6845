// OpenAI Chat Completions, `POST /gateway/openai/v1/chat/completions`. It
// checks the request as the OpenAI API does: roles, content parts, tool calls
// and the tool messages that respond to them, tools, tool_choice,
// response_format and sampling ranges. It returns the mock's reply as a
// chat.completion object or as chat.completion.chunk server-sent events.

import type { JsonValue } from '../../shared/api'
import {
  isJsonObject,
  mediaPart,
  parseArguments,
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
import { outputMessage, streamPieces, type MockReply } from './mock'
import {
  emptyArray,
  invalidType,
  invalidValue,
  missingParameter,
  OpenAIRequestError,
  openaiFamily,
  readArray,
  readBoolean,
  readFunctionTool,
  readNumber,
  readObject,
  readOutputFormat,
  readString,
  requireString,
} from './openai-common'
import { scriptedErrorResult, type ApiContext, type ApiResult } from './provider-api'
import { uniqueId } from './random'
import type { CallOutput } from './telemetry'

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const
const USER_PART_TYPES = ['text', 'image_url', 'input_audio', 'file']
/** Maximum number of stop sequences that Chat Completions accepts. */
const MAX_STOP_SEQUENCES = 4
const MAX_CHOICES = 128

interface ChatRequest {
  call: ModelCall
  choices: number
  includeUsage: boolean
  /** True when tool_choice names a function: OpenAI then reports finish_reason 'stop'. */
  forcedFunction: boolean
}

/** Tool calls of the latest assistant message, tracked while tool messages respond to them. */
interface OpenToolCalls {
  messageIndex: number
  ids: Set<string>
  unanswered: Set<string>
}

/** Reads a forwarded request as a model call for its span, or returns null when it is invalid. */
export function readChatCall(body: JsonValue): ModelCall | null {
  if (!isJsonObject(body) || typeof body.model !== 'string') return null
  try {
    return readRequest(body, body.model).call
  } catch (error) {
    if (error instanceof OpenAIRequestError) return null
    throw error
  }
}

export function handleChatCompletions(body: JsonValue, context: ApiContext): ApiResult {
  let model: string | null = null
  try {
    if (!isJsonObject(body)) throw invalidType('body', 'an object', body)
    model = readString(body, 'model', 'model')
    if (!model) {
      throw new OpenAIRequestError('You must provide a model parameter.', 'model', null)
    }
    const request = readRequest(body, model)
    // The request's own seed parameter, when sent, takes the place of the run's.
    const seed = request.call.seed ?? context.seed
    const answer = context.respond(request.call, { seed, toolCallIdPrefix: 'call_' })
    if (answer.kind === 'error') {
      return scriptedErrorResult(openaiFamily, answer.error, request.call, answer.delivery)
    }
    return buildResult(request, answer.reply, answer.delivery)
  } catch (error) {
    if (error instanceof OpenAIRequestError) return error.toResult(model)
    throw error
  }
}

function textOfParts(content: JsonValue, param: string, allowed: string[]): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw invalidType(param, 'a string or an array', content)
  return content
    .map((part, index) => {
      const partParam = `${param}[${index}]`
      if (!isJsonObject(part)) throw invalidType(partParam, 'an object', part)
      const type = requireString(part, 'type', `${partParam}.type`)
      if (!allowed.includes(type)) throw invalidValue(`${partParam}.type`, type, allowed)
      return type === 'text'
        ? requireString(part, 'text', `${partParam}.text`)
        : requireString(part, 'refusal', `${partParam}.refusal`)
    })
    .join('')
}

function userParts(content: JsonValue | undefined, param: string): GenAiPart[] {
  if (content === undefined || content === null) throw missingParameter(param)
  if (typeof content === 'string') return [{ type: 'text', content }]
  if (!Array.isArray(content)) throw invalidType(param, 'a string or an array', content)
  return content.map((part, index): GenAiPart => {
    const partParam = `${param}[${index}]`
    if (!isJsonObject(part)) throw invalidType(partParam, 'an object', part)
    const type = requireString(part, 'type', `${partParam}.type`)
    switch (type) {
      case 'text':
        return { type: 'text', content: requireString(part, 'text', `${partParam}.text`) }
      case 'image_url': {
        const image = readObject(part, 'image_url', `${partParam}.image_url`)
        if (!image) throw missingParameter(`${partParam}.image_url`)
        return mediaPart('image', requireString(image, 'url', `${partParam}.image_url.url`))
      }
      case 'input_audio': {
        const audio = readObject(part, 'input_audio', `${partParam}.input_audio`)
        if (!audio) throw missingParameter(`${partParam}.input_audio`)
        const data = requireString(audio, 'data', `${partParam}.input_audio.data`)
        const format = requireString(audio, 'format', `${partParam}.input_audio.format`)
        return { type: 'blob', modality: 'audio', mime_type: `audio/${format}`, content: data }
      }
      case 'file': {
        const file = readObject(part, 'file', `${partParam}.file`)
        if (!file) throw missingParameter(`${partParam}.file`)
        const fileId = readString(file, 'file_id', `${partParam}.file.file_id`)
        if (fileId) return { type: 'file', modality: 'document', file_id: fileId }
        const data = readString(file, 'file_data', `${partParam}.file.file_data`)
        if (!data) throw missingParameter(`${partParam}.file.file_data`)
        return mediaPart('document', data.startsWith('data:') ? data : `data:;base64,${data}`)
      }
      default:
        throw invalidValue(`${partParam}.type`, type, USER_PART_TYPES)
    }
  })
}

function readToolCalls(raw: JsonValue[], param: string): GenAiPart[] {
  return raw.map((call, index): GenAiPart => {
    const callParam = `${param}[${index}]`
    if (!isJsonObject(call)) throw invalidType(callParam, 'an object', call)
    const id = requireString(call, 'id', `${callParam}.id`)
    const type = requireString(call, 'type', `${callParam}.type`)
    if (type !== 'function') throw invalidValue(`${callParam}.type`, type, ['function'])
    const fn = readObject(call, 'function', `${callParam}.function`)
    if (!fn) throw missingParameter(`${callParam}.function`)
    const name = requireString(fn, 'name', `${callParam}.function.name`)
    const args = requireString(fn, 'arguments', `${callParam}.function.arguments`)
    return { type: 'tool_call', id, name, arguments: parseArguments(args) }
  })
}

function unansweredCallsError(open: OpenToolCalls): OpenAIRequestError {
  return new OpenAIRequestError(
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
      `'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open.unanswered].join(', ')}`,
    `messages.[${open.messageIndex}].role`,
    null,
  )
}

/** Reads the messages and checks that tool messages respond to the calls just before them. */
function readMessages(body: JsonObject): GenAiMessage[] {
  const raw = readArray(body, 'messages', 'messages')
  if (raw === null) throw missingParameter('messages')
  if (raw.length === 0) throw emptyArray('messages')
  const messages: GenAiMessage[] = []
  let open: OpenToolCalls | null = null
  raw.forEach((item, index) => {
    const param = `messages[${index}]`
    if (!isJsonObject(item)) throw invalidType(param, 'an object', item)
    if (item.role === undefined || item.role === null) throw missingParameter(`${param}.role`)
    const role = item.role
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw invalidValue(`${param}.role`, role, ROLES)
    }
    if (role !== 'tool' && open) {
      if (open.unanswered.size > 0) throw unansweredCallsError(open)
      open = null
    }
    switch (role as (typeof ROLES)[number]) {
      case 'system':
      case 'developer': {
        if (item.content === undefined || item.content === null) {
          throw missingParameter(`${param}.content`)
        }
        const text = textOfParts(item.content, `${param}.content`, ['text'])
        messages.push({ role: 'system', parts: [{ type: 'text', content: text }] })
        break
      }
      case 'user':
        messages.push({ role: 'user', parts: userParts(item.content, `${param}.content`) })
        break
      case 'assistant': {
        const parts: GenAiPart[] = []
        if (item.content !== undefined && item.content !== null) {
          const text = textOfParts(item.content, `${param}.content`, ['text', 'refusal'])
          if (text !== '') parts.push({ type: 'text', content: text })
        }
        const toolCalls = readArray(item, 'tool_calls', `${param}.tool_calls`) ?? []
        const calls = readToolCalls(toolCalls, `${param}.tool_calls`)
        parts.push(...calls)
        if (item.content === undefined || item.content === null) {
          if (calls.length === 0 && item.function_call === undefined && item.audio === undefined) {
            throw missingParameter(`${param}.content`)
          }
        }
        if (calls.length > 0) {
          const ids = new Set(calls.map((call) => (call.type === 'tool_call' ? call.id : '')))
          open = { messageIndex: index, ids, unanswered: new Set(ids) }
        }
        messages.push({ role: 'assistant', parts })
        break
      }
      case 'tool': {
        const current = open as OpenToolCalls | null
        if (!current) {
          throw new OpenAIRequestError(
            "Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'.",
            `messages.[${index}].role`,
            null,
          )
        }
        const id = requireString(item, 'tool_call_id', `${param}.tool_call_id`)
        if (!current.ids.has(id)) {
          throw new OpenAIRequestError(
            `Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message.`,
            `messages.[${index}].tool_call_id`,
            null,
          )
        }
        current.unanswered.delete(id)
        if (item.content === undefined || item.content === null) {
          throw missingParameter(`${param}.content`)
        }
        const response = textOfParts(item.content, `${param}.content`, ['text'])
        messages.push({ role: 'tool', parts: [{ type: 'tool_call_response', id, response }] })
        break
      }
      case 'function': {
        // A message with the deprecated function role carries a function_call's result, keyed by the function's name.
        const name = requireString(item, 'name', `${param}.name`)
        const response = typeof item.content === 'string' ? item.content : ''
        messages.push({ role: 'tool', parts: [{ type: 'tool_call_response', id: name, response }] })
        break
      }
    }
  })
  const last = open as OpenToolCalls | null
  if (last && last.unanswered.size > 0) throw unansweredCallsError(last)
  return messages
}

function readTools(body: JsonObject): FunctionTool[] {
  const raw = readArray(body, 'tools', 'tools')
  if (raw === null) return []
  if (raw.length === 0) throw emptyArray('tools')
  const tools: FunctionTool[] = []
  raw.forEach((tool, index) => {
    const param = `tools[${index}]`
    if (!isJsonObject(tool)) throw invalidType(param, 'an object', tool)
    const type = requireString(tool, 'type', `${param}.type`)
    // Custom (free-form grammar) tools are accepted, but the mock never calls them.
    if (type === 'custom') return
    if (type !== 'function') throw invalidValue(`${param}.type`, type, ['function', 'custom'])
    const fields = readObject(tool, 'function', `${param}.function`)
    if (!fields) throw missingParameter(`${param}.function`)
    tools.push(readFunctionTool(fields, `${param}.function`))
  })
  return tools
}

function checkToolNamed(name: string, tools: FunctionTool[], param: string): void {
  if (!tools.some((tool) => tool.name === name)) {
    throw new OpenAIRequestError(
      `Invalid value for '${param}': no function named '${name}' was specified in the 'tools' parameter.`,
      param,
      null,
    )
  }
}

/** Reads tool_choice. An allowed_tools choice narrows `tools` to the allowed ones. */
function readToolChoice(
  body: JsonObject,
  tools: FunctionTool[],
): { choice: ToolChoice; tools: FunctionTool[] } {
  const raw = body.tool_choice
  if (raw === undefined || raw === null)
    return { choice: tools.length > 0 ? 'auto' : 'none', tools }
  if (body.tools === undefined || body.tools === null) {
    throw new OpenAIRequestError(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
      null,
    )
  }
  if (typeof raw === 'string') {
    if (raw !== 'none' && raw !== 'auto' && raw !== 'required') {
      throw invalidValue('tool_choice', raw, ['none', 'auto', 'required'])
    }
    return { choice: raw, tools }
  }
  if (!isJsonObject(raw)) throw invalidType('tool_choice', 'a string or an object', raw)
  const type = requireString(raw, 'type', 'tool_choice.type')
  if (type === 'function') {
    const fn = readObject(raw, 'function', 'tool_choice.function')
    if (!fn) throw missingParameter('tool_choice.function')
    const name = requireString(fn, 'name', 'tool_choice.function.name')
    checkToolNamed(name, tools, 'tool_choice')
    return { choice: { name }, tools }
  }
  if (type === 'allowed_tools') {
    const allowed = readObject(raw, 'allowed_tools', 'tool_choice.allowed_tools')
    if (!allowed) throw missingParameter('tool_choice.allowed_tools')
    const mode = requireString(allowed, 'mode', 'tool_choice.allowed_tools.mode')
    if (mode !== 'auto' && mode !== 'required') {
      throw invalidValue('tool_choice.allowed_tools.mode', mode, ['auto', 'required'])
    }
    const list = readArray(allowed, 'tools', 'tool_choice.allowed_tools.tools') ?? []
    const names = list.map((entry, index) => {
      const param = `tool_choice.allowed_tools.tools[${index}]`
      const fn = isJsonObject(entry) ? readObject(entry, 'function', `${param}.function`) : null
      if (!fn) throw missingParameter(`${param}.function`)
      const name = requireString(fn, 'name', `${param}.function.name`)
      checkToolNamed(name, tools, param)
      return name
    })
    return { choice: mode, tools: tools.filter((tool) => names.includes(tool.name)) }
  }
  throw invalidValue('tool_choice.type', type, ['function', 'allowed_tools'])
}

function readResponseFormat(body: JsonObject, messages: GenAiMessage[]): OutputFormat {
  const format = readObject(body, 'response_format', 'response_format')
  if (!format) return { type: 'text' }
  const output = readOutputFormat(format, 'response_format', (f) => {
    const fields = readObject(f, 'json_schema', 'response_format.json_schema')
    if (!fields) throw missingParameter('response_format.json_schema')
    return { fields, param: 'response_format.json_schema' }
  })
  if (output.type === 'json_object') {
    const mentionsJson = messages.some((message) =>
      message.parts.some((part) => part.type === 'text' && /json/i.test(part.content)),
    )
    if (!mentionsJson) {
      throw new OpenAIRequestError(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        'messages',
        null,
      )
    }
  }
  return output
}

function readStop(body: JsonObject): string[] {
  const stop = body.stop
  if (stop === undefined || stop === null) return []
  if (typeof stop === 'string') return [stop]
  if (!Array.isArray(stop)) throw invalidType('stop', 'a string or an array', stop)
  if (stop.length > MAX_STOP_SEQUENCES) {
    throw new OpenAIRequestError(
      `Invalid 'stop': array too long. Expected an array with maximum length ${MAX_STOP_SEQUENCES}, but got an array with length ${stop.length} instead.`,
      'stop',
      'array_above_max_length',
    )
  }
  return stop.map((sequence, index) => {
    if (typeof sequence !== 'string') throw invalidType(`stop[${index}]`, 'a string', sequence)
    return sequence
  })
}

function readRequest(body: JsonObject, model: string): ChatRequest {
  if (body.functions !== undefined) {
    throw new OpenAIRequestError(
      "The Loupe gateway does not support the deprecated 'functions' parameter. Send 'tools' instead.",
      'functions',
      'unsupported_parameter',
    )
  }

  const messages = readMessages(body)
  const { choice, tools } = readToolChoice(body, readTools(body))
  const parallel = readBoolean(body, 'parallel_tool_calls', 'parallel_tool_calls')
  if (parallel !== null && (body.tools === undefined || body.tools === null)) {
    throw new OpenAIRequestError(
      "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      'parallel_tool_calls',
      null,
    )
  }
  const output = readResponseFormat(body, messages)

  const stream = readBoolean(body, 'stream', 'stream') ?? false
  const streamOptions = readObject(body, 'stream_options', 'stream_options')
  if (streamOptions && !stream) {
    throw new OpenAIRequestError(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
      null,
    )
  }
  const includeUsage =
    (streamOptions &&
      readBoolean(streamOptions, 'include_usage', 'stream_options.include_usage')) ??
    false

  const choices = readNumber(body, 'n', 'n', { min: 1, max: MAX_CHOICES, integer: true }) ?? 1
  readNumber(body, 'presence_penalty', 'presence_penalty', { min: -2, max: 2 })
  readNumber(body, 'frequency_penalty', 'frequency_penalty', { min: -2, max: 2 })
  const logprobs = readBoolean(body, 'logprobs', 'logprobs')
  const topLogprobs = readNumber(body, 'top_logprobs', 'top_logprobs', {
    min: 0,
    max: 20,
    integer: true,
  })
  if (topLogprobs !== null && !logprobs) {
    throw new OpenAIRequestError(
      "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
      'top_logprobs',
      null,
    )
  }

  const maxTokens =
    readNumber(body, 'max_completion_tokens', 'max_completion_tokens', { min: 1, integer: true }) ??
    readNumber(body, 'max_tokens', 'max_tokens', { min: 1, integer: true })
  return {
    call: {
      model,
      systemInstructions: [],
      messages,
      tools,
      toolChoice: choice,
      parallelToolCalls: parallel ?? true,
      output,
      maxOutputTokens: maxTokens,
      stopSequences: readStop(body),
      temperature: readNumber(body, 'temperature', 'temperature', { min: 0, max: 2 }),
      topP: readNumber(body, 'top_p', 'top_p', { min: 0, max: 1 }),
      seed: readNumber(body, 'seed', 'seed', { integer: true }),
      stream,
    },
    choices,
    includeUsage,
    forcedFunction: typeof choice === 'object',
  }
}

function finishReason(reply: MockReply, request: ChatRequest): string {
  switch (reply.finishReason) {
    case 'tool_calls':
      return request.forcedFunction ? 'stop' : 'tool_calls'
    case 'length':
      return 'length'
    default:
      return 'stop'
  }
}

function usageBody(reply: MockReply, choices: number): JsonObject {
  const output = reply.usage.outputTokens * choices
  return {
    prompt_tokens: reply.usage.inputTokens,
    completion_tokens: output,
    total_tokens: reply.usage.inputTokens + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

function toolCallsBody(reply: MockReply): JsonObject[] {
  return reply.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.argumentsJson },
  }))
}

function streamEvents(
  base: JsonObject,
  reply: MockReply,
  request: ChatRequest,
  finish: string,
  chunkSize: number,
): SseEvent[] {
  const chunks: JsonObject[] = []
  const chunk = (index: number, delta: JsonObject, finishReason: string | null = null) => {
    const body: JsonObject = {
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    }
    // With include_usage, every chunk carries "usage": null until the last one.
    if (request.includeUsage) body.usage = null
    chunks.push(body)
  }
  for (let index = 0; index < request.choices; index++) {
    // A reply that only calls tools has null content from its first chunk on, as the API sends it.
    chunk(index, { role: 'assistant', content: reply.text === null ? null : '', refusal: null })
    if (reply.text !== null) {
      for (const piece of streamPieces(reply.text, chunkSize)) chunk(index, { content: piece })
    }
    reply.toolCalls.forEach((call, callIndex) => {
      chunk(index, {
        tool_calls: [
          {
            index: callIndex,
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        ],
      })
      for (const piece of streamPieces(call.argumentsJson, chunkSize)) {
        chunk(index, { tool_calls: [{ index: callIndex, function: { arguments: piece } }] })
      }
    })
    chunk(index, {}, finish)
  }
  if (request.includeUsage) {
    chunks.push({
      ...base,
      object: 'chat.completion.chunk',
      choices: [],
      usage: usageBody(reply, request.choices),
    })
  }
  return [...chunks.map((c) => ({ data: JSON.stringify(c) })), { data: '[DONE]' }]
}

function buildResult(request: ChatRequest, reply: MockReply, delivery: Delivery): ApiResult {
  const { call } = request
  const finish = finishReason(reply, request)
  const id = uniqueId('chatcmpl-', 29)
  const base = {
    id,
    created: Math.floor(Date.now() / 1000),
    model: call.model,
    system_fingerprint: 'fp_loupe_mock',
    service_tier: 'default',
  }

  const output: CallOutput = {
    responseId: id,
    responseModel: call.model,
    messages: [outputMessage(reply, finish)],
    finishReasons: Array.from({ length: request.choices }, () => finish),
    usage: {
      inputTokens: reply.usage.inputTokens,
      outputTokens: reply.usage.outputTokens * request.choices,
    },
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
    const events = streamEvents(base, reply, request, finish, delivery.chunkSize)
    return { ...common, body: null, events }
  }

  const message: JsonObject = {
    role: 'assistant',
    content: reply.text,
    refusal: null,
    annotations: [],
  }
  if (reply.toolCalls.length > 0) message.tool_calls = toolCallsBody(reply)
  const body: JsonObject = {
    ...base,
    object: 'chat.completion',
    choices: Array.from({ length: request.choices }, (_, index) => ({
      index,
      message,
      logprobs: null,
      finish_reason: finish,
    })),
    usage: usageBody(reply, request.choices),
  }
  return { ...common, body, events: null }
}
