// Real pydantic-ai agents, instrumented through Logfire and through plain
// OpenTelemetry, run against a local stub of the OpenAI Chat Completions API
// (test/interop/stub_openai.py) or against pydantic-ai's TestModel. Each
// scenario ends in a known way, and the tests check what a user sees in
// `loupe show --json` once normalization has finished: model and tool calls,
// tool arguments, messages, tokens, cost, and the error class with its
// evidence.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JsonValue, SpanJson, TraceDetail } from '../../src/shared/api'
import { ERROR_CLASS_STATUS, type ErrorClass, type MessagePart } from '../../src/shared/genai'
import { removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { priceCall, relativeDifference, showNormalized } from '../helpers/genai'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** The user prompt of every scenario (PROMPT in scenarios.py). */
const PROMPT = 'What is the weather in Utrecht?'

/** What the scenario script printed: the stub's request count and the usage of each model response. */
interface ScenarioReport {
  requests: number
  /** The model name in the stub's responses. */
  model: string
  responseUsage: { promptTokens: number; completionTokens: number; cachedTokens: number }[]
}

interface ExpectedTool {
  id: string
  name: string
  arguments: Record<string, JsonValue>
  /** True when the tool asked the model to retry (ModelRetry) and the run went on. */
  retried: boolean
}

interface ExpectedError {
  exceptionType: string
  message: RegExp
  /** The span the error comes from: the root, or the last agent, model or tool span. */
  origin: 'root' | 'invoke_agent' | 'chat' | 'execute_tool'
  toolName: string | null
  providerStatus: number | null
}

interface ScenarioCase {
  scenario: string
  stubRequests: number
  modelCalls: number
  provider: string
  model: RegExp
  /** Tool spans in the order of their tool call ids. */
  tools: ExpectedTool[]
  /** Tool call ids whose results the second model call sends back, or null with fewer than two calls. */
  resultIdsInSecondCall: string[] | null
  /** `priced`: every response has usage and a price. `unpriced`: usage but no price. `no usage`: no response. */
  pricing: 'priced' | 'unpriced' | 'no usage'
  errorClass: ErrorClass
  error: ExpectedError | null
}

const forecastCall: ExpectedTool = {
  id: 'call_forecast_1',
  name: 'get_forecast',
  arguments: { city: 'Utrecht' },
  retried: false,
}
const humidityCall: ExpectedTool = {
  id: 'call_humidity_1',
  name: 'get_humidity',
  arguments: { city: 'Utrecht' },
  retried: false,
}

const openaiCall = { provider: 'openai', model: /^gpt-4o-mini/ }

const cases: ScenarioCase[] = [
  {
    scenario: 'tools_structured',
    stubRequests: 2,
    modelCalls: 2,
    ...openaiCall,
    tools: [forecastCall, humidityCall],
    resultIdsInSecondCall: ['call_forecast_1', 'call_humidity_1'],
    pricing: 'priced',
    errorClass: 'none',
    error: null,
  },
  {
    scenario: 'streaming',
    stubRequests: 2,
    modelCalls: 2,
    ...openaiCall,
    tools: [forecastCall],
    resultIdsInSecondCall: ['call_forecast_1'],
    pricing: 'priced',
    errorClass: 'none',
    error: null,
  },
  {
    scenario: 'usage_limit',
    stubRequests: 1,
    modelCalls: 1,
    ...openaiCall,
    tools: [forecastCall],
    resultIdsInSecondCall: null,
    pricing: 'priced',
    errorClass: 'quota_exceeded',
    error: {
      exceptionType: 'pydantic_ai.exceptions.UsageLimitExceeded',
      message: /^The next request would exceed the request_limit of 1\b/,
      origin: 'invoke_agent',
      toolName: null,
      providerStatus: null,
    },
  },
  {
    scenario: 'unexpected_behavior',
    stubRequests: 2,
    modelCalls: 2,
    ...openaiCall,
    tools: [],
    resultIdsInSecondCall: ['call_final_1'],
    pricing: 'priced',
    errorClass: 'model_output_invalid',
    error: {
      exceptionType: 'pydantic_ai.exceptions.UnexpectedModelBehavior',
      message: /^Exceeded maximum output retries \(1\)$/,
      origin: 'invoke_agent',
      toolName: null,
      providerStatus: null,
    },
  },
  {
    scenario: 'model_retry_exhausted',
    stubRequests: 2,
    modelCalls: 2,
    ...openaiCall,
    tools: [
      { ...forecastCall, retried: true },
      {
        id: 'call_forecast_2',
        name: 'get_forecast',
        arguments: { city: 'Utrecht, NL' },
        retried: false,
      },
    ],
    resultIdsInSecondCall: ['call_forecast_1'],
    pricing: 'priced',
    errorClass: 'model_output_invalid',
    error: {
      exceptionType: 'pydantic_ai.exceptions.UnexpectedModelBehavior',
      message: /^Tool 'get_forecast' exceeded max retries count of 1\b/,
      origin: 'execute_tool',
      toolName: 'get_forecast',
      providerStatus: null,
    },
  },
  {
    scenario: 'tool_key_error',
    stubRequests: 1,
    modelCalls: 1,
    ...openaiCall,
    tools: [humidityCall],
    resultIdsInSecondCall: null,
    pricing: 'priced',
    errorClass: 'tool_failed',
    error: {
      exceptionType: 'KeyError',
      message: /^'Utrecht'$/,
      origin: 'execute_tool',
      toolName: 'get_humidity',
      providerStatus: null,
    },
  },
  {
    scenario: 'http_401',
    stubRequests: 1,
    modelCalls: 1,
    ...openaiCall,
    tools: [],
    resultIdsInSecondCall: null,
    pricing: 'no usage',
    errorClass: 'provider_rejected',
    error: {
      // pydantic-ai 2.x raises a ModelHTTPError subclass named after its category.
      exceptionType: 'pydantic_ai.exceptions.ModelAuthenticationError',
      message: /^status_code: 401, model_name: gpt-4o-mini, body: /,
      origin: 'chat',
      toolName: null,
      providerStatus: 401,
    },
  },
  {
    scenario: 'http_429',
    stubRequests: 1,
    modelCalls: 1,
    ...openaiCall,
    tools: [],
    resultIdsInSecondCall: null,
    pricing: 'no usage',
    errorClass: 'upstream_unavailable',
    error: {
      exceptionType: 'pydantic_ai.exceptions.ModelRateLimitError',
      message: /^status_code: 429, model_name: gpt-4o-mini, body: /,
      origin: 'chat',
      toolName: null,
      providerStatus: 429,
    },
  },
  {
    // The OpenAI client retries once, so the stub gets two requests within one model call.
    scenario: 'http_500',
    stubRequests: 2,
    modelCalls: 1,
    ...openaiCall,
    tools: [],
    resultIdsInSecondCall: null,
    pricing: 'no usage',
    errorClass: 'upstream_unavailable',
    error: {
      exceptionType: 'pydantic_ai.exceptions.ModelServerError',
      message: /^status_code: 500, model_name: gpt-4o-mini, body: /,
      origin: 'chat',
      toolName: null,
      providerStatus: 500,
    },
  },
  {
    // asyncio.wait_for cancels the run, and only the root span records the TimeoutError.
    scenario: 'timeout',
    stubRequests: 1,
    modelCalls: 1,
    ...openaiCall,
    tools: [],
    resultIdsInSecondCall: null,
    pricing: 'no usage',
    errorClass: 'timeout',
    error: {
      exceptionType: 'TimeoutError',
      message: /^$/,
      origin: 'root',
      toolName: null,
      providerStatus: null,
    },
  },
  {
    scenario: 'test_model',
    stubRequests: 0,
    modelCalls: 2,
    provider: 'test',
    model: /^test$/,
    tools: [
      {
        id: 'pyd_ai_tool_call_id__get_forecast',
        name: 'get_forecast',
        arguments: { city: 'a' },
        retried: false,
      },
      {
        id: 'pyd_ai_tool_call_id__get_humidity',
        name: 'get_humidity',
        arguments: { city: 'a' },
        retried: false,
      },
    ],
    resultIdsInSecondCall: [
      'pyd_ai_tool_call_id__get_forecast',
      'pyd_ai_tool_call_id__get_humidity',
    ],
    pricing: 'unpriced',
    errorClass: 'none',
    error: null,
  },
]

const instrumentations = ['logfire', 'otel'] as const

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/** Environment without any OTel or Logfire setting inherited from the machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('LOGFIRE_')) env[key] = value
  }
  return { ...env, ...extra }
}

async function runScenario(
  scenario: string,
  instrumentation: string,
): Promise<{ traceId: string; report: ScenarioReport }> {
  const { stdout } = await execFileAsync(
    python!,
    [join(repoRoot, 'test/interop/scenarios.py'), scenario, instrumentation],
    { env: cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: loupe.otlpHttpUrl }), timeout: 60_000 },
  )
  const lines = stdout.trim().split('\n')
  const traceId = lines.at(-1)!
  expect(traceId).toMatch(/^[0-9a-f]{32}$/)
  return { traceId, report: JSON.parse(lines.at(-2)!) as ScenarioReport }
}

function byStart(a: SpanJson, b: SpanJson): number {
  const difference = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)
  if (difference < 0n) return -1
  if (difference > 0n) return 1
  return 0
}

/** Spans with this raw `gen_ai.operation.name`, in start order. */
function spansOf(detail: TraceDetail, operation: string): SpanJson[] {
  return detail.spans
    .filter((s) => s.attributes['gen_ai.operation.name'] === operation)
    .sort(byStart)
}

function originSpan(detail: TraceDetail, origin: ExpectedError['origin']): SpanJson | undefined {
  if (origin === 'root') return detail.spans.find((s) => s.parentSpanId === null)
  return spansOf(detail, origin).at(-1)
}

function exceptionEvents(span: SpanJson | undefined): { type: string; message: string }[] {
  return (span?.events ?? [])
    .filter((e) => e.name === 'exception')
    .map((e) => ({
      type: String(e.attributes['exception.type']),
      message: String(e.attributes['exception.message'] ?? ''),
    }))
}

function parts(span: SpanJson, field: 'inputMessages' | 'outputMessages'): MessagePart[] {
  return (span[field] ?? []).flatMap((m) => m.parts)
}

function userTexts(span: SpanJson): string[] {
  return (span.inputMessages ?? [])
    .filter((m) => m.role === 'user')
    .flatMap((m) => m.parts)
    .flatMap((p) => (p.type === 'text' ? [p.content] : []))
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

describe.skipIf(!python).each(instrumentations)('pydantic-ai via %s', (instrumentation) => {
  describe.each(cases.map((c) => [c.scenario, c] as const))('%s', (_scenario, c) => {
    let detail: TraceDetail
    let normalized: boolean
    let report: ScenarioReport

    beforeAll(async () => {
      const run = await runScenario(c.scenario, instrumentation)
      report = run.report
      ;({ detail, normalized } = await showNormalized(loupe.dataDir, run.traceId))
    })

    it('finishes normalization', () => {
      expect(detail.trace.unnormalizedSpans).toBe(0)
      expect(normalized).toBe(true)
    })

    it('counts calls', () => {
      const { trace } = detail
      expect(report.requests, 'requests the stub received').toBe(c.stubRequests)
      expect(spansOf(detail, 'chat'), 'chat spans in the trace').toHaveLength(c.modelCalls)
      expect(spansOf(detail, 'execute_tool'), 'tool spans in the trace').toHaveLength(
        c.tools.length,
      )
      expect(trace.agentName).toBe('weather_agent')
      expect(trace.modelCalls).toBe(c.modelCalls)
      expect(trace.toolCalls).toBe(c.tools.length)
      expect(trace.toolRetries).toBe(c.tools.filter((t) => t.retried).length)
    })

    it('describes model calls', () => {
      const calls = spansOf(detail, 'chat')
      for (const [index, call] of calls.entries()) {
        const label = `model call ${index + 1} (${call.spanId})`
        expect(call.kind, label).toBe('model')
        expect(call.provider, label).toBe(c.provider)
        expect(call.model, label).toMatch(c.model)
        expect(call.agentName, label).toBe('weather_agent')
        // Only a call that got a response records its input messages.
        if (index < report.responseUsage.length) expect(userTexts(call), label).toContain(PROMPT)
      }
    })

    it('describes tool calls', () => {
      const tools = spansOf(detail, 'execute_tool').sort((a, b) =>
        String(a.attributes['gen_ai.tool.call.id']).localeCompare(
          String(b.attributes['gen_ai.tool.call.id']),
        ),
      )
      expect(tools).toHaveLength(c.tools.length)
      for (const [index, expected] of c.tools.entries()) {
        const tool = tools[index]!
        const label = `tool span ${tool.name} (${tool.spanId})`
        expect(tool.kind, label).toBe('tool')
        expect(tool.toolName, label).toBe(expected.name)
        expect(tool.toolCallId, label).toBe(expected.id)
        expect(tool.toolArguments, label).toEqual(expected.arguments)
        expect(tool.retried, label).toBe(expected.retried)
      }
    })

    it.runIf(c.resultIdsInSecondCall !== null)('pairs tool results with calls', () => {
      const [first, second] = spansOf(detail, 'chat')
      const calledIds = parts(first!, 'outputMessages').flatMap((p) =>
        p.type === 'tool_call' ? [p.id] : [],
      )
      const resultIds = parts(second!, 'inputMessages').flatMap((p) =>
        p.type === 'tool_result' ? [p.id] : [],
      )
      const repeatedCallIds = parts(second!, 'inputMessages').flatMap((p) =>
        p.type === 'tool_call' ? [p.id] : [],
      )
      expect(calledIds.sort(), 'tool_call ids in the first output').toEqual(c.resultIdsInSecondCall)
      expect(repeatedCallIds.sort(), 'tool_call ids in the second input').toEqual(
        c.resultIdsInSecondCall,
      )
      expect(resultIds.sort(), 'tool_result ids in the second input').toEqual(
        c.resultIdsInSecondCall,
      )
    })

    it('sums tokens', () => {
      const usage = report.responseUsage
      const { trace } = detail
      expect(trace.inputTokens).toBe(sum(usage.map((u) => u.promptTokens)))
      expect(trace.outputTokens).toBe(sum(usage.map((u) => u.completionTokens)))
      expect(trace.cacheReadTokens).toBe(sum(usage.map((u) => u.cachedTokens)))
      expect(trace.cacheWriteTokens).toBe(0)
      expect(trace.reasoningTokens).toBe(0)

      // Responses come in call order, and a call without a response has no token counts.
      const calls = spansOf(detail, 'chat')
      const unanswered = calls.slice(usage.length).map(() => null)
      expect(calls.map((s) => s.inputTokens)).toEqual([
        ...usage.map((u) => u.promptTokens),
        ...unanswered,
      ])
      expect(calls.map((s) => s.outputTokens)).toEqual([
        ...usage.map((u) => u.completionTokens),
        ...unanswered,
      ])
    })

    it('prices calls', () => {
      const { trace } = detail
      const calls = spansOf(detail, 'chat')

      if (c.pricing === 'unpriced') {
        // A model with no price shows no cost, never $0.
        expect(trace.costUsd).toBeNull()
        expect(trace.unpricedCalls).toBe(c.modelCalls)
        for (const call of calls) {
          expect(call.costUsd, call.spanId).toBeNull()
          expect(call.costSource, call.spanId).toBe('unpriced')
          expect(call.cost?.source, call.spanId).toBe('unpriced')
          expect(call.cost?.usd, call.spanId).toBeNull()
        }
        return
      }

      if (c.pricing === 'no usage') {
        expect(trace.costUsd).toBeNull()
        expect(trace.unpricedCalls).toBe(0)
        for (const call of calls) {
          expect(call.costUsd, call.spanId).toBeNull()
          expect(call.costSource, call.spanId).toBe('none')
        }
        return
      }

      expect(trace.unpricedCalls).toBe(0)
      const expectedUsd = sum(
        report.responseUsage.map((u) =>
          priceCall(
            {
              inputTokens: u.promptTokens,
              outputTokens: u.completionTokens,
              cacheReadTokens: u.cachedTokens,
            },
            report.model,
            'openai',
          ),
        ),
      )
      const computed = calls.map((s) => s.cost?.computedUsd ?? null)
      expect(computed, 'cost.computedUsd of each call').not.toContain(null)
      const computedUsd = sum(computed.map(Number))
      expect(
        relativeDifference(computedUsd, expectedUsd),
        `summed cost.computedUsd ${computedUsd} against genai-prices ${expectedUsd}`,
      ).toBeLessThanOrEqual(1e-6)

      // pydantic-ai sends operation.cost on each call, which Loupe shows and sums.
      for (const call of calls) {
        expect(call.costSource, call.spanId).toBe('sdk')
        expect(call.cost?.sdkUsd, call.spanId).toBe(call.attributes['operation.cost'])
      }
      const costs = calls.map((s) => s.costUsd)
      expect(costs, 'costUsd of each call').not.toContain(null)
      const callsUsd = sum(costs.map(Number))
      expect(trace.costUsd).not.toBeNull()
      expect(
        relativeDifference(trace.costUsd ?? Number.NaN, callsUsd),
        `trace.costUsd ${trace.costUsd} against the calls' sum ${callsUsd}`,
      ).toBeLessThanOrEqual(1e-9)
    })

    it('classifies the error', () => {
      const { trace } = detail
      expect(trace.errorClass).toBe(c.errorClass)
      if (c.error === null) {
        expect(trace.status).not.toBe('error')
        expect(trace.error).toBeNull()
        return
      }

      // The trace itself: the root ended with the error, and the origin span recorded it.
      expect(trace.status).toBe('error')
      const origin = originSpan(detail, c.error.origin)
      const recorded = exceptionEvents(origin).find((e) => e.type === c.error!.exceptionType)
      expect(recorded, `${c.error.exceptionType} recorded on ${origin?.name}`).toBeDefined()
      expect(recorded?.message).toMatch(c.error.message)

      expect(trace.error?.errorClass).toBe(c.errorClass)
      expect(trace.error?.httpStatus).toBe(ERROR_CLASS_STATUS[c.errorClass])
      expect(trace.error?.exceptionType).toBe(c.error.exceptionType)
      // An empty exception message may be served as null.
      expect(trace.error?.message ?? '').toBe(recorded?.message)
      expect(trace.error?.spanId).toBe(origin?.spanId)
      expect(trace.error?.toolName).toBe(c.error.toolName)
      expect(trace.error?.providerStatus).toBe(c.error.providerStatus)
      expect(origin?.errorClass, `error class of ${origin?.name}`).toBe(c.errorClass)
    })
  })
})
