// Case c43: a Pydantic AI run in which the tool get_rate raises ModelRetry
// twice (those tool spans end with status ERROR and a ToolRetryError
// exception event), then two parallel calls succeed and the run ends well.
// This file checks receiving and storing. Treating the retries as non-fatal,
// the error class, run numbers and messages belong to GenAI normalization.

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
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE = '43a1e7a143a1e7a143a1e7a143a1e7a1'
const ROOT_NAME = 'invoke_agent shipping_quote'

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c43'))[0])
  detail = await showTrace(loupe, TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function toolSpans() {
  return detail.spans.filter((s) => s.name === 'execute_tool get_rate')
}

describe('c43 run with retried tool calls', () => {
  it('accepts with protobuf 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores nine spans under the root', () => {
    expect(detail.spans).toHaveLength(9)
    const root = spanNamed(detail.spans, ROOT_NAME)
    expect(root.parentSpanId).toBeNull()
    for (const span of detail.spans) {
      if (span !== root) expect(span.parentSpanId, span.spanId).toBe(root.spanId)
    }
    expect(detail.spans.filter((s) => s.name === 'chat gpt-4o-mini')).toHaveLength(4)
    expect(toolSpans()).toHaveLength(4)
  })

  it('summarizes an unfailed 7.6 s run', () => {
    expect(detail.trace.rootName).toBe(ROOT_NAME)
    expect(detail.trace.serviceName).toBe('shipping-desk')
    expect(detail.trace.durationMs).toBe(7600)
    expect(detail.trace.spanCount).toBe(9)
    expect(detail.trace.status).toBe('unset')
    expect(spanNamed(detail.spans, ROOT_NAME).status).toBe('unset')
  })

  it('keeps the two retried attempts', () => {
    const [first, second, third, fourth] = toolSpans()
    expect(first!.status).toBe('error')
    expect(second!.status).toBe('error')
    expect(third!.status).toBe('unset')
    expect(fourth!.status).toBe('unset')
    for (const attempt of [first!, second!]) {
      const exceptions = attempt.events.filter((e) => e.name === 'exception')
      expect(exceptions, attempt.spanId).toHaveLength(1)
      expect(exceptions[0]!.attributes['exception.type'], attempt.spanId).toBe(
        'pydantic_ai.exceptions.ToolRetryError',
      )
    }
  })

  it('keeps arguments and results in order', () => {
    const tools = toolSpans()
    const args = tools.map((s) => JSON.parse(s.attributes['gen_ai.tool.call.arguments'] as string))
    expect(args).toEqual([
      { zip: '1011AB', weight_kg: 31 },
      { zip: '1011 AB', weight_kg: 15.5 },
      { zip: '1011AB', weight_kg: 15.5 },
      { zip: '1011AB', weight_kg: 15.5 },
    ])
    const results = tools.map((s) => s.attributes['gen_ai.tool.call.result'] as string)
    expect(results[0]).toMatch(/^weight_kg must be at most 30; split the parcel/)
    expect(results[0]).toMatch(/Fix the errors and try again\.$/)
    expect(results[1]).toMatch(/^zip must not contain spaces/)
    expect(results[1]).toMatch(/Fix the errors and try again\.$/)
    expect(JSON.parse(results[2]!)).toEqual({ eur: 11.9, service: 'parcel-standard' })
    expect(JSON.parse(results[3]!)).toEqual({ eur: 11.9, service: 'parcel-standard' })
  })

  it('stores every span as sent', () => {
    expectSpansStoredAsSent(detail.spans, readSentSpans('c43-model-retry-then-success.json'))
  })
})

describe('c43 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
