// The Vercel AI SDK (ai 6 with @ai-sdk/openai and @ai-sdk/anthropic 3)
// against the mock model gateway, with each provider's base URL pointed at
// it: generateText and streamText with tools over Chat Completions
// (openai.chat), the Responses API (openai.responses) and Anthropic Messages,
// and structured output with a zod schema through Output.object,
// generateObject and streamText. Each test checks what the SDK returns to its
// user and that Loupe stored each model call as a gateway span with the same
// model, tokens, text and tool calls.

import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import type { LanguageModelV3 } from '@ai-sdk/provider'
import {
  generateObject,
  generateText,
  Output,
  stepCountIs,
  streamText,
  tool,
  type StepResult,
  type ToolSet,
} from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { TraceDetail } from '../../src/shared/api'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'
import {
  expectCallsStored,
  expectToolTurn,
  expectUsageReported,
  fetchTrace,
  gatewaySpans,
  newTraceparent,
  offeredSchemas,
  schemaProblems,
  spanText,
  weather,
  type ClientCall,
  type JsonObject,
} from '../helpers/gateway-clients'

/** A fake key: the mock accepts any key outside a run. */
const API_KEY = 'sk-test-not-a-real-key'

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/** The tools of weather.json written as an AI SDK user writes them, with zod schemas. */
const forecastInput = z.object({
  city: z.string().regex(/^[A-Z][a-z]{2,20}$/),
  days: z.number().int().min(1).max(7),
  unit: z.enum(['celsius', 'fahrenheit']),
})
const humidityInput = z.object({
  location: z.object({ city: z.string(), country_code: z.string().regex(/^[A-Z]{2}$/) }),
  include_history: z.boolean(),
})
const tools = {
  get_forecast: tool({
    description: 'Forecast for a city over a number of days.',
    inputSchema: forecastInput,
    execute: ({ city, days, unit }) => `${days}-day forecast for ${city}: sunny, in ${unit}`,
  }),
  get_humidity: tool({
    description: 'Relative humidity at a location, in percent.',
    inputSchema: humidityInput,
    execute: ({ location }) => `humidity in ${location.city}, ${location.country_code}: 40%`,
  }),
}
const toolInputs: Record<string, z.ZodType> = {
  get_forecast: forecastInput,
  get_humidity: humidityInput,
}

const Report = z.object({
  city: z.string(),
  humidity_percent: z.number().int().min(0).max(100),
  conditions: z.enum(['sunny', 'cloudy', 'rain', 'snow']),
  temperatures_celsius: z.array(z.number()).min(1).max(5),
})

interface ProviderCase {
  title: string
  /** The gateway API that serves the model, as the span's loupe.gateway.api names it. */
  api: string
  /** A model whose requests all carry `traceparent`. */
  model: (traceparent: string) => LanguageModelV3
}

const providerCases: ProviderCase[] = [
  {
    title: 'openai.chat',
    api: 'openai.chat_completions',
    model: (traceparent) =>
      createOpenAI({ baseURL: openaiBase(), apiKey: API_KEY, headers: { traceparent } }).chat(
        'gpt-4o-mini',
      ),
  },
  {
    title: 'openai.responses',
    api: 'openai.responses',
    model: (traceparent) =>
      createOpenAI({
        baseURL: openaiBase(),
        apiKey: API_KEY,
        headers: { traceparent },
      }).responses('gpt-4o-mini'),
  },
  {
    title: 'anthropic',
    api: 'anthropic.messages',
    model: (traceparent) =>
      createAnthropic({
        baseURL: `${loupe.otlpHttpUrl}/gateway/anthropic/v1`,
        apiKey: API_KEY,
        headers: { traceparent },
      })('claude-sonnet-4-5'),
  },
]

function openaiBase(): string {
  return `${loupe.otlpHttpUrl}/gateway/openai/v1`
}

/** Describes one step (one model call) as the AI SDK returned it. */
function stepCall<TOOLS extends ToolSet>(step: StepResult<TOOLS>, stream: boolean): ClientCall {
  return {
    responseId: step.response.id,
    model: step.response.modelId,
    stream,
    text: step.text === '' ? null : step.text,
    toolCalls: step.toolCalls.map((call) => {
      const result = step.toolResults.find((r) => r.toolCallId === call.toolCallId)
      return {
        id: call.toolCallId,
        name: call.toolName,
        arguments: call.input as JsonObject,
        result: result?.output as string | undefined,
      }
    }),
    usage: {
      input: step.usage.inputTokens!,
      output: step.usage.outputTokens!,
      total: step.usage.totalTokens ?? null,
    },
    finishReason: step.finishReason,
  }
}

/**
 * Checks a two-step tool turn: the usual user-visible checks, the arguments
 * against the tools' zod schemas and against the schemas the gateway
 * received, the SDK's total usage against the trace's, and the stored spans.
 */
function expectToolTurnStored(
  calls: ClientCall[],
  totalUsage: { inputTokens: number | undefined; outputTokens: number | undefined },
  detail: TraceDetail,
  api: string,
): void {
  expectToolTurn(calls, Object.keys(tools), { toolCalls: 'tool-calls', answer: 'stop' })
  const offered = offeredSchemas(gatewaySpans(detail)[0]!)
  expect([...offered.keys()]).toEqual(Object.keys(tools))
  for (const call of calls[0]!.toolCalls) {
    expect(toolInputs[call.name]!.safeParse(call.arguments).success, call.name).toBe(true)
    expect(schemaProblems(offered.get(call.name)!, call.arguments), call.name).toEqual([])
  }
  expect(totalUsage.inputTokens).toBe(calls[0]!.usage.input + calls[1]!.usage.input)
  expect(totalUsage.outputTokens).toBe(calls[0]!.usage.output + calls[1]!.usage.output)
  expect(detail.trace.inputTokens).toBe(totalUsage.inputTokens)
  expect(detail.trace.outputTokens).toBe(totalUsage.outputTokens)
  expectCallsStored(detail, calls, api)
}

/** Checks structured output and the one gateway span of its call. */
function expectReportStored(
  detail: TraceDetail,
  report: unknown,
  call: ClientCall,
  api: string,
): void {
  expect(Report.safeParse(report).success).toBe(true)
  expect(schemaProblems(weather.report.schema, report)).toEqual([])
  expectUsageReported(call)
  expectCallsStored(detail, [call], api)
  const [span] = gatewaySpans(detail)
  expect(span!.attributes['gen_ai.output.type']).toBe('json')
  expect(JSON.parse(spanText(span!)!)).toEqual(report)
}

describe.each(providerCases)('AI SDK $title', ({ api, model }) => {
  it('generateText calls both tools', async () => {
    const { traceId, traceparent } = newTraceparent()
    const result = await generateText({
      model: model(traceparent),
      prompt: weather.prompt,
      tools,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    })
    const calls = result.steps.map((step) => stepCall(step, false))
    expect(result.text).toBe(calls.at(-1)!.text)
    expect(result.warnings ?? []).toEqual([])
    expectToolTurnStored(calls, result.totalUsage, await fetchTrace(loupe, traceId), api)
  })

  it('streamText calls both tools', async () => {
    const { traceId, traceparent } = newTraceparent()
    const errors: unknown[] = []
    const result = streamText({
      model: model(traceparent),
      prompt: weather.prompt,
      tools,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error)
      },
    })
    const deltas: string[] = []
    for await (const delta of result.textStream) deltas.push(delta)
    expect(errors).toEqual([])
    const steps = await result.steps
    const calls = steps.map((step) => stepCall(step, true))
    // NOTE: openai.chat is left out because the gateway's first chunk of a streamed tool call
    // has content '' where OpenAI sends null, so streamText adds an empty text part to the step.
    if (api !== 'openai.chat_completions') {
      expect(steps[0]!.content.filter((part) => part.type === 'text')).toEqual([])
    }
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe(calls.at(-1)!.text)
    expect(await result.warnings).toEqual([])
    expectToolTurnStored(calls, await result.totalUsage, await fetchTrace(loupe, traceId), api)
  })

  it('Output.object parses the report', async () => {
    const { traceId, traceparent } = newTraceparent()
    const result = await generateText({
      model: model(traceparent),
      prompt: weather.prompt,
      output: Output.object({ schema: Report }),
      maxRetries: 0,
    })
    expect(result.steps).toHaveLength(1)
    const call = stepCall(result.steps[0]!, false)
    expectReportStored(await fetchTrace(loupe, traceId), result.output, call, api)
  })

  it('generateObject parses the report', async () => {
    const { traceId, traceparent } = newTraceparent()
    const result = await generateObject({
      model: model(traceparent),
      prompt: weather.prompt,
      schema: Report,
      maxRetries: 0,
    })
    const call: ClientCall = {
      responseId: result.response.id,
      model: result.response.modelId,
      stream: false,
      text: JSON.stringify(result.object),
      toolCalls: [],
      usage: {
        input: result.usage.inputTokens!,
        output: result.usage.outputTokens!,
        total: result.usage.totalTokens ?? null,
      },
      finishReason: result.finishReason,
    }
    expect(call.finishReason).toBe('stop')
    expectReportStored(await fetchTrace(loupe, traceId), result.object, call, api)
  })

  it('streamText streams the report', async () => {
    const { traceId, traceparent } = newTraceparent()
    const result = streamText({
      model: model(traceparent),
      prompt: weather.prompt,
      output: Output.object({ schema: Report }),
      maxRetries: 0,
    })
    const partials: unknown[] = []
    for await (const partial of result.partialOutputStream) partials.push(partial)
    const output = await result.output
    expect(partials.at(-1)).toEqual(output)
    const steps = await result.steps
    expect(steps).toHaveLength(1)
    const call = stepCall(steps[0]!, true)
    expectReportStored(await fetchTrace(loupe, traceId), output, call, api)
  })
})
