// Case c28: a Pydantic AI 1.x run in the instrumentation v2 shape, sent as
// protobuf with the root last: 'agent run' → 'chat gpt-4o', two parallel
// 'running tool' spans, 'chat gpt-4o'. This file checks receiving and
// storing. Recognizing the v2 names, tokens, cost and messages belongs to
// GenAI normalization.

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
  spansById,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE = '28a9d0e5a9d0e5a9d0e5a9d0e5a9d0e5'
const ROOT = '28a0000000000001'
const FIRST_CHAT = '28a0000000000002'
const FORECAST_TOOL = '28a0000000000003'
const MOISTURE_TOOL = '28a0000000000004'
const SECOND_CHAT = '28a0000000000005'

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c28'))[0])
  detail = await showTrace(loupe, TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c28 Pydantic AI v2 run', () => {
  it('accepts with protobuf 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores five spans under the root', () => {
    const spans = spansById(detail.spans)
    expect(detail.spans).toHaveLength(5)
    expect(spans.get(ROOT)!.name).toBe('agent run')
    expect(spans.get(ROOT)!.parentSpanId).toBeNull()
    for (const id of [FIRST_CHAT, FORECAST_TOOL, MOISTURE_TOOL, SECOND_CHAT]) {
      expect(spans.get(id)!.parentSpanId, id).toBe(ROOT)
    }
    expect(spans.get(FIRST_CHAT)!.name).toBe('chat gpt-4o')
    expect(spans.get(SECOND_CHAT)!.name).toBe('chat gpt-4o')
    expect(spans.get(FORECAST_TOOL)!.name).toBe('running tool')
    expect(spans.get(MOISTURE_TOOL)!.name).toBe('running tool')
  })

  it('summarizes the trace from the root', () => {
    expect(detail.trace.rootSpanId).toBe(ROOT)
    expect(detail.trace.rootName).toBe('agent run')
    expect(detail.trace.serviceName).toBe('garden-advisor')
    expect(detail.trace.durationMs).toBe(5200)
    expect(detail.trace.spanCount).toBe(5)
    expect(detail.trace.complete).toBe(true)
  })

  it('stores scope pydantic-ai 1.40.0', () => {
    for (const span of detail.spans) {
      expect(span.scope.name, span.spanId).toBe('pydantic-ai')
      expect(span.scope.version, span.spanId).toBe('1.40.0')
    }
  })

  it('keeps every status unset', () => {
    for (const span of detail.spans) expect(span.status, span.spanId).toBe('unset')
    expect(detail.trace.status).toBe('unset')
    expect(detail.trace.errorCount).toBe(0)
  })

  it('keeps the v2 tool attributes', () => {
    const spans = spansById(detail.spans)
    const forecast = spans.get(FORECAST_TOOL)!.attributes
    const moisture = spans.get(MOISTURE_TOOL)!.attributes
    expect(forecast['gen_ai.tool.name']).toBe('get_forecast')
    expect(forecast['tool_arguments']).toBe('{"city":"Utrecht"}')
    expect(forecast['tool_response']).toBe('{"rain_mm":6.5,"high_c":14}')
    expect(moisture['gen_ai.tool.name']).toBe('soil_moisture')
    expect(moisture['tool_arguments']).toBe('{"bed_id":"B3"}')
    expect(moisture['tool_response']).toBe('31%')
    expect(spans.get(ROOT)!.attributes['gen_ai.agent.name']).toBe('garden_advisor')
    expect(spans.get(ROOT)!.attributes['agent_name']).toBe('garden_advisor')
  })

  it('keeps overlapping tool times', () => {
    const spans = spansById(detail.spans)
    const forecast = spans.get(FORECAST_TOOL)!
    const moisture = spans.get(MOISTURE_TOOL)!
    expect(BigInt(moisture.startTimeUnixNano)).toBeLessThan(BigInt(forecast.endTimeUnixNano))
    expect(BigInt(forecast.startTimeUnixNano)).toBeLessThan(BigInt(moisture.endTimeUnixNano))
  })

  it('stores every span as sent', () => {
    expectSpansStoredAsSent(detail.spans, readSentSpans('c28-pydantic-v2-run.json'))
  })
})

describe('c28 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
