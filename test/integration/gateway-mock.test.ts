// The model gateway's automatic mock against real clients, on a core from
// startTestCore(). pydantic-ai agents (the Responses API and Chat
// Completions, run and run_stream) and the openai Python SDK run through
// test/interop/gateway_*.py. Raw HTTP covers the request checks, the
// streaming wire formats and Anthropic Messages, because the anthropic Python
// package is not in the interop requirements (pydantic-ai's Anthropic model
// runs only where it is installed). Each model call must show up in Loupe as
// a model-call span, under the caller's traceparent or under its run.

import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { JsonValue, SpanJson, TraceDetail } from '../../src/shared/api'
import { automaticResponder } from '../../src/core/gateway/answer'
import type { GatewayRun } from '../../src/core/gateway/types'
import { removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { showNormalized } from '../helpers/genai'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

function pythonHasModule(name: string): boolean {
  if (!python) return false
  try {
    execFileSync(python, ['-c', `import ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const anthropicInstalled = pythonHasModule('anthropic')

type Json = { [key: string]: JsonValue }

let loupe: TestCore
let openaiBase: string
let anthropicBase: string
const runs: GatewayRun[] = []

beforeAll(async () => {
  loupe = await startTestCore()
  openaiBase = `${loupe.otlpHttpUrl}/gateway/openai/v1`
  anthropicBase = `${loupe.otlpHttpUrl}/gateway/anthropic/v1`
})

afterAll(async () => {
  for (const run of runs) loupe?.core.runs.remove(run.id)
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** Registers a live mock run, as `loupe run --mock` does, and returns it. */
function addRun(seed: number): GatewayRun {
  const run: GatewayRun = {
    id: `run_${hex(8)}`,
    key: `loupe-run-${hex(16)}`,
    mode: 'mock',
    seed,
    respond: automaticResponder,
    upstreams: {},
    traceId: hex(16),
    rootSpanId: hex(8),
  }
  loupe.core.runs.add(run)
  runs.push(run)
  return run
}

const OPENAI_HEADERS = { Authorization: 'Bearer test-key', 'Content-Type': 'application/json' }
const ANTHROPIC_HEADERS = {
  'x-api-key': 'test-key',
  'anthropic-version': '2023-06-01',
  'Content-Type': 'application/json',
}

interface JsonReply {
  status: number
  headers: Headers
  body: Json
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<JsonReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  }
}

interface SseMessage {
  event: string | null
  data: string
}

async function postStream(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ contentType: string | null; events: SseMessage[] }> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
  expect(response.status, await response.clone().text()).toBe(200)
  const text = await response.text()
  const events = text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | null = null
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length)
        else if (line.startsWith('data: ')) data.push(line.slice('data: '.length))
      }
      return { event, data: data.join('\n') }
    })
  return { contentType: response.headers.get('content-type'), events }
}

/** Returns the problems of `value` against a JSON Schema, or [] when it is valid. */
function schemaProblems(schema: JsonValue, value: unknown): string[] {
  const result = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value)
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

/** Environment without OTel, Logfire, OpenAI or Anthropic settings inherited from the machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(OTEL_|LOGFIRE_|OPENAI_|ANTHROPIC_)/.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs a script of test/interop and returns the JSON on its last output line. */
async function runPython<T>(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<T> {
  const { stdout } = await execFileAsync(
    python!,
    [join(repoRoot, 'test/interop', script), ...args],
    {
      env: cleanEnv(env),
      timeout: 90_000,
    },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T
}

async function show(traceId: string): Promise<TraceDetail> {
  const { detail, normalized } = await showNormalized(loupe.dataDir, traceId)
  expect(normalized, `trace ${traceId} normalized`).toBe(true)
  return detail
}

function gatewaySpans(detail: TraceDetail): SpanJson[] {
  return detail.spans
    .filter((span) => span.serviceName === 'loupe-gateway')
    .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

function parsedAttribute(span: SpanJson, key: string): JsonValue {
  const value = span.attributes[key]
  return typeof value === 'string' ? (JSON.parse(value) as JsonValue) : null
}

/** Tool schemas covering the keywords the mock must satisfy. */
const POINT: Json = {
  type: 'object',
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
  },
  required: ['lat', 'lon'],
  additionalProperties: false,
}
const RICH_PARAMETERS: Json = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 3, maxLength: 12 },
    country_code: { type: 'string', pattern: '^[A-Z]{2}$' },
    postcode: { type: 'string', pattern: '^\\d{4} ?[A-Z]{2}$' },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    step: { type: 'number', multipleOf: 0.25, minimum: 1, maximum: 2 },
    unit: { enum: ['celsius', 'fahrenheit'] },
    detailed: { type: 'boolean' },
    day: { type: 'string', format: 'date' },
    at: { type: 'string', format: 'date-time' },
    contact: { type: 'string', format: 'email' },
    request_id: { type: 'string', format: 'uuid' },
    tags: {
      type: 'array',
      items: { type: 'string' },
      minItems: 2,
      maxItems: 4,
      uniqueItems: true,
    },
    point: { $ref: '#/$defs/Point' },
    route: { type: 'array', items: { $ref: '#/$defs/Point' }, minItems: 1 },
    note: { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'null' }] },
    shape: { oneOf: [{ $ref: '#/$defs/Circle' }, { $ref: '#/$defs/Square' }] },
    labels: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
    kind: { const: 'forecast' },
    nested: {
      type: 'object',
      properties: { deeper: { type: 'object', properties: { level: { type: 'integer' } } } },
      required: ['deeper'],
    },
  },
  required: [
    'city',
    'country_code',
    'postcode',
    'days',
    'threshold',
    'step',
    'unit',
    'detailed',
    'day',
    'at',
    'contact',
    'request_id',
    'tags',
    'point',
    'route',
    'note',
    'shape',
    'labels',
    'kind',
    'nested',
  ],
  additionalProperties: false,
  $defs: {
    Point: POINT,
    Circle: {
      type: 'object',
      properties: { radius: { type: 'number', minimum: 0 } },
      required: ['radius'],
      additionalProperties: false,
    },
    Square: {
      type: 'object',
      properties: { side: { type: 'number', minimum: 0 } },
      required: ['side'],
      additionalProperties: false,
    },
  },
}
const HUMIDITY_PARAMETERS: Json = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { enum: ['percent', 'ratio'] } },
  required: ['city', 'unit'],
}
const CHAT_TOOLS = [
  { type: 'function', function: { name: 'get_forecast', parameters: RICH_PARAMETERS } },
  { type: 'function', function: { name: 'get_humidity', parameters: HUMIDITY_PARAMETERS } },
]
const PARAMETERS_BY_NAME: Record<string, JsonValue> = {
  get_forecast: RICH_PARAMETERS,
  get_humidity: HUMIDITY_PARAMETERS,
}
const PROMPT = 'What is the weather in Utrecht?'

interface ChatToolCall {
  id: string
  type: string
  function: { name: string; arguments: string }
}

function chatMessage(reply: JsonReply): Json {
  const choices = reply.body.choices as Json[]
  return choices[0]!.message as Json
}

function toolCallsOf(reply: JsonReply): ChatToolCall[] {
  return (chatMessage(reply).tool_calls ?? []) as unknown as ChatToolCall[]
}

/** Builds the messages that send back a result for each tool call of `reply`. */
function withToolResults(reply: JsonReply): Json[] {
  const calls = toolCallsOf(reply)
  return [
    { role: 'user', content: PROMPT },
    { role: 'assistant', content: null, tool_calls: calls as unknown as JsonValue },
    ...calls.map((call) => ({
      role: 'tool',
      tool_call_id: call.id,
      content: `${call.function.name} result`,
    })),
  ]
}

describe('Chat Completions over HTTP', () => {
  const url = () => `${openaiBase}/chat/completions`
  const firstTurn = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: PROMPT }],
    tools: CHAT_TOOLS,
  }

  it('calls every tool with valid arguments', async () => {
    const reply = await post(url(), firstTurn, OPENAI_HEADERS)
    expect(reply.status).toBe(200)
    expect(reply.body.object).toBe('chat.completion')
    expect(reply.body.model).toBe('gpt-4o-mini')
    expect((reply.body.choices as Json[])[0]!.finish_reason).toBe('tool_calls')
    const calls = toolCallsOf(reply)
    expect(calls.map((c) => c.function.name)).toEqual(['get_forecast', 'get_humidity'])
    for (const call of calls) {
      expect(call.type).toBe('function')
      expect(call.id).toMatch(/^call_[0-9a-f]{24}$/)
      const args = JSON.parse(call.function.arguments) as unknown
      expect(
        schemaProblems(PARAMETERS_BY_NAME[call.function.name]!, args),
        call.function.name,
      ).toEqual([])
    }
    const usage = reply.body.usage as Json
    expect(usage.prompt_tokens).toBeGreaterThan(0)
    expect(usage.completion_tokens).toBeGreaterThan(0)
    expect(usage.total_tokens).toBe(Number(usage.prompt_tokens) + Number(usage.completion_tokens))
  })

  it('answers once tool results are back', async () => {
    const first = await post(url(), firstTurn, OPENAI_HEADERS)
    const reply = await post(
      url(),
      { ...firstTurn, messages: withToolResults(first) },
      OPENAI_HEADERS,
    )
    expect(reply.status).toBe(200)
    const message = chatMessage(reply)
    expect(message.tool_calls).toBeUndefined()
    expect(message.content).toContain('get_forecast returned get_forecast result')
    expect((reply.body.choices as Json[])[0]!.finish_reason).toBe('stop')
  })

  it('calls the output tool last', async () => {
    const tools = [
      ...CHAT_TOOLS,
      {
        type: 'function',
        function: {
          name: 'final_result',
          description: 'The final response which ends this conversation',
          parameters: {
            type: 'object',
            properties: {
              city: { type: 'string' },
              humidity: { type: 'integer', minimum: 0, maximum: 100 },
            },
            required: ['city', 'humidity'],
          },
        },
      },
    ]
    const first = await post(url(), { ...firstTurn, tools }, OPENAI_HEADERS)
    expect(toolCallsOf(first).map((c) => c.function.name)).toEqual(['get_forecast', 'get_humidity'])
    const second = await post(
      url(),
      { ...firstTurn, tools, messages: withToolResults(first) },
      OPENAI_HEADERS,
    )
    const calls = toolCallsOf(second)
    expect(calls.map((c) => c.function.name)).toEqual(['final_result'])
    const schema = tools[2]!.function.parameters as JsonValue
    expect(schemaProblems(schema, JSON.parse(calls[0]!.function.arguments))).toEqual([])
  })

  it.each([
    ['none', 'none', [], 'stop'],
    ['required', 'required', ['get_forecast', 'get_humidity'], 'tool_calls'],
    [
      'a named function',
      { type: 'function', function: { name: 'get_humidity' } },
      ['get_humidity'],
      'stop',
    ],
  ])('follows tool_choice %s', async (_name, toolChoice, names, finish) => {
    const reply = await post(url(), { ...firstTurn, tool_choice: toolChoice }, OPENAI_HEADERS)
    expect(reply.status).toBe(200)
    expect(toolCallsOf(reply).map((c) => c.function.name)).toEqual(names)
    expect((reply.body.choices as Json[])[0]!.finish_reason).toBe(finish)
  })

  it('calls one tool without parallel calls', async () => {
    const reply = await post(url(), { ...firstTurn, parallel_tool_calls: false }, OPENAI_HEADERS)
    expect(toolCallsOf(reply).map((c) => c.function.name)).toEqual(['get_forecast'])
  })

  it('answers in the response_format schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        days: { type: 'array', items: { $ref: '#/$defs/Day' }, minItems: 1 },
      },
      required: ['city', 'days'],
      additionalProperties: false,
      $defs: {
        Day: {
          type: 'object',
          properties: { date: { type: 'string', format: 'date' }, rain: { type: 'boolean' } },
          required: ['date', 'rain'],
          additionalProperties: false,
        },
      },
    }
    const reply = await post(
      url(),
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: PROMPT }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'forecast', schema, strict: true },
        },
      },
      OPENAI_HEADERS,
    )
    expect(reply.status, JSON.stringify(reply.body)).toBe(200)
    const content = chatMessage(reply).content as string
    expect(schemaProblems(schema, JSON.parse(content))).toEqual([])
  })

  it('streams chunks and a usage chunk', async () => {
    const body = { ...firstTurn, stream: true, stream_options: { include_usage: true } }
    const { contentType, events } = await postStream(url(), body, OPENAI_HEADERS)
    expect(contentType).toMatch(/^text\/event-stream/)
    expect(events.at(-1)?.data).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Json)
    for (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk')
    const usageChunk = chunks.at(-1)!
    expect(usageChunk.choices).toEqual([])
    expect((usageChunk.usage as Json).completion_tokens).toBeGreaterThan(0)
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull()
    const deltas = chunks.slice(0, -1).map((c) => (c.choices as Json[])[0]!)
    expect((deltas[0]!.delta as Json).role).toBe('assistant')
    expect(deltas.at(-1)!.finish_reason).toBe('tool_calls')

    // The argument pieces join to the same calls as the reply without streaming.
    const joined: { id: string; name: string; arguments: string }[] = []
    for (const delta of deltas) {
      for (const piece of ((delta.delta as Json).tool_calls ?? []) as Json[]) {
        const index = piece.index as number
        const fn = piece.function as Json
        joined[index] ??= { id: '', name: '', arguments: '' }
        joined[index].id += (piece.id as string | undefined) ?? ''
        joined[index].name += (fn.name as string | undefined) ?? ''
        joined[index].arguments += fn.arguments as string
      }
    }
    const unstreamed = toolCallsOf(await post(url(), firstTurn, OPENAI_HEADERS))
    expect(joined).toEqual(
      unstreamed.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
    )
  })

  it('repeats arguments for a seed', async () => {
    const argumentsFor = async (seed: number) =>
      toolCallsOf(await post(url(), { ...firstTurn, seed }, OPENAI_HEADERS)).map(
        (c) => c.function.arguments,
      )
    const first = await argumentsFor(5)
    expect(await argumentsFor(5)).toEqual(first)
    expect(await argumentsFor(6)).not.toEqual(first)
  })
})

describe('Responses API over HTTP', () => {
  const url = () => `${openaiBase}/responses`
  const tools = CHAT_TOOLS.map((tool) => ({ type: 'function', ...tool.function }))
  const firstTurn = { model: 'gpt-4o-mini', input: PROMPT, instructions: 'Use the tools.', tools }

  it('calls tools, then answers', async () => {
    const first = await post(url(), firstTurn, OPENAI_HEADERS)
    expect(first.status).toBe(200)
    expect(first.body.object).toBe('response')
    expect(first.body.status).toBe('completed')
    const calls = first.body.output as Json[]
    expect(calls.map((c) => c.type)).toEqual(['function_call', 'function_call'])
    for (const call of calls) {
      expect(
        schemaProblems(
          PARAMETERS_BY_NAME[call.name as string]!,
          JSON.parse(call.arguments as string),
        ),
      ).toEqual([])
    }

    const items = [
      { role: 'user', content: PROMPT },
      ...calls.flatMap((call) => [
        {
          type: 'function_call',
          call_id: call.call_id,
          name: call.name,
          arguments: call.arguments,
        },
        { type: 'function_call_output', call_id: call.call_id, output: 'done' },
      ]),
    ]

    const second = await post(url(), { ...firstTurn, input: items }, OPENAI_HEADERS)
    const output = second.body.output as Json[]
    expect(output.map((item) => item.type)).toEqual(['message'])
    const text = ((output[0]!.content as Json[])[0]!.text as string) ?? ''
    expect(text).toContain('get_humidity returned done')
    const usage = second.body.usage as Json
    expect(usage.total_tokens).toBe(Number(usage.input_tokens) + Number(usage.output_tokens))
  })

  it('continues from previous_response_id', async () => {
    const first = await post(url(), firstTurn, OPENAI_HEADERS)
    const outputs = (first.body.output as Json[]).map((call) => ({
      type: 'function_call_output',
      call_id: call.call_id,
      output: 'done',
    }))
    const second = await post(
      url(),
      { model: 'gpt-4o-mini', previous_response_id: first.body.id, input: outputs, tools },
      OPENAI_HEADERS,
    )
    expect(second.status, JSON.stringify(second.body)).toBe(200)
    expect((second.body.output as Json[]).map((item) => item.type)).toEqual(['message'])
  })

  it('answers in the text.format schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        humidity: { type: 'integer', minimum: 0, maximum: 100 },
      },
      required: ['city', 'humidity'],
      additionalProperties: false,
    }
    const reply = await post(
      url(),
      {
        model: 'gpt-4o-mini',
        input: PROMPT,
        text: { format: { type: 'json_schema', name: 'report', schema, strict: true } },
      },
      OPENAI_HEADERS,
    )
    const message = (reply.body.output as Json[])[0]!
    const text = (message.content as Json[])[0]!.text as string
    expect(schemaProblems(schema, JSON.parse(text))).toEqual([])
  })

  it('streams events in order', async () => {
    const { events } = await postStream(url(), { ...firstTurn, stream: true }, OPENAI_HEADERS)
    const parsed = events.map((e) => ({ name: e.event, data: JSON.parse(e.data) as Json }))
    for (const [index, event] of parsed.entries()) {
      expect(event.data.type).toBe(event.name)
      expect(event.data.sequence_number).toBe(index)
    }
    const names = parsed.map((e) => e.name)
    expect(names.slice(0, 3)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
    ])
    expect(names.at(-1)).toBe('response.completed')
    expect(names.filter((n) => n === 'response.function_call_arguments.done')).toHaveLength(2)

    const completed = parsed.at(-1)!.data.response as Json
    expect((completed.usage as Json).output_tokens).toBeGreaterThan(0)
    for (const item of completed.output as Json[]) {
      const deltas = parsed
        .filter(
          (e) => e.name === 'response.function_call_arguments.delta' && e.data.item_id === item.id,
        )
        .map((e) => e.data.delta as string)
      expect(deltas.join(''), `arguments of ${item.name as string}`).toBe(item.arguments)
    }
  })
})

describe('Anthropic Messages over HTTP', () => {
  const url = () => `${anthropicBase}/messages`
  const tools = [
    { name: 'get_forecast', description: 'Forecast for a city.', input_schema: RICH_PARAMETERS },
    { name: 'get_humidity', input_schema: HUMIDITY_PARAMETERS },
  ]
  const firstTurn = {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: 'You answer questions about the weather.',
    messages: [{ role: 'user', content: PROMPT }],
    tools,
  }

  it('calls tools, then answers', async () => {
    const first = await post(url(), firstTurn, ANTHROPIC_HEADERS)
    expect(first.status).toBe(200)
    expect(first.body.type).toBe('message')
    expect(first.body.stop_reason).toBe('tool_use')
    const blocks = first.body.content as Json[]
    expect(blocks.map((b) => b.name)).toEqual(['get_forecast', 'get_humidity'])
    for (const block of blocks) {
      expect(block.type).toBe('tool_use')
      expect(block.id).toMatch(/^toolu_/)
      expect(schemaProblems(PARAMETERS_BY_NAME[block.name as string]!, block.input)).toEqual([])
    }

    const second = await post(
      url(),
      {
        ...firstTurn,
        messages: [
          ...firstTurn.messages,
          { role: 'assistant', content: blocks },
          {
            role: 'user',
            content: blocks.map((b) => ({
              type: 'tool_result',
              tool_use_id: b.id,
              content: 'done',
            })),
          },
        ],
      },
      ANTHROPIC_HEADERS,
    )

    expect(second.status, JSON.stringify(second.body)).toBe(200)
    expect(second.body.stop_reason).toBe('end_turn')
    const text = (second.body.content as Json[])[0]!
    expect(text.type).toBe('text')
    expect(text.text).toContain('get_forecast returned done')
    const usage = second.body.usage as Json
    expect(usage.input_tokens).toBeGreaterThan(0)
    expect(usage.output_tokens).toBeGreaterThan(0)
  })

  it('streams message events', async () => {
    const { events } = await postStream(url(), { ...firstTurn, stream: true }, ANTHROPIC_HEADERS)
    const parsed = events.map((e) => ({ name: e.event, data: JSON.parse(e.data) as Json }))
    for (const event of parsed) expect(event.data.type).toBe(event.name)
    const names = parsed.map((e) => e.name).filter((name) => name !== 'ping')
    expect(names[0]).toBe('message_start')
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop'])
    expect(names.filter((n) => n === 'content_block_start')).toHaveLength(2)
    expect(names.filter((n) => n === 'content_block_stop')).toHaveLength(2)

    const start = parsed[0]!.data.message as Json
    expect((start.usage as Json).input_tokens).toBeGreaterThan(0)
    const messageDelta = parsed.find((e) => e.name === 'message_delta')!.data
    expect((messageDelta.delta as Json).stop_reason).toBe('tool_use')
    expect((messageDelta.usage as Json).output_tokens).toBeGreaterThan(0)

    // The partial JSON of each tool_use block joins to the input sent without streaming.
    const unstreamed = (await post(url(), firstTurn, ANTHROPIC_HEADERS)).body.content as Json[]
    for (const [index, block] of unstreamed.entries()) {
      const started = parsed.find((e) => e.name === 'content_block_start' && e.data.index === index)
      expect((started?.data.content_block as Json).id).toBe(block.id)
      const json = parsed
        .filter((e) => e.name === 'content_block_delta' && e.data.index === index)
        .map((e) => (e.data.delta as Json).partial_json as string)
        .join('')
      expect(JSON.parse(json), `input of ${block.name as string}`).toEqual(block.input)
    }
  })

  it('answers in the output_config schema', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, rain: { type: 'boolean' } },
      required: ['city', 'rain'],
      additionalProperties: false,
    }
    const reply = await post(
      url(),
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 1024,
        messages: [{ role: 'user', content: PROMPT }],
        output_config: { format: { type: 'json_schema', schema } },
      },
      ANTHROPIC_HEADERS,
    )
    const text = (reply.body.content as Json[])[0]!.text as string
    expect(schemaProblems(schema, JSON.parse(text))).toEqual([])
  })

  it('counts tokens as the messages call does', async () => {
    const { max_tokens: _maxTokens, ...countable } = firstTurn
    const count = await post(`${url()}/count_tokens`, countable, ANTHROPIC_HEADERS)
    const message = await post(url(), firstTurn, ANTHROPIC_HEADERS)
    expect(count.status).toBe(200)
    expect(count.body.input_tokens).toBe((message.body.usage as Json).input_tokens)
  })
})

describe('model lists', () => {
  it('lists OpenAI models', async () => {
    const response = await fetch(`${openaiBase}/models`, { headers: OPENAI_HEADERS })
    const body = (await response.json()) as Json
    expect(response.status).toBe(200)
    expect(body.object).toBe('list')
    expect((body.data as Json[]).map((m) => m.id)).toContain('gpt-4o-mini')
    const one = await fetch(`${openaiBase}/models/gpt-4o-mini`, { headers: OPENAI_HEADERS })
    expect(((await one.json()) as Json).object).toBe('model')
  })

  it('lists Anthropic models in pages', async () => {
    const response = await fetch(`${anthropicBase}/models?limit=2`, { headers: ANTHROPIC_HEADERS })
    const body = (await response.json()) as Json
    expect(response.status).toBe(200)
    expect(body.data as Json[]).toHaveLength(2)
    expect(body.has_more).toBe(true)
    const next = await fetch(`${anthropicBase}/models?after_id=${String(body.last_id)}`, {
      headers: ANTHROPIC_HEADERS,
    })
    const ids = ((await next.json()) as Json).data as Json[]
    expect(ids.map((m) => m.id)).not.toContain(body.last_id)
  })
})

interface ErrorCase {
  name: string
  path: () => string
  headers: Record<string, string>
  body: unknown
  status: number
  /** OpenAI's error fields, or Anthropic's error type and message. */
  error: { type: string; param?: string | null; code?: string | null; message: RegExp }
}

const openai = (
  name: string,
  path: string,
  body: unknown,
  status: number,
  error: ErrorCase['error'],
) => ({
  name,
  path: () => `${openaiBase}${path}`,
  headers: OPENAI_HEADERS,
  body,
  status,
  error,
})
const anthropic = (name: string, body: unknown, status: number, type: string, message: RegExp) => ({
  name,
  path: () => `${anthropicBase}/messages`,
  headers: ANTHROPIC_HEADERS,
  body,
  status,
  error: { type, message },
})
const user = { role: 'user', content: 'hi' }
const chat = (fields: Json) => ({ model: 'gpt-4o-mini', messages: [user], ...fields })
const callMessage = {
  role: 'assistant',
  content: null,
  tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
}
const invalid = 'invalid_request_error'

const errorCases: ErrorCase[] = [
  openai('chat without model', '/chat/completions', { messages: [user] }, 400, {
    type: invalid,
    message: /must provide a model/,
  }),
  openai('chat without messages', '/chat/completions', { model: 'gpt-4o-mini' }, 400, {
    type: invalid,
    param: 'messages',
    code: 'missing_required_parameter',
    message: /^Missing required parameter: 'messages'\.$/,
  }),
  openai('chat with empty messages', '/chat/completions', chat({ messages: [] }), 400, {
    type: invalid,
    param: 'messages',
    code: 'empty_array',
    message: /empty array/,
  }),
  openai(
    'chat with a bad role',
    '/chat/completions',
    chat({ messages: [{ role: 'robot', content: 'x' }] }),
    400,
    {
      type: invalid,
      param: 'messages[0].role',
      code: 'invalid_value',
      message: /^Invalid value: 'robot'\. Supported values are: 'system', .*'developer'\.$/,
    },
  ),
  openai(
    'chat tool message without a call',
    '/chat/completions',
    chat({ messages: [user, { role: 'tool', tool_call_id: 'call_1', content: 'r' }] }),
    400,
    {
      type: invalid,
      param: 'messages.[1].role',
      code: null,
      message: /must be a response to a preceding message with 'tool_calls'/,
    },
  ),
  openai(
    'chat tool message answering another id',
    '/chat/completions',
    chat({ messages: [user, callMessage, { role: 'tool', tool_call_id: 'call_2', content: 'r' }] }),
    400,
    { type: invalid, param: 'messages.[2].tool_call_id', message: /'call_2' not found/ },
  ),
  openai(
    'chat with an unanswered call',
    '/chat/completions',
    chat({ messages: [user, callMessage, user] }),
    400,
    {
      type: invalid,
      param: 'messages.[1].role',
      message: /did not have response messages: call_1$/,
    },
  ),
  openai('chat with temperature 3', '/chat/completions', chat({ temperature: 3 }), 400, {
    type: invalid,
    param: 'temperature',
    code: 'decimal_above_max_value',
    message: /Expected a value <= 2, but got 3 instead/,
  }),
  openai(
    'chat tool_choice without tools',
    '/chat/completions',
    chat({ tool_choice: 'auto' }),
    400,
    {
      type: invalid,
      param: 'tool_choice',
      message: /only allowed when 'tools' are specified/,
    },
  ),
  openai(
    'chat with a bad tool name',
    '/chat/completions',
    chat({ tools: [{ type: 'function', function: { name: 'get weather' } }] }),
    400,
    { type: invalid, param: 'tools[0].function.name', message: /does not match pattern/ },
  ),
  openai(
    'chat with a non-strict strict schema',
    '/chat/completions',
    chat({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'r',
          strict: true,
          schema: { type: 'object', properties: { a: { type: 'string' } } },
        },
      },
    }),
    400,
    {
      type: invalid,
      code: 'invalid_json_schema',
      message: /'additionalProperties' is required to be supplied and to be false/,
    },
  ),
  openai(
    'chat stream_options without stream',
    '/chat/completions',
    chat({ stream_options: { include_usage: true } }),
    400,
    {
      type: invalid,
      param: 'stream_options',
      message: /only allowed when 'stream' is enabled/,
    },
  ),
  openai('chat with a body that is not JSON', '/chat/completions', '{"model": ', 400, {
    type: invalid,
    message: /not valid JSON/,
  }),
  openai('responses without model', '/responses', { input: 'hi' }, 400, {
    type: invalid,
    param: 'model',
    code: 'missing_required_parameter',
    message: /'model'/,
  }),
  openai(
    'responses with a bad role',
    '/responses',
    { model: 'gpt-4o-mini', input: [{ role: 'robot', content: 'x' }] },
    400,
    {
      type: invalid,
      param: 'input[0].role',
      code: 'invalid_value',
      message: /Supported values are: 'assistant', 'system', 'developer', and 'user'/,
    },
  ),
  openai(
    'responses output without a call',
    '/responses',
    {
      model: 'gpt-4o-mini',
      input: [user, { type: 'function_call_output', call_id: 'call_9', output: 'r' }],
    },
    400,
    {
      type: invalid,
      param: 'input',
      message: /^No tool call found for function call output with call_id call_9\.$/,
    },
  ),
  openai(
    'responses call without an output',
    '/responses',
    {
      model: 'gpt-4o-mini',
      input: [user, { type: 'function_call', call_id: 'call_9', name: 'f', arguments: '{}' }],
    },
    400,
    { type: invalid, param: 'input', message: /^No tool output found for function call call_9\.$/ },
  ),
  openai(
    'responses with max_output_tokens 5',
    '/responses',
    { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 5 },
    400,
    {
      type: invalid,
      param: 'max_output_tokens',
      code: 'integer_below_min_value',
      message: /Expected a value >= 16/,
    },
  ),
  openai(
    'responses with an unknown previous response',
    '/responses',
    { model: 'gpt-4o-mini', input: 'hi', previous_response_id: 'resp_missing' },
    400,
    {
      type: invalid,
      param: 'previous_response_id',
      code: 'previous_response_not_found',
      message: /resp_missing/,
    },
  ),
  anthropic(
    'messages without max_tokens',
    { model: 'claude-sonnet-4-5', messages: [user] },
    400,
    invalid,
    /^max_tokens: Field required$/,
  ),
  anthropic(
    'messages with a bad role',
    { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] },
    400,
    invalid,
    /^messages\.0\.role: Input should be 'user' or 'assistant'$/,
  ),
  anthropic(
    'messages with an unanswered tool_use',
    {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [
        user,
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        user,
      ],
    },
    400,
    invalid,
    /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1\./,
  ),
  anthropic(
    'messages with a stray tool_result',
    {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'r' }] },
      ],
    },
    400,
    invalid,
    /^messages\.0\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2\./,
  ),
  anthropic(
    'messages with empty content',
    { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: '' }] },
    400,
    invalid,
    /^messages\.0: all messages must have non-empty content/,
  ),
  anthropic(
    'messages with a tool without input_schema',
    { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [user], tools: [{ name: 'f' }] },
    400,
    invalid,
    /^tools\.0\.custom\.input_schema: Field required$/,
  ),
  anthropic(
    'messages with temperature 1.5',
    { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [user], temperature: 1.5 },
    400,
    invalid,
    /^temperature: Input should be less than or equal to 1$/,
  ),
  {
    name: 'messages without anthropic-version',
    path: () => `${anthropicBase}/messages`,
    headers: { 'x-api-key': 'test-key', 'Content-Type': 'application/json' },
    body: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [user] },
    status: 400,
    error: { type: invalid, message: /^anthropic-version: header is required$/ },
  },
  {
    name: 'chat without a key',
    path: () => `${openaiBase}/chat/completions`,
    headers: { 'Content-Type': 'application/json' },
    body: chat({}),
    status: 401,
    error: { type: invalid, message: /Missing API key/ },
  },
  {
    name: 'messages without a key',
    path: () => `${anthropicBase}/messages`,
    headers: { 'anthropic-version': '2023-06-01', 'Content-Type': 'application/json' },
    body: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [user] },
    status: 401,
    error: { type: 'authentication_error', message: /Missing API key/ },
  },
  openai('an unknown OpenAI path', '/embeddings', { model: 'x', input: 'y' }, 404, {
    type: invalid,
    message: /^Invalid URL \(POST \/gateway\/openai\/v1\/embeddings\)/,
  }),
]

describe('request checks', () => {
  it.each(errorCases.map((c) => [c.name, c] as const))('rejects %s', async (_name, c) => {
    const reply = await post(c.path(), c.body, c.headers)
    expect(reply.status).toBe(c.status)
    const isAnthropic = c.path().startsWith(anthropicBase)
    if (isAnthropic) {
      expect(reply.body.type).toBe('error')
      expect(reply.headers.get('request-id')).toBe(reply.body.request_id)
    }
    const error = reply.body.error as Json
    expect(error.type).toBe(c.error.type)
    expect(error.message).toMatch(c.error.message)
    if (!isAnthropic) {
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type'])
      if (c.error.param !== undefined) expect(error.param).toBe(c.error.param)
      if (c.error.code !== undefined) expect(error.code).toBe(c.error.code)
    }
  })

  it('records rejected calls of a run', async () => {
    const run = addRun(1)
    const headers = { ...OPENAI_HEADERS, Authorization: `Bearer ${run.key}` }
    const reply = await post(
      `${openaiBase}/chat/completions`,
      { model: 'gpt-4o-mini', messages: [] },
      headers,
    )
    expect(reply.status).toBe(400)
    const [span] = gatewaySpans(await show(run.traceId))
    expect(span?.status).toBe('error')
    expect(span?.statusMessage).toMatch(/empty array/)
    expect(span?.attributes['http.response.status_code']).toBe(400)
    expect(span?.attributes['error.type']).toBe('invalid_request_error')
    expect(span?.parentSpanId).toBe(run.rootSpanId)
  })
})

interface SdkTurn {
  toolCalls: { id: string; name: string; arguments: Json }[]
  answer: string
}

interface SdkReport {
  /** The parameter schema of each tool the script offered, by name. */
  parameters: Record<string, JsonValue>
  chat: SdkTurn & { finishReasons: string[]; answerFinishReason: string }
  chatStream: SdkTurn & { finishReasons: string[]; usageChunks: Json[] }
  responses: SdkTurn & { status: string }
  responsesStream: SdkTurn & { eventTypes: string[] }
  chatParsed: Json
  responsesParsed: Json
  models: string[]
  invalid: { status: number; body: Json } | null
}

describe.skipIf(!python)('openai Python SDK', () => {
  const traceId = hex(16)
  const parentSpanId = hex(8)
  let report: SdkReport
  let detail: TraceDetail

  beforeAll(async () => {
    report = await runPython<SdkReport>(
      'gateway_openai_sdk.py',
      [openaiBase, 'sdk-test-key', `00-${traceId}-${parentSpanId}-01`],
      {},
    )
    detail = await show(traceId)
  })

  it.each(['chat', 'chatStream', 'responses', 'responsesStream'] as const)(
    'calls both tools in %s',
    (turn) => {
      const calls = report[turn].toolCalls
      expect(calls.map((c) => c.name)).toEqual(['get_forecast', 'get_humidity'])
      for (const call of calls) {
        expect(schemaProblems(report.parameters[call.name]!, call.arguments), call.name).toEqual([])
      }
      expect(report[turn].answer).toMatch(/get_forecast returned result of get_forecast/)
    },
  )

  it('streams the same calls', () => {
    expect(report.chatStream.toolCalls).toEqual(report.chat.toolCalls)
    expect(report.responsesStream.toolCalls).toEqual(report.responses.toolCalls)
    expect(report.chatStream.usageChunks).toHaveLength(1)
    expect(report.chatStream.finishReasons).toEqual(['tool_calls'])
    expect(report.responsesStream.eventTypes).toEqual(
      expect.arrayContaining([
        'response.created',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.completed',
      ]),
    )
  })

  it('parses structured output', () => {
    const reportSchema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        humidity_percent: { type: 'integer', minimum: 0, maximum: 100 },
      },
      required: ['city', 'humidity_percent'],
    }
    expect(schemaProblems(reportSchema, report.chatParsed)).toEqual([])
    expect(schemaProblems(reportSchema, report.responsesParsed)).toEqual([])
  })

  it('lists models', () => {
    expect(report.models).toContain('gpt-4o-mini')
  })

  it('raises BadRequestError for invalid requests', () => {
    expect(report.invalid?.status).toBe(400)
    expect(report.invalid?.body.param).toBe('messages.[1].role')
  })

  it('records calls under the traceparent', () => {
    // Two calls per tool turn (four turns), two parse calls and the rejected call.
    const spans = gatewaySpans(detail)
    expect(spans).toHaveLength(11)
    for (const span of spans) {
      expect(span.parentSpanId, span.name).toBe(parentSpanId)
      expect(span.kind, span.name).toBe('model')
      expect(span.provider).toBe('openai')
      expect(span.attributes['loupe.run.id']).toBeUndefined()
      expect(span.attributes['loupe.gateway.mode']).toBe('mock')
    }
    const apis = spans.map((s) => s.attributes['loupe.gateway.api'])
    expect(apis.filter((api) => api === 'openai.chat_completions')).toHaveLength(6)
    expect(apis.filter((api) => api === 'openai.responses')).toHaveLength(5)
  })
})

interface AgentReport {
  toolCalls: { name: string; id: string; arguments: Json; problem: string | null }[]
  retries: JsonValue[]
  output: Json
  outputValid: boolean
  requests: number
  inputTokens: number
  outputTokens: number
  traceId: string
}

const OUTPUT_TOOL = 'final_result'

function agentEnv(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OPENAI_BASE_URL: openaiBase,
    OPENAI_API_KEY: key,
    ANTHROPIC_BASE_URL: `${loupe.otlpHttpUrl}/gateway/anthropic`,
    ANTHROPIC_API_KEY: key,
    OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl,
    ...extra,
  }
}

/**
 * Model, run mode, the gateway API that serves the model, and the way
 * pydantic-ai requests the structured output: through its output tool, or with
 * the API's own JSON schema format (NativeOutput).
 */
const agentCases = [
  ['openai:gpt-4o-mini', 'run', 'openai.responses', 'tool'],
  ['openai:gpt-4o-mini', 'stream', 'openai.responses', 'tool'],
  ['openai:gpt-4o-mini', 'run', 'openai.responses', 'native'],
  ['openai-chat:gpt-4o-mini', 'run', 'openai.chat_completions', 'tool'],
  ['openai-chat:gpt-4o-mini', 'stream', 'openai.chat_completions', 'tool'],
  ['openai-chat:gpt-4o-mini', 'stream', 'openai.chat_completions', 'native'],
  ['anthropic:claude-sonnet-4-5', 'run', 'anthropic.messages', 'tool'],
  ['anthropic:claude-sonnet-4-5', 'stream', 'anthropic.messages', 'tool'],
] as const

for (const [model, mode, api, output] of agentCases) {
  // The anthropic package comes with pydantic-ai-slim[anthropic] in test/interop/requirements.txt.
  const missing = model.startsWith('anthropic:') && !anthropicInstalled
  const propagates = model.startsWith('anthropic:')
  const title = `pydantic-ai ${model} ${mode} ${output} output${missing ? ' (needs the anthropic Python package)' : ''}`
  describe.skipIf(!python || missing)(title, () => {
    let run: GatewayRun
    let report: AgentReport
    let runTrace: TraceDetail

    beforeAll(async () => {
      run = addRun(11)
      const flags = output === 'native' ? ['--native'] : []
      report = await runPython<AgentReport>(
        'gateway_agent.py',
        [model, mode, ...flags],
        agentEnv(run.key),
      )
      // The anthropic SDK traces its own calls and sends their traceparent, so
      // its gateway spans join the agent's trace; the others hang under the run.
      runTrace = await show(propagates ? report.traceId : run.traceId)
    })

    it('completes with valid output', () => {
      expect(report.retries, 'retry prompts pydantic-ai sent').toEqual([])
      expect(report.outputValid).toBe(true)
      expect(report.requests).toBe(2)
      expect(report.inputTokens).toBeGreaterThan(0)
      expect(report.outputTokens).toBeGreaterThan(0)
    })

    it('calls both tools with valid arguments', () => {
      const calls = report.toolCalls.filter((call) => call.name !== OUTPUT_TOOL)
      expect(calls.map((call) => call.name).sort()).toEqual(['get_forecast', 'get_humidity'])
      for (const call of calls) expect(call.problem, call.name).toBeNull()

      // The arguments also hold against the schemas pydantic-ai sent, as the gateway stored them.
      const [first] = gatewaySpans(runTrace)
      const definitions = parsedAttribute(first!, 'gen_ai.tool.definitions') as Json[]
      const schemas = new Map(definitions.map((d) => [d.name as string, d.parameters as JsonValue]))
      for (const call of report.toolCalls) {
        expect(schemaProblems(schemas.get(call.name)!, call.arguments), call.name).toEqual([])
      }
      if (output === 'tool') {
        expect(report.toolCalls.at(-1)?.name, 'the output tool comes last').toBe(OUTPUT_TOOL)
      } else {
        expect(report.toolCalls.map((call) => call.name)).not.toContain(OUTPUT_TOOL)
      }
    })

    it('records each call under the run', () => {
      const spans = gatewaySpans(runTrace)
      expect(spans).toHaveLength(2)
      for (const span of spans) {
        expect(span.kind).toBe('model')
        if (propagates) {
          const parent = runTrace.spans.find((s) => s.spanId === span.parentSpanId)
          expect(parent?.name).toBe('anthropic.messages.create')
        } else {
          expect(span.parentSpanId).toBe(run.rootSpanId)
        }
        expect(span.status).not.toBe('error')
        expect(span.attributes['loupe.run.id']).toBe(run.id)
        expect(span.attributes['loupe.gateway.mode']).toBe('mock')
        expect(span.attributes['loupe.gateway.api']).toBe(api)
        // pydantic-ai 2.68's Anthropic model streams even a plain run.
        expect(span.attributes['loupe.gateway.stream']).toBe(mode === 'stream' || propagates)
        expect(span.model).toBe(model.split(':')[1])
        expect(span.inputTokens).toBeGreaterThan(0)
        expect(span.outputTokens).toBeGreaterThan(0)
      }
      expect(spans[1]!.attributes['gen_ai.output.type']).toBe(output === 'native' ? 'json' : 'text')
      expect(runTrace.trace.inputTokens).toBe(report.inputTokens)
      expect(runTrace.trace.outputTokens).toBe(report.outputTokens)
      const calledIds = spans[0]!
        .outputMessages!.flatMap((m) => m.parts)
        .flatMap((p) => (p.type === 'tool_call' ? [p.id] : []))
      expect(calledIds.sort()).toEqual(
        report.toolCalls
          .filter((call) => call.name !== OUTPUT_TOOL)
          .map((call) => call.id)
          .sort(),
      )
    })
  })
}

describe.skipIf(!python)('pydantic-ai determinism', () => {
  const toolArguments = async (seed: number) => {
    const run = addRun(seed)
    const report = await runPython<AgentReport>(
      'gateway_agent.py',
      ['openai-chat:gpt-4o-mini', 'run'],
      agentEnv(run.key),
    )
    return report.toolCalls.map((call) => ({
      name: call.name,
      id: call.id,
      arguments: call.arguments,
    }))
  }

  it('repeats tool arguments for a seed', async () => {
    const first = await toolArguments(21)
    expect(await toolArguments(21)).toEqual(first)
    expect(await toolArguments(22)).not.toEqual(first)
  })
})

describe.skipIf(!python)('pydantic-ai with traceparent', () => {
  let detail: TraceDetail

  beforeAll(async () => {
    const report = await runPython<AgentReport>(
      'gateway_agent.py',
      ['openai:gpt-4o-mini', 'run', '--traceparent'],
      agentEnv('any-key'),
    )
    detail = await show(report.traceId)
  })

  it('nests gateway spans in model calls', () => {
    const spans = gatewaySpans(detail)
    expect(spans).toHaveLength(2)
    const byId = new Map(detail.spans.map((span) => [span.spanId, span]))
    for (const span of spans) {
      const parent = byId.get(span.parentSpanId ?? '')
      expect(parent?.serviceName, span.spanId).toBe('gateway-agent')
      expect(parent?.kind, span.spanId).toBe('model')
      expect(span.attributes['loupe.run.id']).toBeUndefined()
    }
    // Loupe counts a model call seen by the agent and by the gateway once.
    expect(detail.trace.modelCalls).toBe(2)
  })
})

describe('API keys', () => {
  it('are never stored', async () => {
    const key = `secret-${hex(12)}`
    const run = addRun(3)
    for (const authorization of [key, run.key]) {
      const reply = await post(
        `${openaiBase}/chat/completions`,
        { model: 'gpt-4o-mini', messages: [user] },
        { ...OPENAI_HEADERS, Authorization: `Bearer ${authorization}` },
      )
      expect(reply.status).toBe(200)
    }
    await show(run.traceId)
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name)
        return statSync(path).isDirectory() ? files(path) : [path]
      })
    for (const file of files(loupe.dataDir)) {
      const bytes = readFileSync(file)
      expect(bytes.includes(key), `${file} contains the key`).toBe(false)
      expect(bytes.includes(run.key), `${file} contains the run's key`).toBe(false)
    }
  })
})
