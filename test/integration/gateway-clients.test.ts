// Real provider clients against the mock model gateway: the openai and
// anthropic Python SDKs (test/interop/clients/*_sdk.py), the openai JS SDK
// in this process, and an agent without OpenTelemetry or an SDK that
// `loupe run --mock` starts. Each test checks what the client's user sees
// (text, tool calls with valid arguments, structured output, token usage)
// and that Loupe stored each call as a gateway span with the same model,
// tokens, text and tool calls. The AI SDK has its own file,
// gateway-clients-ai-sdk.test.ts.

import OpenAI from 'openai'
import type {
  ChatCompletion,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions'
import type {
  FunctionTool,
  Response,
  ResponseInputItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses'
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { RunJson, SpanJson } from '../../src/shared/api'
import { removeDir, runCli, startTestCore, type TestCore } from '../helpers/core'
import {
  cleanEnv,
  clientsDir,
  expectCallsStored,
  expectedAnswer,
  expectToolTurn,
  expectUsageReported,
  fetchTrace,
  gatewaySpans,
  newTraceparent,
  runClientScript,
  scenarioOf,
  schemaProblems,
  spanText,
  toolSchema,
  weather,
  type ClientCall,
  type ClientScriptReport,
  type ClientToolCall,
  type JsonObject,
} from '../helpers/gateway-clients'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** A fake key: the mock accepts any key outside a run. */
const API_KEY = 'sk-test-not-a-real-key'
const OPENAI_MODEL = 'gpt-4o-mini'
const BOTH_TOOLS = weather.tools.map((tool) => tool.name)

let loupe: TestCore
let openaiBase: string
let anthropicBase: string

beforeAll(async () => {
  loupe = await startTestCore()
  openaiBase = `${loupe.otlpHttpUrl}/gateway/openai/v1`
  anthropicBase = `${loupe.otlpHttpUrl}/gateway/anthropic`
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/** Drops event types that repeat the one before, such as a run of delta events. */
function withoutRepeats(types: string[]): string[] {
  return types.filter((type, index) => type !== types[index - 1])
}

function expectJsonOutputStored(span: SpanJson, parsed: unknown): void {
  expect(span.attributes['gen_ai.output.type']).toBe('json')
  expect(JSON.parse(spanText(span)!)).toEqual(parsed)
}

describe.skipIf(!python)('openai Python SDK', () => {
  let report: ClientScriptReport

  beforeAll(async () => {
    report = await runClientScript<ClientScriptReport>(python!, 'openai_sdk.py', [
      openaiBase,
      API_KEY,
    ])
  })

  it('chat.completions.create calls both tools', async () => {
    const { traceId, calls } = scenarioOf(report, 'chat_tools')
    expectToolTurn(calls, BOTH_TOOLS, { toolCalls: 'tool_calls', answer: 'stop' })
    expectCallsStored(await fetchTrace(loupe, traceId), calls, 'openai.chat_completions')
  })

  it('streams chat with a usage chunk', async () => {
    const { traceId, calls, details } = scenarioOf(report, 'chat_tools_stream')
    expectToolTurn(calls, BOTH_TOOLS, { toolCalls: 'tool_calls', answer: 'stop' })
    // include_usage adds one chunk, the last, with usage and no choices.
    const chunkCount = details.chunkCount as number
    expect(details.usageChunkIndexes).toEqual([chunkCount - 1])
    const deltas = details.textDeltas as string[]
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe(calls[1]!.text)
    expectCallsStored(await fetchTrace(loupe, traceId), calls, 'openai.chat_completions')
  })

  it('responses.create calls the function tool', async () => {
    const { traceId, calls } = scenarioOf(report, 'responses_tool')
    expectToolTurn(calls, ['get_forecast'], { toolCalls: 'completed', answer: 'completed' })
    expectCallsStored(await fetchTrace(loupe, traceId), calls, 'openai.responses')
  })

  it('streams responses events', async () => {
    const { traceId, calls, details } = scenarioOf(report, 'responses_tool_stream')
    expectToolTurn(calls, ['get_forecast'], { toolCalls: 'completed', answer: 'completed' })
    const [toolEvents, textEvents] = details.eventTypes as [string[], string[]]
    expect(withoutRepeats(toolEvents)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(withoutRepeats(textEvents)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    const [, textDeltas] = details.textDeltas as [string[], string[]]
    expect(textDeltas.join('')).toBe(calls[1]!.text)
    expectCallsStored(await fetchTrace(loupe, traceId), calls, 'openai.responses')
  })

  it.each([
    ['chat_json_schema', 'openai.chat_completions', 'stop'],
    ['responses_json_schema', 'openai.responses', 'completed'],
  ])('%s returns schema-valid JSON', async (name, api, finishReason) => {
    const { traceId, calls, details } = scenarioOf(report, name)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.finishReason).toBe(finishReason)
    expect(schemaProblems(weather.report.schema, details.parsed)).toEqual([])
    expectUsageReported(calls[0]!)
    const detail = await fetchTrace(loupe, traceId)
    expectCallsStored(detail, calls, api)
    expectJsonOutputStored(gatewaySpans(detail)[0]!, details.parsed)
  })
})

describe.skipIf(!python)('anthropic Python SDK', () => {
  let report: ClientScriptReport

  beforeAll(async () => {
    report = await runClientScript<ClientScriptReport>(python!, 'anthropic_sdk.py', [
      anthropicBase,
      API_KEY,
    ])
  })

  it('messages.create calls both tools', async () => {
    const { traceId, calls } = scenarioOf(report, 'messages_tool')
    expectToolTurn(calls, BOTH_TOOLS, { toolCalls: 'tool_use', answer: 'end_turn' })
    expectCallsStored(await fetchTrace(loupe, traceId), calls, 'anthropic.messages')
  })

  it('messages.stream streams both calls', async () => {
    const { traceId, calls, details } = scenarioOf(report, 'messages_stream')
    expectToolTurn(calls, BOTH_TOOLS, { toolCalls: 'tool_use', answer: 'end_turn' })
    const events = details.eventTypes as string[]
    expect(events[0]).toBe('message_start')
    expect(events.at(-2)).toBe('message_delta')
    expect(events.at(-1)).toBe('message_stop')
    expect(events.filter((type) => type === 'content_block_start')).toHaveLength(2)
    expect(events).toContain('input_json')
    const deltas = details.textDeltas as string[]
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe(calls[1]!.text)
    expectCallsStored(await fetchTrace(loupe, traceId), calls, 'anthropic.messages')
  })
})

describe('openai JS SDK', () => {
  const chatTools: ChatCompletionTool[] = weather.tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters as JsonObject,
      strict: true,
    },
  }))
  const forecast = weather.tools.find((tool) => tool.name === 'get_forecast')!
  const forecastTool: FunctionTool[] = [
    {
      type: 'function',
      name: forecast.name,
      description: forecast.description,
      parameters: forecast.parameters as JsonObject,
      strict: true,
    },
  ]

  /** Creates a client whose calls all carry a new traceparent, so they land in one trace. */
  function newClient(): { client: OpenAI; traceId: string } {
    const { traceId, traceparent } = newTraceparent()
    const client = new OpenAI({
      baseURL: openaiBase,
      apiKey: API_KEY,
      defaultHeaders: { traceparent },
      maxRetries: 0,
    })
    return { client, traceId }
  }

  /** Runs the weather tools in the fixture's way (weather.py's run_tool). */
  function runTool(name: string, args: JsonObject): string {
    if (name === 'get_forecast') {
      return `${String(args.days)}-day forecast for ${String(args.city)}: sunny, in ${String(args.unit)}`
    }
    const location = args.location as { city: string; country_code: string }
    return `humidity in ${location.city}, ${location.country_code}: 40%`
  }

  function completionCall(completion: ChatCompletion, stream: boolean): ClientCall {
    const choice = completion.choices[0]!
    const usage = completion.usage!
    const toolCalls = (choice.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function'
        ? [
            {
              id: call.id,
              name: call.function.name,
              arguments: JSON.parse(call.function.arguments) as JsonObject,
            },
          ]
        : [],
    )
    return {
      responseId: completion.id,
      model: completion.model,
      stream,
      text: choice.message.content,
      toolCalls,
      usage: {
        input: usage.prompt_tokens,
        output: usage.completion_tokens,
        total: usage.total_tokens,
      },
      finishReason: choice.finish_reason,
    }
  }

  /** Runs the tools of a call and returns the messages that send their results back. */
  function chatToolResults(call: ClientCall): ChatCompletionMessageParam[] {
    for (const toolCall of call.toolCalls) {
      toolCall.result = runTool(toolCall.name, toolCall.arguments)
    }
    return [
      {
        role: 'assistant',
        content: null,
        tool_calls: call.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: JSON.stringify(c.arguments) },
        })),
      },
      ...call.toolCalls.map((c) => ({
        role: 'tool' as const,
        tool_call_id: c.id,
        content: c.result!,
      })),
    ]
  }

  function responseCall(response: Response, stream: boolean): ClientCall {
    const usage = response.usage!
    const toolCalls: ClientToolCall[] = response.output.flatMap((item) =>
      item.type === 'function_call'
        ? [
            {
              id: item.call_id,
              name: item.name,
              arguments: JSON.parse(item.arguments) as JsonObject,
            },
          ]
        : [],
    )
    const text = response.output
      .flatMap((item) => (item.type === 'message' ? item.content : []))
      .flatMap((part) => (part.type === 'output_text' ? [part.text] : []))
      .join('')
    return {
      responseId: response.id,
      model: response.model,
      stream,
      text: text === '' ? null : text,
      toolCalls,
      usage: { input: usage.input_tokens, output: usage.output_tokens, total: usage.total_tokens },
      finishReason: response.status ?? null,
    }
  }

  function functionCallResults(call: ClientCall): ResponseInputItem[] {
    return call.toolCalls.flatMap((c): ResponseInputItem[] => {
      c.result = runTool(c.name, c.arguments)
      return [
        {
          type: 'function_call',
          call_id: c.id,
          name: c.name,
          arguments: JSON.stringify(c.arguments),
        },
        { type: 'function_call_output', call_id: c.id, output: c.result },
      ]
    })
  }

  const Report = z.object({
    city: z.string(),
    humidity_percent: z.number().int().min(0).max(100),
    conditions: z.enum(['sunny', 'cloudy', 'rain', 'snow']),
    temperatures_celsius: z.array(z.number()).min(1).max(5),
  })

  it('chat.completions.create calls both tools', async () => {
    const { client, traceId } = newClient()
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: weather.prompt }]
    const first = completionCall(
      await client.chat.completions.create({ model: OPENAI_MODEL, messages, tools: chatTools }),
      false,
    )
    messages.push(...chatToolResults(first))
    const second = completionCall(
      await client.chat.completions.create({ model: OPENAI_MODEL, messages, tools: chatTools }),
      false,
    )
    expectToolTurn([first, second], BOTH_TOOLS, { toolCalls: 'tool_calls', answer: 'stop' })
    expectCallsStored(await fetchTrace(loupe, traceId), [first, second], 'openai.chat_completions')
  })

  it('streams chat with a usage chunk', async () => {
    const { client, traceId } = newClient()
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: weather.prompt }]
    const stream = await client.chat.completions.create({
      model: OPENAI_MODEL,
      messages,
      tools: chatTools,
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const usageChunks = chunks.filter((chunk) => chunk.usage)
    expect(usageChunks).toEqual([chunks.at(-1)])
    expect(chunks.at(-1)!.choices).toEqual([])
    const calls = new Map<number, { id: string; name: string; arguments: string }>()
    let finishReason: string | null = null
    for (const chunk of chunks) {
      for (const choice of chunk.choices) {
        finishReason = choice.finish_reason ?? finishReason
        for (const delta of choice.delta.tool_calls ?? []) {
          const call = calls.get(delta.index) ?? { id: '', name: '', arguments: '' }
          call.id += delta.id ?? ''
          call.name += delta.function?.name ?? ''
          call.arguments += delta.function?.arguments ?? ''
          calls.set(delta.index, call)
        }
      }
    }
    const usage = usageChunks[0]!.usage!
    const first: ClientCall = {
      responseId: chunks[0]!.id,
      model: chunks[0]!.model,
      stream: true,
      text: null,
      toolCalls: [...calls.values()].map((c) => ({
        ...c,
        arguments: JSON.parse(c.arguments) as JsonObject,
      })),
      usage: {
        input: usage.prompt_tokens,
        output: usage.completion_tokens,
        total: usage.total_tokens,
      },
      finishReason,
    }
    messages.push(...chatToolResults(first))

    // The stream helper assembles the completion from the chunks.
    const runner = client.chat.completions.stream({
      model: OPENAI_MODEL,
      messages,
      tools: chatTools,
      stream_options: { include_usage: true },
    })
    const deltas: string[] = []
    runner.on('content.delta', ({ delta }) => deltas.push(delta))
    const second = completionCall(await runner.finalChatCompletion(), true)
    expect(deltas.join('')).toBe(second.text)
    expect(deltas.length).toBeGreaterThan(1)
    expectToolTurn([first, second], BOTH_TOOLS, { toolCalls: 'tool_calls', answer: 'stop' })
    expectCallsStored(await fetchTrace(loupe, traceId), [first, second], 'openai.chat_completions')
  })

  it('responses.create calls the function tool', async () => {
    const { client, traceId } = newClient()
    const input: ResponseInputItem[] = [{ role: 'user', content: weather.prompt }]
    const firstResponse = await client.responses.create({
      model: OPENAI_MODEL,
      input,
      tools: forecastTool,
    })
    const first = responseCall(firstResponse, false)
    input.push(...functionCallResults(first))
    const secondResponse = await client.responses.create({
      model: OPENAI_MODEL,
      input,
      tools: forecastTool,
    })
    const second = responseCall(secondResponse, false)
    // The SDK's output_text convenience joins the output_text parts.
    expect(secondResponse.output_text).toBe(second.text)
    expectToolTurn([first, second], ['get_forecast'], {
      toolCalls: 'completed',
      answer: 'completed',
    })
    expectCallsStored(await fetchTrace(loupe, traceId), [first, second], 'openai.responses')
  })

  it('streams responses events', async () => {
    const { client, traceId } = newClient()
    const input: ResponseInputItem[] = [{ role: 'user', content: weather.prompt }]
    const events: ResponseStreamEvent[] = []
    const stream = await client.responses.create({
      model: OPENAI_MODEL,
      input,
      tools: forecastTool,
      stream: true,
    })
    for await (const event of stream) events.push(event)
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i))
    const completed = events.at(-1)!
    expect(completed.type).toBe('response.completed')
    if (completed.type !== 'response.completed') return
    const first = responseCall(completed.response, true)
    const doneArguments = events.flatMap((event) =>
      event.type === 'response.function_call_arguments.done'
        ? [JSON.parse(event.arguments) as JsonObject]
        : [],
    )
    expect(doneArguments).toEqual(first.toolCalls.map((call) => call.arguments))
    input.push(...functionCallResults(first))

    // The stream helper assembles the response from the events.
    const runner = client.responses.stream({ model: OPENAI_MODEL, input, tools: forecastTool })
    const deltas: string[] = []
    runner.on('response.output_text.delta', (event) => deltas.push(event.delta))
    const final = await runner.finalResponse()
    const second = responseCall(final, true)
    expect(deltas.join('')).toBe(second.text)
    expect(final.output_text).toBe(second.text)
    expectToolTurn([first, second], ['get_forecast'], {
      toolCalls: 'completed',
      answer: 'completed',
    })
    expectCallsStored(await fetchTrace(loupe, traceId), [first, second], 'openai.responses')
  })

  it('chat.completions.parse parses the report', async () => {
    const { client, traceId } = newClient()
    const completion = await client.chat.completions.parse({
      model: OPENAI_MODEL,
      messages: [{ role: 'user', content: weather.prompt }],
      response_format: zodResponseFormat(Report, weather.report.name),
    })
    const parsed = completion.choices[0]!.message.parsed
    expect(Report.safeParse(parsed).success).toBe(true)
    expect(schemaProblems(weather.report.schema, parsed)).toEqual([])
    const call = completionCall(completion, false)
    expect(call.finishReason).toBe('stop')
    expectUsageReported(call)
    const detail = await fetchTrace(loupe, traceId)
    expectCallsStored(detail, [call], 'openai.chat_completions')
    expectJsonOutputStored(gatewaySpans(detail)[0]!, parsed)
  })

  it('responses.parse parses the report', async () => {
    const { client, traceId } = newClient()
    const response = await client.responses.parse({
      model: OPENAI_MODEL,
      input: weather.prompt,
      text: { format: zodTextFormat(Report, weather.report.name) },
    })
    const parsed = response.output_parsed
    expect(Report.safeParse(parsed).success).toBe(true)
    expect(schemaProblems(weather.report.schema, parsed)).toEqual([])
    const call = responseCall(response, false)
    expect(call.finishReason).toBe('completed')
    expectUsageReported(call)
    const detail = await fetchTrace(loupe, traceId)
    expectCallsStored(detail, [call], 'openai.responses')
    expectJsonOutputStored(gatewaySpans(detail)[0]!, parsed)
  })
})

describe.skipIf(!python)('agent without traceparent under loupe run --mock', () => {
  interface AgentCall extends ClientCall {
    api: string
  }
  let run: RunJson
  let calls: AgentCall[]

  beforeAll(async () => {
    // The test core serves this data folder, so `loupe run` registers the run with it.
    const result = await runCli(
      [
        'run',
        '--mock',
        '--json',
        '--data',
        loupe.dataDir,
        '--',
        python!,
        join(clientsDir, 'plain_agent.py'),
      ],
      cleanEnv(),
    )
    expect(result.code, result.stderr).toBe(0)
    // With --json, standard output is the run alone; the agent's own output is in the run.
    run = JSON.parse(result.stdout) as RunJson
    const report = run.output!.split('\n').find((line) => line.startsWith('{"'))!
    calls = (JSON.parse(report) as { calls: AgentCall[] }).calls
  })

  it('completes each tool loop', () => {
    for (const api of ['openai.chat_completions', 'openai.responses', 'anthropic.messages']) {
      const loop = calls.filter((call) => call.api === api)
      expect(loop, api).toHaveLength(2)
      const [first, second] = loop as [AgentCall, AgentCall]
      expect(first.toolCalls.map((c) => c.name)).toEqual(BOTH_TOOLS)
      for (const toolCall of first.toolCalls) {
        expect(schemaProblems(toolSchema(toolCall.name), toolCall.arguments)).toEqual([])
      }
      expect(second.text).toBe(
        expectedAnswer(first.toolCalls.map((c) => ({ name: c.name, result: c.result! }))),
      )
    }
  })

  it('stores the calls under the run', async () => {
    expect(run.exitCode).toBe(0)
    expect(run.mode).toBe('mock')
    // Without a traceparent, every call joins the run's own trace.
    expect(run.traceIds).toHaveLength(1)
    expect(run.modelCalls).toBe(calls.length)
    expect(run.inputTokens).toBe(calls.reduce((total, call) => total + call.usage.input, 0))
    expect(run.outputTokens).toBe(calls.reduce((total, call) => total + call.usage.output, 0))

    const detail = await fetchTrace(loupe, run.traceIds[0]!)
    const root = detail.spans.find((span) => span.parentSpanId === null)!
    expect(root.name).toBe(`loupe run ${python!}`)
    expect(root.attributes['loupe.run.id']).toBe(run.id)
    const spans = gatewaySpans(detail)
    expect(spans.map((span) => span.parentSpanId)).toEqual(calls.map(() => root.spanId))
    for (const span of spans) {
      expect(span.attributes['loupe.run.id']).toBe(run.id)
      expect(span.resource.attributes['loupe.run.id']).toBe(run.id)
      expect(span.attributes['loupe.gateway.mode']).toBe('mock')
    }
    for (const api of ['openai.chat_completions', 'openai.responses', 'anthropic.messages']) {
      const loop = calls.filter((call) => call.api === api)
      const loopDetail = {
        ...detail,
        spans: detail.spans.filter((span) => span.attributes['loupe.gateway.api'] === api),
      }
      expectCallsStored(loopDetail, loop, api)
    }
  })

  it('shows the run in the API', async () => {
    const response = await fetch(`${loupe.uiUrl}/api/runs/${run.id}`, {
      headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
    })
    expect(response.status).toBe(200)
    const stored = (await response.json()) as RunJson
    expect(stored.endedAt).not.toBeNull()
    expect(stored.traceIds).toEqual(run.traceIds)
    expect(stored.modelCalls).toBe(run.modelCalls)
    expect(stored.inputTokens).toBe(run.inputTokens)
    expect(stored.outputTokens).toBe(run.outputTokens)
  })
})
