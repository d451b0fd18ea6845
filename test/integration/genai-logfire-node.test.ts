// @pydantic/logfire-node pointed at Loupe with environment variables only
// (LOGFIRE_TOKEN and LOGFIRE_BASE_URL), in a child process so that its
// environment and global SDK state stay out of the test process. The agent
// (test/interop/logfire-node-recipe.mjs) opens a Logfire span, writes an info
// log and runs an AI SDK generateText call with a tool inside it. The tests
// check parentage, that Logfire's pending spans do not linger, the log's level
// and formatted title, the AI SDK figures, and that nothing was sent anywhere
// but the test core.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { byStartTime, priceCall, relativeDifference, showNormalized } from '../helpers/genai'

const execFileAsync = promisify(execFile)

/** The JSON line that the agent script prints last. */
interface AgentReport {
  traceId: string
  modelId: string
  toolCallId: string
  recipe: Record<string, unknown>
  stepUsage: { noCache: number; cacheRead: number; cacheWrite: number; output: number }[]
  /** `lookup <host>` and `<ip>:<port>` for every destination the process tried to reach. */
  destinations: string[]
}

/** Environment without any OTel or Logfire setting inherited from the machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('LOGFIRE_')) env[key] = value
  }
  return { ...env, ...extra }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

let loupe: TestCore
let report: AgentReport
let detail: TraceDetail
let normalized: boolean

beforeAll(async () => {
  loupe = await startTestCore()
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(repoRoot, 'test/interop/logfire-node-recipe.mjs')],
    {
      env: cleanEnv({
        LOGFIRE_TOKEN: 'loupe-test-token',
        LOGFIRE_BASE_URL: loupe.otlpHttpUrl,
        LOGFIRE_SERVICE_NAME: 'recipe-agent',
      }),
      timeout: 60_000,
    },
  )
  report = JSON.parse(stdout.trim().split('\n').at(-1)!) as AgentReport
  ;({ detail, normalized } = await showNormalized(loupe.dataDir, report.traceId))
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function spanNamed(name: string): SpanJson | undefined {
  return detail.spans.find((s) => s.name === name)
}

describe('logfire-node configured by environment', () => {
  it('sends only to the test core', () => {
    const port = new URL(loupe.otlpHttpUrl).port
    expect(report.destinations).toEqual([`127.0.0.1:${port}`])
  })

  it('finishes normalization', () => {
    expect(report.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(detail.trace.unnormalizedSpans).toBe(0)
    expect(normalized).toBe(true)
  })

  it('nests spans under the Logfire span', () => {
    const root = spanNamed('cook {dish} for {servings}')
    const log = spanNamed('looking up {dish}')
    const run = spanNamed('ai.generateText')
    expect(root?.parentSpanId).toBeNull()
    expect(detail.trace.rootSpanId).toBe(root?.spanId)
    expect(log?.parentSpanId).toBe(root?.spanId)
    expect(run?.parentSpanId).toBe(root?.spanId)
    const children = detail.spans.filter((s) =>
      ['ai.generateText.doGenerate', 'ai.toolCall'].includes(s.name),
    )
    expect(children).toHaveLength(3)
    for (const child of children) expect(child.parentSpanId, child.name).toBe(run?.spanId)
    expect(detail.trace.spanCount).toBe(6)
    for (const span of detail.spans) expect(span.serviceName, span.name).toBe('recipe-agent')
  })

  it('leaves no pending spans showing', () => {
    expect(detail.trace.complete).toBe(true)
    expect(detail.trace.inProgressCount).toBe(0)
    for (const span of detail.spans) {
      expect(span.inProgress, span.name).toBe(false)
      expect(span.attributes['logfire.span_type'], span.name).not.toBe('pending_span')
    }
  })

  it('shows Logfire titles and levels', () => {
    const root = spanNamed('cook {dish} for {servings}')
    expect(root?.title).toBe('cook shakshuka for 2')
    expect(root?.attributes['logfire.msg_template']).toBe('cook {dish} for {servings}')
    expect(root?.level).toBe(9)
    expect(root?.convention).toBe('logfire')
    expect(root?.kind).toBe('other')

    const log = spanNamed('looking up {dish}')
    expect(log?.title).toBe('looking up shakshuka')
    expect(log?.attributes['logfire.span_type']).toBe('log')
    expect(log?.level).toBe(9)
  })

  it('normalizes the AI SDK run', () => {
    const { trace } = detail
    const run = spanNamed('ai.generateText')
    expect(run?.kind).toBe('agent')
    expect(trace.agentName).toBe('recipe-helper')
    expect(trace.models).toEqual([report.modelId])
    expect(trace.modelCalls).toBe(2)
    expect(trace.toolCalls).toBe(1)

    const tool = spanNamed('ai.toolCall')
    expect(tool?.kind).toBe('tool')
    expect(tool?.toolName).toBe('lookupRecipe')
    expect(tool?.toolCallId).toBe(report.toolCallId)
    expect(tool?.toolArguments).toEqual({ dish: 'shakshuka', servings: 2 })
    expect(tool?.toolResult).toEqual(report.recipe)

    const calls = detail.spans
      .filter((s) => s.name === 'ai.generateText.doGenerate')
      .sort(byStartTime)
    const resultIds = (calls[1]?.inputMessages ?? [])
      .flatMap((m) => m.parts)
      .flatMap((p) => (p.type === 'tool_result' ? [p.id] : []))
    expect(resultIds).toEqual([report.toolCallId])
  })

  it('sums tokens and prices calls', () => {
    const { trace } = detail
    const usage = report.stepUsage
    const inputs = usage.map((u) => u.noCache + u.cacheRead + u.cacheWrite)
    expect(trace.inputTokens).toBe(sum(inputs))
    expect(trace.outputTokens).toBe(sum(usage.map((u) => u.output)))
    expect(trace.cacheReadTokens).toBe(sum(usage.map((u) => u.cacheRead)))
    expect(trace.cacheWriteTokens).toBe(sum(usage.map((u) => u.cacheWrite)))

    const calls = detail.spans
      .filter((s) => s.name === 'ai.generateText.doGenerate')
      .sort(byStartTime)
    expect(calls.map((s) => s.inputTokens)).toEqual(inputs)
    for (const call of calls) expect(call.costSource, call.spanId).toBe('computed')
    const expectedUsd = sum(
      calls.map((call, index) =>
        priceCall(
          {
            inputTokens: inputs[index]!,
            outputTokens: usage[index]!.output,
            cacheReadTokens: usage[index]!.cacheRead,
            cacheWriteTokens: usage[index]!.cacheWrite,
          },
          report.modelId,
          'anthropic',
          new Date(call.startTime),
        ),
      ),
    )
    expect(trace.costUsd).not.toBeNull()
    expect(
      relativeDifference(trace.costUsd ?? Number.NaN, expectedUsd),
      `trace.costUsd ${trace.costUsd} against genai-prices ${expectedUsd}`,
    ).toBeLessThanOrEqual(1e-6)
  })

  it('classifies no error', () => {
    expect(detail.trace.errorClass).toBe('none')
    expect(detail.trace.error).toBeNull()
  })
})
