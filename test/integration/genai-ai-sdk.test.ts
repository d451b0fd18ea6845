// The Vercel AI SDK (ai 6) with telemetry on, its spans exported by the
// OpenTelemetry JS SDK to a real core. The model is the SDK's own
// MockLanguageModelV3, responding as Anthropic's Messages API would: first a
// tool call, then text, with prompt-cache usage. The tests check what
// `loupe show --json` prints once normalization has finished: model and tool
// calls, the conversation, tokens, cost and the error class of failing runs.

import type {
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai'
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { JsonValue, SpanJson, TraceDetail } from '../../src/shared/api'
import { ERROR_CLASS_STATUS, type MessagePart } from '../../src/shared/genai'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'
import {
  byStartTime,
  descendsFrom,
  priceCall,
  relativeDifference,
  showNormalized,
} from '../helpers/genai'

const PROVIDER = 'anthropic.messages'
const MODEL_ID = 'claude-sonnet-4-5-20250929'
const FUNCTION_ID = 'recipe-helper'
const SYSTEM = 'You are a home-cooking assistant. Use lookupRecipe for exact quantities.'
const PROMPT = 'Shakshuka for two: what do I need and how long does it take?'
const FIRST_TEXT = 'Let me look that up.'
const ANSWER =
  'You need 4 eggs, 400 g tomatoes, 1 red pepper, 1 onion and 1 tsp cumin. It takes about 25 minutes.'
const TOOL_NAME = 'lookupRecipe'
const TOOL_CALL_ID = 'toolu_01HkXo7cWqRecipe'
const TOOL_INPUT = { dish: 'shakshuka', servings: 2 }
const RECIPE = {
  ingredients: ['4 eggs', '400 g tomatoes', '1 red pepper', '1 onion', '1 tsp cumin'],
  minutes: 25,
}

/** Token counts of one model response, split the way Anthropic reports them. */
interface StepUsage {
  noCache: number
  cacheRead: number
  cacheWrite: number
  output: number
}

/** The first response writes the system prompt to the cache, the second reads it. */
const STEP_USAGE: StepUsage[] = [
  { noCache: 180, cacheRead: 0, cacheWrite: 2_000, output: 64 },
  { noCache: 460, cacheRead: 2_000, cacheWrite: 0, output: 152 },
]

function inputTotal(usage: StepUsage): number {
  return usage.noCache + usage.cacheRead + usage.cacheWrite
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

/** AI SDK 6 (LanguageModelV3) usage: `inputTokens.total` includes cache reads and writes. */
function v3Usage(usage: StepUsage): LanguageModelV3Usage {
  return {
    inputTokens: {
      total: inputTotal(usage),
      noCache: usage.noCache,
      cacheRead: usage.cacheRead,
      cacheWrite: usage.cacheWrite,
    },
    outputTokens: { total: usage.output, text: usage.output, reasoning: undefined },
  }
}

function generateResults(): LanguageModelV3GenerateResult[] {
  return [
    {
      content: [
        { type: 'text', text: FIRST_TEXT },
        {
          type: 'tool-call',
          toolCallId: TOOL_CALL_ID,
          toolName: TOOL_NAME,
          input: JSON.stringify(TOOL_INPUT),
        },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      usage: v3Usage(STEP_USAGE[0]!),
      response: { id: 'msg_01recipe', modelId: MODEL_ID, timestamp: new Date() },
      warnings: [],
    },
    {
      content: [{ type: 'text', text: ANSWER }],
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: v3Usage(STEP_USAGE[1]!),
      response: { id: 'msg_02recipe', modelId: MODEL_ID, timestamp: new Date() },
      warnings: [],
    },
  ]
}

function streamChunks(): LanguageModelV3StreamPart[][] {
  return [
    [
      { type: 'stream-start', warnings: [] },
      { type: 'response-metadata', id: 'msg_01recipe', modelId: MODEL_ID, timestamp: new Date() },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'Let me ' },
      { type: 'text-delta', id: '0', delta: 'look that up.' },
      { type: 'text-end', id: '0' },
      {
        type: 'tool-call',
        toolCallId: TOOL_CALL_ID,
        toolName: TOOL_NAME,
        input: JSON.stringify(TOOL_INPUT),
      },
      {
        type: 'finish',
        finishReason: { unified: 'tool-calls', raw: 'tool_use' },
        usage: v3Usage(STEP_USAGE[0]!),
      },
    ],
    [
      { type: 'stream-start', warnings: [] },
      { type: 'response-metadata', id: 'msg_02recipe', modelId: MODEL_ID, timestamp: new Date() },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: ANSWER.slice(0, 40) },
      { type: 'text-delta', id: '0', delta: ANSWER.slice(40) },
      { type: 'text-end', id: '0' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'end_turn' },
        usage: v3Usage(STEP_USAGE[1]!),
      },
    ],
  ]
}

function generatingModel(): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: PROVIDER,
    modelId: MODEL_ID,
    doGenerate: generateResults(),
  })
}

function streamingModel(): MockLanguageModelV3 {
  const responses = streamChunks()
  return new MockLanguageModelV3({
    provider: PROVIDER,
    modelId: MODEL_ID,
    // Each call builds its stream when it is made, as a provider does from
    // its HTTP response. A stream built beforehand runs outside the call's
    // context, and the AI SDK then starts the tool span in a trace of its own.
    doStream: async () => ({ stream: simulateReadableStream({ chunks: responses.shift()! }) }),
  })
}

function failingModel(error: APICallError): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: PROVIDER,
    modelId: MODEL_ID,
    doGenerate: async () => {
      throw error
    },
  })
}

const recipeTools = {
  [TOOL_NAME]: tool({
    description: 'Look up a recipe by dish name.',
    inputSchema: z.object({ dish: z.string(), servings: z.number().int() }),
    execute: async () => RECIPE,
  }),
}

let loupe: TestCore
let provider: BasicTracerProvider
const memory = new InMemorySpanExporter()
const contextManager = new AsyncLocalStorageContextManager()

beforeAll(async () => {
  loupe = await startTestCore()
  // The AI SDK nests its spans through the active context, as a NodeSDK or
  // NodeTracerProvider would set it up.
  context.setGlobalContextManager(contextManager.enable())
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'kitchen-web' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      new SimpleSpanProcessor(memory),
    ],
  })
})

afterAll(async () => {
  await provider?.shutdown()
  context.disable()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function telemetry() {
  return { isEnabled: true, functionId: FUNCTION_ID, tracer: provider.getTracer('ai') }
}

/** Run one AI SDK call, flush its spans to the core and return its trace id. */
async function traced(
  run: () => Promise<void>,
): Promise<{ traceId: string; spans: ReadableSpan[] }> {
  memory.reset()
  await run()
  await provider.forceFlush()
  const spans = memory.getFinishedSpans()
  const traceIds = new Set(spans.map((s) => s.spanContext().traceId))
  expect([...traceIds], 'trace ids of the exported spans').toHaveLength(1)
  return { traceId: [...traceIds][0]!, spans: [...spans] }
}

function parts(
  span: SpanJson | undefined,
  field: 'inputMessages' | 'outputMessages',
): MessagePart[] {
  return (span?.[field] ?? []).flatMap((m) => m.parts)
}

const toolCallPart: MessagePart = {
  type: 'tool_call',
  id: TOOL_CALL_ID,
  name: TOOL_NAME,
  arguments: TOOL_INPUT,
}

interface SuccessCase {
  api: 'generateText' | 'streamText'
  modelSpanName: string
  run: () => Promise<void>
}

const successCases: SuccessCase[] = [
  {
    api: 'generateText',
    modelSpanName: 'ai.generateText.doGenerate',
    run: async () => {
      const result = await generateText({
        model: generatingModel(),
        system: SYSTEM,
        prompt: PROMPT,
        tools: recipeTools,
        stopWhen: stepCountIs(3),
        experimental_telemetry: telemetry(),
      })
      expect(result.text).toBe(ANSWER)
    },
  },
  {
    api: 'streamText',
    modelSpanName: 'ai.streamText.doStream',
    run: async () => {
      const result = streamText({
        model: streamingModel(),
        system: SYSTEM,
        prompt: PROMPT,
        tools: recipeTools,
        stopWhen: stepCountIs(3),
        experimental_telemetry: telemetry(),
      })
      await result.consumeStream()
      expect(await result.text).toBe(ANSWER)
    },
  },
]

describe.each(successCases.map((c) => [c.api, c] as const))('AI SDK %s with a tool', (api, c) => {
  let detail: TraceDetail
  let normalized: boolean
  let calls: SpanJson[]
  let root: SpanJson | undefined

  beforeAll(async () => {
    const { traceId } = await traced(c.run)
    ;({ detail, normalized } = await showNormalized(loupe.dataDir, traceId))
    calls = detail.spans.filter((s) => s.name === c.modelSpanName).sort(byStartTime)
    root = detail.spans.find((s) => s.parentSpanId === null)
  })

  it('finishes normalization', () => {
    expect(detail.trace.unnormalizedSpans).toBe(0)
    expect(normalized).toBe(true)
  })

  it('describes the run', () => {
    expect(root?.name).toBe(`ai.${api}`)
    expect(root?.kind).toBe('agent')
    expect(root?.convention).toBe('ai-sdk')
    expect(root?.agentName).toBe(FUNCTION_ID)
    expect(detail.trace.spanCount).toBe(4)
    expect(detail.trace.agentName).toBe(FUNCTION_ID)
    expect(detail.trace.models).toEqual([MODEL_ID])
    expect(detail.trace.modelCalls).toBe(2)
    expect(detail.trace.toolCalls).toBe(1)
    expect(detail.trace.toolRetries).toBe(0)
  })

  it('describes model calls', () => {
    expect(calls).toHaveLength(2)
    for (const call of calls) {
      expect(call.kind, call.spanId).toBe('model')
      expect(call.convention, call.spanId).toBe('ai-sdk')
      expect(call.provider, call.spanId).toBe('anthropic')
      expect(call.model, call.spanId).toBe(MODEL_ID)
      expect(call.agentName, call.spanId).toBe(FUNCTION_ID)
      expect(call.parentSpanId, call.spanId).toBe(root?.spanId)
    }
  })

  it('describes the tool call', () => {
    const tools = detail.spans.filter((s) => s.name === 'ai.toolCall')
    expect(tools).toHaveLength(1)
    const span = tools[0]!
    expect(span.kind).toBe('tool')
    expect(span.toolName).toBe(TOOL_NAME)
    expect(span.toolCallId).toBe(TOOL_CALL_ID)
    expect(span.toolArguments).toEqual(TOOL_INPUT)
    expect(span.toolResult).toEqual(RECIPE)
    expect(span.retried).toBe(false)
    expect(descendsFrom(detail.spans, span, root!.spanId), 'tool span under the run').toBe(true)
  })

  it('shows the first response', () => {
    const output = calls[0]?.outputMessages ?? []
    expect(output).toHaveLength(1)
    expect(output[0]?.role).toBe('assistant')
    expect(output[0]?.finishReason).toBe('tool-calls')
    expect(output[0]?.parts).toEqual([{ type: 'text', content: FIRST_TEXT }, toolCallPart])
  })

  it('shows the conversation of the second call', () => {
    const second = calls[1]
    expect(second?.systemInstructions).toEqual([{ type: 'text', content: SYSTEM }])
    const input = second?.inputMessages ?? []
    expect(input.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool'])
    expect(input[0]?.parts).toEqual([{ type: 'text', content: SYSTEM }])
    expect(input[1]?.parts).toEqual([{ type: 'text', content: PROMPT }])
    expect(input[2]?.parts).toEqual([{ type: 'text', content: FIRST_TEXT }, toolCallPart])
    expect(input[3]?.parts).toEqual([
      { type: 'tool_result', id: TOOL_CALL_ID, name: TOOL_NAME, result: RECIPE, isError: false },
    ])

    const calledIds = parts(calls[0], 'outputMessages').flatMap((p) =>
      p.type === 'tool_call' ? [p.id] : [],
    )
    const resultIds = parts(second, 'inputMessages').flatMap((p) =>
      p.type === 'tool_result' ? [p.id] : [],
    )
    expect(resultIds, 'tool results answer the first call').toEqual(calledIds)

    const output = second?.outputMessages ?? []
    expect(output).toHaveLength(1)
    expect(output[0]?.finishReason).toBe('stop')
    expect(output[0]?.parts).toEqual([{ type: 'text', content: ANSWER }])
  })

  it('sums tokens of the model calls only', () => {
    const { trace } = detail
    expect(calls.map((s) => s.inputTokens)).toEqual(STEP_USAGE.map(inputTotal))
    expect(calls.map((s) => s.outputTokens)).toEqual(STEP_USAGE.map((u) => u.output))
    expect(calls.map((s) => s.cacheReadTokens)).toEqual(STEP_USAGE.map((u) => u.cacheRead))
    expect(calls.map((s) => s.cacheWriteTokens)).toEqual(STEP_USAGE.map((u) => u.cacheWrite))
    expect(trace.inputTokens).toBe(sum(STEP_USAGE.map(inputTotal)))
    expect(trace.outputTokens).toBe(sum(STEP_USAGE.map((u) => u.output)))
    expect(trace.cacheReadTokens).toBe(sum(STEP_USAGE.map((u) => u.cacheRead)))
    expect(trace.cacheWriteTokens).toBe(sum(STEP_USAGE.map((u) => u.cacheWrite)))
    expect(trace.reasoningTokens).toBe(0)

    // The root repeats the run's totals in ai.usage.*; they are not added again.
    expect(root?.attributes['ai.usage.inputTokens']).toBe(trace.inputTokens)
    expect(root?.attributes['ai.usage.outputTokens']).toBe(trace.outputTokens)
    expect(root?.inputTokens).toBeNull()
    expect(root?.outputTokens).toBeNull()
    expect(root?.costUsd).toBeNull()
  })

  it('prices calls with genai-prices', () => {
    expect(detail.trace.unpricedCalls).toBe(0)
    const expected = calls.map((call, index) =>
      priceCall(
        {
          inputTokens: inputTotal(STEP_USAGE[index]!),
          outputTokens: STEP_USAGE[index]!.output,
          cacheReadTokens: STEP_USAGE[index]!.cacheRead,
          cacheWriteTokens: STEP_USAGE[index]!.cacheWrite,
        },
        MODEL_ID,
        'anthropic',
        new Date(call.startTime),
      ),
    )
    for (const [index, call] of calls.entries()) {
      const label = `model call ${index + 1} (${call.spanId})`
      expect(call.costSource, label).toBe('computed')
      expect(call.cost?.source, label).toBe('computed')
      expect(call.cost?.sdkUsd, label).toBeNull()
      expect(call.costUsd, label).not.toBeNull()
      expect(
        relativeDifference(call.costUsd ?? Number.NaN, expected[index]!),
        `${label}: costUsd ${call.costUsd} against genai-prices ${expected[index]}`,
      ).toBeLessThanOrEqual(1e-6)
    }
    const expectedUsd = sum(expected)
    expect(detail.trace.costUsd).not.toBeNull()
    expect(
      relativeDifference(detail.trace.costUsd ?? Number.NaN, expectedUsd),
      `trace.costUsd ${detail.trace.costUsd} against genai-prices ${expectedUsd}`,
    ).toBeLessThanOrEqual(1e-6)
  })

  it('classifies no error', () => {
    expect(detail.trace.status).not.toBe('error')
    expect(detail.trace.errorClass).toBe('none')
    expect(detail.trace.error).toBeNull()
    for (const span of detail.spans) expect(span.errorClass, span.name).toBe('none')
  })
})

/** Return the type and message of each `exception` event of a span. */
function exceptionsOf(span: SpanJson | undefined): { type: JsonValue; message: JsonValue }[] {
  return (span?.events ?? [])
    .filter((e) => e.name === 'exception')
    .map((e) => ({
      type: e.attributes['exception.type'] ?? null,
      message: e.attributes['exception.message'] ?? null,
    }))
}

describe('AI SDK call rejected with 401', () => {
  const message = 'invalid x-api-key'
  let detail: TraceDetail
  let thrown: unknown

  beforeAll(async () => {
    const error = new APICallError({
      message,
      url: 'https://api.anthropic.com/v1/messages',
      requestBodyValues: {},
      statusCode: 401,
      responseBody: JSON.stringify({
        type: 'error',
        error: { type: 'authentication_error', message },
      }),
      isRetryable: false,
    })
    const { traceId } = await traced(async () => {
      try {
        await generateText({
          model: failingModel(error),
          system: SYSTEM,
          prompt: PROMPT,
          tools: recipeTools,
          experimental_telemetry: telemetry(),
        })
      } catch (caught) {
        thrown = caught
      }
    })
    detail = (await showNormalized(loupe.dataDir, traceId)).detail
  })

  it('throws the APICallError', () => {
    expect(APICallError.isInstance(thrown)).toBe(true)
    expect((thrown as Error).name).toBe('AI_APICallError')
  })

  it('classifies provider_rejected', () => {
    const { trace } = detail
    expect(trace.unnormalizedSpans).toBe(0)
    const call = detail.spans.find((s) => s.name === 'ai.generateText.doGenerate')
    expect(exceptionsOf(call)).toEqual([{ type: 'AI_APICallError', message }])
    expect(trace.status).toBe('error')
    expect(trace.modelCalls).toBe(1)
    expect(trace.errorClass).toBe('provider_rejected')
    expect(trace.error?.errorClass).toBe('provider_rejected')
    expect(trace.error?.httpStatus).toBe(ERROR_CLASS_STATUS.provider_rejected)
    expect(trace.error?.exceptionType).toBe('AI_APICallError')
    expect(trace.error?.message).toBe(message)
    expect(trace.error?.spanId, 'the model call where the error was raised').toBe(call?.spanId)
    expect(call?.errorClass).toBe('provider_rejected')
  })

  it('has no cost without usage', () => {
    const call = detail.spans.find((s) => s.name === 'ai.generateText.doGenerate')
    expect(call?.inputTokens).toBeNull()
    expect(call?.costSource).toBe('none')
    expect(detail.trace.costUsd).toBeNull()
    expect(detail.trace.unpricedCalls).toBe(0)
  })
})

describe('AI SDK call unavailable after retries', () => {
  const message = 'Overloaded'
  const retryMessage = `Failed after 2 attempts. Last error: ${message}`
  let detail: TraceDetail
  let thrown: unknown

  beforeAll(async () => {
    const error = new APICallError({
      message,
      url: 'https://api.anthropic.com/v1/messages',
      requestBodyValues: {},
      statusCode: 503,
      // A short retry-after keeps the SDK's backoff (2 s by default) out of the test.
      responseHeaders: { 'retry-after-ms': '20' },
      responseBody: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message } }),
      isRetryable: true,
    })
    const { traceId } = await traced(async () => {
      try {
        await generateText({
          model: failingModel(error),
          system: SYSTEM,
          prompt: PROMPT,
          tools: recipeTools,
          maxRetries: 1,
          experimental_telemetry: telemetry(),
        })
      } catch (caught) {
        thrown = caught
      }
    })
    detail = (await showNormalized(loupe.dataDir, traceId)).detail
  })

  it('throws a RetryError', () => {
    expect((thrown as Error).name).toBe('AI_RetryError')
    expect((thrown as Error).message).toBe(retryMessage)
  })

  it('records each attempt', () => {
    const attempts = detail.spans.filter((s) => s.name === 'ai.generateText.doGenerate')
    expect(attempts).toHaveLength(2)
    for (const attempt of attempts) {
      expect(exceptionsOf(attempt), attempt.spanId).toEqual([{ type: 'AI_APICallError', message }])
      expect(attempt.errorClass, attempt.spanId).toBe('upstream_unavailable')
    }
    expect(detail.trace.modelCalls).toBe(2)
  })

  it('classifies upstream_unavailable', () => {
    const { trace } = detail
    expect(trace.unnormalizedSpans).toBe(0)
    const root = detail.spans.find((s) => s.parentSpanId === null)
    expect(exceptionsOf(root)).toEqual([{ type: 'AI_RetryError', message: retryMessage }])
    expect(trace.status).toBe('error')
    expect(trace.errorClass).toBe('upstream_unavailable')
    expect(trace.error?.errorClass).toBe('upstream_unavailable')
    expect(trace.error?.httpStatus).toBe(ERROR_CLASS_STATUS.upstream_unavailable)
    expect(trace.error?.exceptionType).toBe('AI_RetryError')
    expect(trace.error?.message).toBe(retryMessage)
    // Only the root records the RetryError, so it is where the error originated.
    expect(trace.error?.spanId).toBe(root?.spanId)
    expect(root?.errorClass).toBe('upstream_unavailable')
  })
})
