// The normalized figures that the GenAI cases give for each trace (model and
// tool calls, tool names, tokens, cost, error class), checked on what
// `loupe show --json` prints after the case's requests were sent.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../src/shared/api'
import { casesDir, sendCase } from '../helpers/cases'
import { cliJson, removeDir, startTestCore, type TestCore } from '../helpers/core'

interface NormalizedTrace {
  spans: number
  modelCalls: number
  toolCalls: number
  toolNames?: Record<string, number>
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
  costUsd?: number
  errorClass: string
}

interface ManifestCase {
  id: string
  normalized?: { traces: Record<string, NormalizedTrace> }
}

const manifest = JSON.parse(readFileSync(join(casesDir, 'manifest.json'), 'utf8')) as {
  cases: ManifestCase[]
}
const genaiCases = manifest.cases.filter((c) => c.normalized)

describe.each(genaiCases.map((c) => [c.id, c] as const))('case %s normalized', (id, testCase) => {
  let loupe: TestCore
  const details = new Map<string, TraceDetail>()

  beforeAll(async () => {
    loupe = await startTestCore()
    await sendCase(loupe, id)
    for (const traceId of Object.keys(testCase.normalized!.traces)) {
      details.set(
        traceId,
        await cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir]),
      )
    }
  })

  afterAll(async () => {
    await loupe.stop()
    removeDir(loupe.dataDir)
  })

  const rows = Object.entries(testCase.normalized!.traces)
  it.each(rows)('trace %s has the expected figures', (traceId, expected) => {
    const { trace, spans } = details.get(traceId)!
    expect(trace.unnormalizedSpans).toBe(0)
    expect(trace.spanCount).toBe(expected.spans)
    expect(trace.modelCalls).toBe(expected.modelCalls)
    expect(trace.toolCalls).toBe(expected.toolCalls)
    expect(trace.inputTokens).toBe(expected.inputTokens)
    expect(trace.outputTokens).toBe(expected.outputTokens)
    expect(trace.cacheReadTokens).toBe(expected.cachedInputTokens)
    expect(trace.errorClass).toBe(expected.errorClass)
    if (expected.costUsd !== undefined) {
      expect(trace.costUsd).not.toBeNull()
      expect(Math.abs(trace.costUsd! - expected.costUsd) / expected.costUsd).toBeLessThan(1e-6)
    }
    if (expected.toolNames) {
      const counted: Record<string, number> = {}
      for (const span of spans.filter((s) => s.kind === 'tool')) {
        counted[span.toolName ?? '(none)'] = (counted[span.toolName ?? '(none)'] ?? 0) + 1
      }
      expect(counted).toEqual(expected.toolNames)
    }
  })
})

describe('case details beyond the figures', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
    for (const id of ['c17', 'c28', 'c30', 'c33', 'c36', 'c43']) await sendCase(loupe, id)
  })

  afterAll(async () => {
    await loupe.stop()
    removeDir(loupe.dataDir)
  })

  const show = (traceId: string) =>
    cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])

  it('c17 error originates in the second chat', async () => {
    const { trace } = await show('17a7e9a7e9a7e9a7e9a7e9a7e9a7e9a7')
    expect(trace.error?.spanId).toBe('17b0000000000002')
    expect(trace.error?.providerStatus).toBe(503)
    expect(trace.error?.httpStatus).toBe(503)
    expect(trace.error?.exceptionType).toBe('pydantic_ai.exceptions.ModelHTTPError')
  })

  it('c28 v2 tool spans read tool_arguments', async () => {
    const { spans, trace } = await show('28a9d0e5a9d0e5a9d0e5a9d0e5a9d0e5')
    expect(trace.agentName).toBe('garden_advisor')
    const tools = spans.filter((s) => s.kind === 'tool')
    expect(tools.map((s) => [s.toolName, s.toolArguments, s.toolResult])).toEqual([
      ['get_forecast', { city: 'Utrecht' }, { rain_mm: 6.5, high_c: 14 }],
      ['soil_moisture', { bed_id: 'B3' }, '31%'],
    ])
    const lastChat = spans.filter((s) => s.kind === 'model').at(-1)!
    const toolResults = lastChat
      .inputMessages!.flatMap((m) => m.parts)
      .filter((p) => p.type === 'tool_result')
    expect(toolResults.map((p) => (p.type === 'tool_result' ? p.id : null))).toEqual([
      'call_Gd41',
      'call_Sm77',
    ])
    expect(lastChat.systemInstructions).toEqual([
      {
        type: 'text',
        content: 'You are a concise gardening assistant. Use the tools before answering.',
      },
    ])
    expect(lastChat.outputMessages![0]!.finishReason).toBe('stop')
    expect(lastChat.costSource).toBe('sdk')
  })

  it('c30 usage limit is found on the root', async () => {
    const { trace, spans } = await show('30c4a5e1c4a5e1c4a5e1c4a5e1c4a5e1')
    const root = spans.find((s) => s.parentSpanId === null)!
    expect(trace.error?.spanId).toBe(root.spanId)
    expect(trace.error?.message).toMatch(/^The next request would exceed the request_limit of 3/)
    expect(trace.error?.httpStatus).toBe(429)
    expect(root.errorClass).toBe('quota_exceeded')
    expect(spans.filter((s) => s.kind === 'model').every((s) => s.errorClass === 'none')).toBe(true)
  })

  it('c33 OpenInference cost is computed and marked', async () => {
    const { spans, trace } = await show('33b0cace33b0cace33b0cace33b0cace')
    const llm = spans[0]!
    expect(llm.kind).toBe('model')
    expect(llm.convention).toBe('openinference')
    expect(llm.costSource).toBe('computed')
    expect(llm.cost?.pricedTokens).toEqual({
      input_tokens: 3620,
      output_tokens: 250,
      cache_read_tokens: 3000,
      cache_write_tokens: 500,
    })
    expect(llm.inputMessages![0]!.parts).toEqual([
      { type: 'text', content: 'Summarize clause 14.2 of SC-3381 in one sentence.' },
    ])
    expect(trace.cacheWriteTokens).toBe(500)
  })

  it('c36 AI SDK messages and tool call', async () => {
    const { spans } = await show('36ad5d4e36ad5d4e36ad5d4e36ad5d4e')
    const tool = spans.find((s) => s.kind === 'tool')!
    expect(tool.toolName).toBe('lookupRecipe')
    expect(tool.toolCallId).toBe('toolu_36a')
    expect(tool.toolArguments).toEqual({ dish: 'shakshuka', servings: 2 })
    const second = spans.filter((s) => s.kind === 'model').at(-1)!
    expect(second.provider).toBe('anthropic')
    expect(second.costSource).toBe('computed')
    const roles = second.inputMessages!.map((m) => m.role)
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool'])
    const toolMessage = second.inputMessages![3]!
    expect(toolMessage.parts[0]!.type).toBe('tool_result')
  })

  it('c43 retried tool attempts do not fail the run', async () => {
    const { trace, spans } = await show('43a1e7a143a1e7a143a1e7a143a1e7a1')
    expect(trace.toolRetries).toBe(2)
    const tools = spans.filter((s) => s.kind === 'tool')
    expect(tools.filter((s) => s.retried)).toHaveLength(2)
    expect(tools.every((s) => s.errorClass === 'none')).toBe(true)
    expect(trace.errorClass).toBe('none')
  })
})
