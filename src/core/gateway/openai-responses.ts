// The OpenAI Responses API, `POST /gateway/openai/v1/responses`. It checks
// the request as the OpenAI API does: input messages and items, function_call
// items and the function_call_output items that respond to them, function
// tools, tool_choice and text.format. It returns the mock's reply as a
// response object or as response.* server-sent events. Responses are kept in
// memory, so previous_response_id continues a conversation while the core runs.

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
  type ToolChoice,
} from './conversation'
import type { SseEvent } from './http'
import type { Delivery } from './answer'
import { outputMessage, streamPieces, type MockReply } from './mock'
import {
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

const MESSAGE_ROLES = ['assistant', 'system', 'developer', 'user']
const INPUT_PART_TYPES = ['input_text', 'input_image', 'input_file', 'input_audio']
const OUTPUT_PART_TYPES = ['output_text', 'refusal', 'input_text']
/**
 * Input item types that the mock reads past: items of hosted tools and
 * provider state that a client sends back but that carry nothing the mock uses.
 */
const PASSED_ITEM_TYPES = [
  'item_reference',
  'file_search_call',
  'web_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'tool_search_call',
  'tool_search_output',
  'compaction',
]
const ITEM_TYPES = [
  'message',
  'function_call',
  'function_call_output',
  'reasoning',
  ...PASSED_ITEM_TYPES,
]
/** The smallest max_output_tokens the Responses API accepts. */
const MIN_OUTPUT_TOKENS = 16
/** Maximum number of stored responses that previous_response_id can refer to. The oldest is dropped first. */
const MAX_STORED_RESPONSES = 500

interface ResponsesRequest {
  call: ModelCall
  raw: JsonObject
  previousResponseId: string | null
  store: boolean
}

/** The Responses API with its in-memory store of earlier responses. */
export class ResponsesApi {
  private readonly stored = new Map<string, GenAiMessage[]>()

  handle(body: JsonValue, context: ApiContext): ApiResult {
    let model: string | null = null
    try {
      if (!isJsonObject(body)) throw invalidType('body', 'an object', body)
      model = readString(body, 'model', 'model')
      if (!model) throw missingParameter('model')
      const request = this.readRequest(body, model)
      const answer = context.respond(request.call, {
        seed: context.seed,
        toolCallIdPrefix: 'call_',
      })
      if (answer.kind === 'error') {
        return scriptedErrorResult(openaiFamily, answer.error, request.call, answer.delivery)
      }
      const result = buildResult(request, answer.reply, answer.delivery)
      if (request.store && result.output) {
        this.remember(result.output.responseId, [
          ...request.call.messages,
          ...result.output.messages,
        ])
      }
      return result
    } catch (error) {
      if (error instanceof OpenAIRequestError) return error.toResult(model)
      throw error
    }
  }

  /**
   * Reads a forwarded request as a model call for its span, or returns null
   * when it is invalid. The history behind previous_response_id is kept by
   * the upstream, so the call holds only the new input.
   */
  readForwardedCall(body: JsonValue): ModelCall | null {
    if (!isJsonObject(body) || typeof body.model !== 'string') return null
    const { previous_response_id: _previous, conversation: _conversation, ...rest } = body
    try {
      return this.readRequest(rest, body.model).call
    } catch (error) {
      if (error instanceof OpenAIRequestError) return null
      throw error
    }
  }

  private remember(id: string, messages: GenAiMessage[]): void {
    this.stored.set(id, messages)
    if (this.stored.size > MAX_STORED_RESPONSES) {
      this.stored.delete(this.stored.keys().next().value!)
    }
  }

  private readRequest(body: JsonObject, model: string): ResponsesRequest {
    const previousResponseId = readString(body, 'previous_response_id', 'previous_response_id')
    let history: GenAiMessage[] = []
    if (previousResponseId !== null) {
      const previous = this.stored.get(previousResponseId)
      if (!previous) {
        throw new OpenAIRequestError(
          `Previous response with id '${previousResponseId}' not found.`,
          'previous_response_id',
          'previous_response_not_found',
        )
      }
      history = previous
    }

    if (body.conversation !== undefined && body.conversation !== null) {
      throw new OpenAIRequestError(
        'The Loupe gateway does not store conversations. Send the input items, or previous_response_id.',
        'conversation',
        'unsupported_parameter',
      )
    }
    if (body.background === true) {
      throw new OpenAIRequestError(
        'The Loupe gateway does not run background responses. Leave background unset.',
        'background',
        'unsupported_parameter',
      )
    }
    if ((body.input === undefined || body.input === null) && previousResponseId === null) {
      throw missingParameter('input')
    }

    const messages = [...history, ...readInput(body.input ?? [])]
    checkToolPairs(messages, history.length)

    const { choice, tools } = readToolChoice(body, readTools(body))
    const text = readObject(body, 'text', 'text')
    const format = text ? readObject(text, 'format', 'text.format') : null
    const output = format
      ? readOutputFormat(format, 'text.format', (f) => ({ fields: f, param: 'text.format' }))
      : { type: 'text' as const }
    const instructions = readString(body, 'instructions', 'instructions')
    const stream = readBoolean(body, 'stream', 'stream') ?? false
    return {
      call: {
        model,
        systemInstructions: instructions ? [{ type: 'text', content: instructions }] : [],
        messages,
        tools,
        toolChoice: choice,
        parallelToolCalls: readBoolean(body, 'parallel_tool_calls', 'parallel_tool_calls') ?? true,
        output,
        maxOutputTokens: readNumber(body, 'max_output_tokens', 'max_output_tokens', {
          min: MIN_OUTPUT_TOKENS,
          integer: true,
        }),
        stopSequences: [],
        temperature: readNumber(body, 'temperature', 'temperature', { min: 0, max: 2 }),
        topP: readNumber(body, 'top_p', 'top_p', { min: 0, max: 1 }),
        seed: null,
        stream,
      },
      raw: body,
      previousResponseId,
      store: readBoolean(body, 'store', 'store') ?? true,
    }
  }
}

function inputParts(content: JsonValue, param: string, allowed: string[]): GenAiPart[] {
  if (typeof content === 'string') return [{ type: 'text', content }]
  if (!Array.isArray(content)) throw invalidType(param, 'a string or an array', content)
  return content.map((part, index): GenAiPart => {
    const partParam = `${param}[${index}]`
    if (!isJsonObject(part)) throw invalidType(partParam, 'an object', part)
    const type = requireString(part, 'type', `${partParam}.type`)
    if (!allowed.includes(type)) throw invalidValue(`${partParam}.type`, type, allowed)
    switch (type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', content: requireString(part, 'text', `${partParam}.text`) }
      case 'refusal':
        return { type: 'text', content: requireString(part, 'refusal', `${partParam}.refusal`) }
      case 'input_image': {
        const fileId = readString(part, 'file_id', `${partParam}.file_id`)
        if (fileId) return { type: 'file', modality: 'image', file_id: fileId }
        return mediaPart('image', requireString(part, 'image_url', `${partParam}.image_url`))
      }
      case 'input_audio': {
        const audio = readObject(part, 'input_audio', `${partParam}.input_audio`)
        if (!audio) throw missingParameter(`${partParam}.input_audio`)
        const format = requireString(audio, 'format', `${partParam}.input_audio.format`)
        const data = requireString(audio, 'data', `${partParam}.input_audio.data`)
        return { type: 'blob', modality: 'audio', mime_type: `audio/${format}`, content: data }
      }
      default: {
        const fileId = readString(part, 'file_id', `${partParam}.file_id`)
        if (fileId) return { type: 'file', modality: 'document', file_id: fileId }
        const url = readString(part, 'file_url', `${partParam}.file_url`)
        if (url) return mediaPart('document', url)
        const data = requireString(part, 'file_data', `${partParam}.file_data`)
        return mediaPart('document', data.startsWith('data:') ? data : `data:;base64,${data}`)
      }
    }
  })
}

/** Appends parts to the last message when it has the same role, as one model response has one message. */
function append(messages: GenAiMessage[], role: GenAiMessage['role'], parts: GenAiPart[]): void {
  const last = messages.at(-1)
  if (last && last.role === role && role === 'assistant') last.parts.push(...parts)
  else messages.push({ role, parts })
}

function readInput(input: JsonValue): GenAiMessage[] {
  if (typeof input === 'string')
    return [{ role: 'user', parts: [{ type: 'text', content: input }] }]
  if (!Array.isArray(input)) throw invalidType('input', 'a string or an array', input)
  const messages: GenAiMessage[] = []
  input.forEach((item, index) => {
    const param = `input[${index}]`
    if (!isJsonObject(item)) throw invalidType(param, 'an object', item)
    const type = readString(item, 'type', `${param}.type`) ?? 'message'
    if (!ITEM_TYPES.includes(type)) throw invalidValue(`${param}.type`, type, ITEM_TYPES)
    switch (type) {
      case 'message': {
        if (item.role === undefined || item.role === null) throw missingParameter(`${param}.role`)
        const role = item.role
        if (typeof role !== 'string' || !MESSAGE_ROLES.includes(role)) {
          throw invalidValue(`${param}.role`, role, MESSAGE_ROLES)
        }
        if (item.content === undefined || item.content === null) {
          throw missingParameter(`${param}.content`)
        }
        const allowed = role === 'assistant' ? OUTPUT_PART_TYPES : INPUT_PART_TYPES
        const parts = inputParts(item.content, `${param}.content`, allowed)
        append(messages, role === 'developer' ? 'system' : (role as GenAiMessage['role']), parts)
        break
      }
      case 'function_call': {
        const callId = requireString(item, 'call_id', `${param}.call_id`)
        const name = requireString(item, 'name', `${param}.name`)
        const args = requireString(item, 'arguments', `${param}.arguments`)
        append(messages, 'assistant', [
          { type: 'tool_call', id: callId, name, arguments: parseArguments(args) },
        ])
        break
      }
      case 'function_call_output': {
        const callId = requireString(item, 'call_id', `${param}.call_id`)
        if (item.output === undefined || item.output === null) {
          throw missingParameter(`${param}.output`)
        }
        const response =
          typeof item.output === 'string'
            ? item.output
            : (inputParts(item.output, `${param}.output`, INPUT_PART_TYPES) as unknown as JsonValue)
        messages.push({
          role: 'tool',
          parts: [{ type: 'tool_call_response', id: callId, response }],
        })
        break
      }
      case 'reasoning': {
        const summary = Array.isArray(item.summary) ? item.summary : []
        const text = summary
          .map((part) => (isJsonObject(part) && typeof part.text === 'string' ? part.text : ''))
          .join('\n')
        append(messages, 'assistant', text ? [{ type: 'reasoning', content: text }] : [])
        break
      }
      default:
        // A hosted tool's item: nothing in it changes the mock's reply.
        break
    }
  })
  return messages.filter((message) => message.parts.length > 0 || message.role !== 'assistant')
}

/**
 * Checks that every function_call_output refers to an earlier function_call,
 * and that every function_call in the new input has an output.
 */
function checkToolPairs(messages: GenAiMessage[], historyLength: number): void {
  const called = new Set<string>()
  const answered = new Set<string>()
  for (const message of messages) {
    for (const part of message.parts) {
      if (part.type === 'tool_call') called.add(part.id)
      if (part.type === 'tool_call_response') {
        if (!called.has(part.id)) {
          throw new OpenAIRequestError(
            `No tool call found for function call output with call_id ${part.id}.`,
            'input',
            null,
          )
        }
        answered.add(part.id)
      }
    }
  }
  for (const message of messages.slice(historyLength)) {
    for (const part of message.parts) {
      if (part.type === 'tool_call' && !answered.has(part.id)) {
        throw new OpenAIRequestError(
          `No tool output found for function call ${part.id}.`,
          'input',
          null,
        )
      }
    }
  }
}

function readTools(body: JsonObject): FunctionTool[] {
  const raw = readArray(body, 'tools', 'tools') ?? []
  const tools: FunctionTool[] = []
  raw.forEach((tool, index) => {
    const param = `tools[${index}]`
    if (!isJsonObject(tool)) throw invalidType(param, 'an object', tool)
    const type = requireString(tool, 'type', `${param}.type`)
    // Hosted tools (web search, file search, code interpreter, MCP) are accepted, but the mock never calls them.
    if (type === 'function') tools.push(readFunctionTool(tool, param))
  })
  return tools
}

function checkToolNamed(name: string, tools: FunctionTool[], param: string): void {
  if (!tools.some((tool) => tool.name === name)) {
    throw new OpenAIRequestError(
      `Tool choice '${name}' not found in 'tools' parameter.`,
      param,
      null,
    )
  }
}

function readToolChoice(
  body: JsonObject,
  tools: FunctionTool[],
): { choice: ToolChoice; tools: FunctionTool[] } {
  const raw = body.tool_choice
  if (raw === undefined || raw === null) return { choice: 'auto', tools }
  if (typeof raw === 'string') {
    if (raw !== 'none' && raw !== 'auto' && raw !== 'required') {
      throw invalidValue('tool_choice', raw, ['none', 'auto', 'required'])
    }
    return { choice: raw, tools }
  }
  if (!isJsonObject(raw)) throw invalidType('tool_choice', 'a string or an object', raw)
  const type = requireString(raw, 'type', 'tool_choice.type')
  if (type === 'function') {
    const name = requireString(raw, 'name', 'tool_choice.name')
    checkToolNamed(name, tools, 'tool_choice')
    return { choice: { name }, tools }
  }
  if (type === 'allowed_tools') {
    const mode = requireString(raw, 'mode', 'tool_choice.mode')
    if (mode !== 'auto' && mode !== 'required') {
      throw invalidValue('tool_choice.mode', mode, ['auto', 'required'])
    }
    const list = readArray(raw, 'tools', 'tool_choice.tools') ?? []
    const names = list.flatMap((entry, index) => {
      if (!isJsonObject(entry) || entry.type !== 'function') return []
      const name = requireString(entry, 'name', `tool_choice.tools[${index}].name`)
      checkToolNamed(name, tools, `tool_choice.tools[${index}]`)
      return [name]
    })
    return { choice: mode, tools: tools.filter((tool) => names.includes(tool.name)) }
  }
  // A hosted tool choice (such as web_search_preview): the mock never calls hosted tools.
  return { choice: 'auto', tools }
}

function usageBody(reply: MockReply): JsonObject {
  return {
    input_tokens: reply.usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
  }
}

interface OutputItems {
  message: JsonObject | null
  functionCalls: JsonObject[]
}

function outputItems(reply: MockReply, status: string): OutputItems {
  const message =
    reply.text === null
      ? null
      : {
          id: uniqueId('msg_', 32),
          type: 'message',
          status,
          role: 'assistant',
          content: [{ type: 'output_text', text: reply.text, annotations: [], logprobs: [] }],
        }
  const functionCalls = reply.toolCalls.map((call) => ({
    id: uniqueId('fc_', 32),
    type: 'function_call',
    status: 'completed',
    call_id: call.id,
    name: call.name,
    arguments: call.argumentsJson,
  }))
  return { message, functionCalls }
}

function streamEvents(
  inProgress: JsonObject,
  final: JsonObject,
  items: OutputItems,
  text: string | null,
  chunkSize: number,
): SseEvent[] {
  const events: SseEvent[] = []
  const emit = (type: string, fields: JsonObject) => {
    events.push({
      event: type,
      data: JSON.stringify({ type, sequence_number: events.length, ...fields }),
    })
  }
  emit('response.created', { response: inProgress })
  emit('response.in_progress', { response: inProgress })
  let outputIndex = 0
  if (items.message && text !== null) {
    const itemId = items.message.id as string
    const common = { item_id: itemId, output_index: outputIndex, content_index: 0 }
    emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...items.message, status: 'in_progress', content: [] },
    })
    emit('response.content_part.added', {
      ...common,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    })
    for (const delta of streamPieces(text, chunkSize)) {
      emit('response.output_text.delta', { ...common, delta, logprobs: [] })
    }
    emit('response.output_text.done', { ...common, text, logprobs: [] })
    emit('response.content_part.done', {
      ...common,
      part: { type: 'output_text', text, annotations: [], logprobs: [] },
    })
    emit('response.output_item.done', { output_index: outputIndex, item: items.message })
    outputIndex++
  }
  for (const item of items.functionCalls) {
    const itemId = item.id as string
    emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', arguments: '' },
    })
    for (const delta of streamPieces(item.arguments as string, chunkSize)) {
      emit('response.function_call_arguments.delta', {
        item_id: itemId,
        output_index: outputIndex,
        delta,
      })
    }
    emit('response.function_call_arguments.done', {
      item_id: itemId,
      output_index: outputIndex,
      name: item.name as string,
      arguments: item.arguments as string,
    })
    emit('response.output_item.done', { output_index: outputIndex, item })
    outputIndex++
  }
  emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
    response: final,
  })
  return events
}

function buildResult(request: ResponsesRequest, reply: MockReply, delivery: Delivery): ApiResult {
  const { call, raw } = request
  const incomplete = reply.finishReason === 'length'
  const status = incomplete ? 'incomplete' : 'completed'
  const id = uniqueId('resp_', 48)
  const createdAt = Math.floor(Date.now() / 1000)
  const items = outputItems(reply, status)
  const text = isJsonObject(raw.text) ? raw.text : {}
  const response: JsonObject = {
    id,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: raw.instructions ?? null,
    max_output_tokens: call.maxOutputTokens,
    max_tool_calls: null,
    model: call.model,
    output: [...(items.message ? [items.message] : []), ...items.functionCalls],
    parallel_tool_calls: call.parallelToolCalls,
    previous_response_id: request.previousResponseId,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: request.store,
    temperature: call.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium', ...text },
    tool_choice: raw.tool_choice ?? 'auto',
    tools: raw.tools ?? [],
    top_logprobs: 0,
    top_p: call.topP ?? 1,
    truncation: raw.truncation ?? 'disabled',
    usage: usageBody(reply),
    user: null,
    metadata: raw.metadata ?? {},
  }

  let finishReason = reply.toolCalls.length > 0 ? 'tool_calls' : 'stop'
  if (incomplete) finishReason = 'length'
  const output: CallOutput = {
    responseId: id,
    responseModel: call.model,
    messages: [outputMessage(reply, finishReason)],
    finishReasons: [finishReason],
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
  if (!call.stream) return { ...common, body: response, events: null }

  const inProgress = {
    ...response,
    status: 'in_progress',
    output: [],
    usage: null,
    incomplete_details: null,
  }
  return {
    ...common,
    body: null,
    events: streamEvents(inProgress, response, items, reply.text, delivery.chunkSize),
  }
}
