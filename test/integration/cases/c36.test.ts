// Case c36: a Vercel AI SDK v6 generateText run with one tool call, in the
// legacy ai.* span shape, sent as the JS OTLP/JSON exporter sends it (intValue
// as JSON numbers). This file checks receiving and storing. Operation kinds,
// tokens, cost and messages belong to GenAI normalization.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../../src/shared/api'
import {
  asHttp,
  expectSpansStoredAsSent,
  partialSuccessOf,
  readSentSpans,
  sendCase,
  sendEmptyExport,
  showTrace,
  spanNamed,
  spansById,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE = '36ad5d4e36ad5d4e36ad5d4e36ad5d4e'
const ROOT = '36a0000000000001'
const FIRST_GENERATE = '36a0000000000002'
const TOOL_CALL = '36a0000000000003'
const SECOND_GENERATE = '36a0000000000004'

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c36'))[0])
  detail = await showTrace(loupe, TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c36 AI SDK generateText run', () => {
  it('accepts with 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/json')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores four spans under the root', () => {
    const spans = spansById(detail.spans)
    expect(detail.spans).toHaveLength(4)
    expect(spans.get(ROOT)!.name).toBe('ai.generateText')
    expect(spans.get(ROOT)!.parentSpanId).toBeNull()
    expect(spans.get(FIRST_GENERATE)!.name).toBe('ai.generateText.doGenerate')
    expect(spans.get(TOOL_CALL)!.name).toBe('ai.toolCall')
    expect(spans.get(SECOND_GENERATE)!.name).toBe('ai.generateText.doGenerate')
    for (const id of [FIRST_GENERATE, TOOL_CALL, SECOND_GENERATE]) {
      expect(spans.get(id)!.parentSpanId, id).toBe(ROOT)
    }
  })

  it('summarizes a 6.4 s run', () => {
    expect(detail.trace.rootName).toBe('ai.generateText')
    expect(detail.trace.serviceName).toBe('kitchen-web')
    expect(detail.trace.durationMs).toBe(6400)
    expect(detail.trace.spanCount).toBe(4)
    expect(detail.trace.status).toBe('unset')
    expect(detail.trace.errorCount).toBe(0)
  })

  it('stores scope ai, kind internal', () => {
    for (const span of detail.spans) {
      expect(span.scope.name, span.spanId).toBe('ai')
      expect(span.spanKind, span.spanId).toBe('internal')
    }
  })

  it('stores JSON-number intValues as numbers', () => {
    const root = spansById(detail.spans).get(ROOT)!.attributes
    expect(root['ai.usage.inputTokens']).toBe(6570)
    expect(root['ai.usage.outputTokens']).toBe(295)
    expect(root['ai.usage.cachedInputTokens']).toBe(3000)
    expect(root['ai.settings.maxRetries']).toBe(2)
  })

  it('keeps the tool call attributes', () => {
    const tool = spanNamed(detail.spans, 'ai.toolCall').attributes
    expect(tool['ai.toolCall.name']).toBe('lookupRecipe')
    expect(tool['ai.toolCall.id']).toBe('toolu_36a')
    expect(JSON.parse(tool['ai.toolCall.args'] as string)).toEqual({
      dish: 'shakshuka',
      servings: 2,
    })
    const result = JSON.parse(tool['ai.toolCall.result'] as string) as { minutes: number }
    expect(result.minutes).toBe(25)
  })

  it('keeps operation ids and metadata', () => {
    const spans = spansById(detail.spans)
    expect(spans.get(ROOT)!.attributes['ai.operationId']).toBe('ai.generateText')
    expect(spans.get(ROOT)!.attributes['ai.telemetry.functionId']).toBe('recipe-helper')
    expect(spans.get(FIRST_GENERATE)!.attributes['ai.operationId']).toBe(
      'ai.generateText.doGenerate',
    )
    expect(spans.get(TOOL_CALL)!.attributes['ai.operationId']).toBe('ai.toolCall')
    for (const span of detail.spans) {
      expect(span.attributes['ai.telemetry.metadata.userTier'], span.spanId).toBe('pro')
    }
  })

  it('keeps array attributes as arrays', () => {
    const first = spansById(detail.spans).get(FIRST_GENERATE)!.attributes
    expect(first['gen_ai.response.finish_reasons']).toEqual(['tool-calls'])
    const tools = first['ai.prompt.tools'] as string[]
    expect(tools).toHaveLength(1)
    expect((JSON.parse(tools[0]!) as { name: string }).name).toBe('lookupRecipe')
  })

  it('stores every span as sent', () => {
    expectSpansStoredAsSent(detail.spans, readSentSpans('c36-ai-sdk-generate-text.json'))
  })
})

describe('c36 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
