// Case c30: a Pydantic AI run stopped by UsageLimits(request_limit=3) before
// its fourth model request, sent as gzip-compressed protobuf. The error is
// only on the agent span. This file checks receiving and storing. The error
// class, run numbers and cost belong to GenAI normalization.

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

const TRACE = '30c4a5e1c4a5e1c4a5e1c4a5e1c4a5e1'
const ROOT_NAME = 'invoke_agent research_digest'

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c30'))[0])
  detail = await showTrace(loupe, TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c30 run stopped by usage limit', () => {
  it('accepts gzip protobuf with 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores seven spans under the root', () => {
    expect(detail.spans).toHaveLength(7)
    const root = spanNamed(detail.spans, ROOT_NAME)
    expect(root.parentSpanId).toBeNull()
    const children = detail.spans.filter((s) => s !== root)
    for (const child of children) expect(child.parentSpanId, child.spanId).toBe(root.spanId)
    expect(children.filter((s) => s.name === 'chat gpt-4.1-mini')).toHaveLength(3)
    expect(children.filter((s) => s.name === 'execute_tool fetch_paper')).toHaveLength(3)
  })

  it('summarizes a failed 7.3 s run', () => {
    expect(detail.trace.rootName).toBe(ROOT_NAME)
    expect(detail.trace.serviceName).toBe('digest-worker')
    expect(detail.trace.durationMs).toBe(7300)
    expect(detail.trace.spanCount).toBe(7)
    expect(detail.trace.status).toBe('error')
    expect(detail.trace.errorCount).toBe(1)
  })

  it('fails only the root span', () => {
    const root = spanNamed(detail.spans, ROOT_NAME)
    expect(root.status).toBe('error')
    for (const span of detail.spans) {
      if (span !== root) expect(span.status, span.spanId).toBe('unset')
    }
  })

  it('keeps the exception on the root', () => {
    const root = spanNamed(detail.spans, ROOT_NAME)
    const exceptions = root.events.filter((e) => e.name === 'exception')
    expect(exceptions).toHaveLength(1)
    expect(exceptions[0]!.attributes['exception.type']).toBe(
      'pydantic_ai.exceptions.UsageLimitExceeded',
    )
    expect(exceptions[0]!.attributes['exception.message']).toMatch(
      /^The next request would exceed the request_limit of 3\./,
    )
    expect(root.statusMessage).toMatch(/^UsageLimitExceeded: /)
  })

  it('keeps the tool arguments as sent', () => {
    const args = detail.spans
      .filter((s) => s.name === 'execute_tool fetch_paper')
      .map((s) => JSON.parse(s.attributes['gen_ai.tool.call.arguments'] as string) as unknown)
    expect(args).toEqual([
      { paper_id: 'paper-0417' },
      { paper_id: 'paper-0422' },
      { paper_id: 'paper-0431' },
    ])
  })

  it('ends the messages with a tool return', () => {
    const root = spanNamed(detail.spans, ROOT_NAME)
    const messages = JSON.parse(root.attributes['pydantic_ai.all_messages'] as string) as {
      role: string
      parts: { type: string }[]
    }[]
    const last = messages.at(-1)!
    expect(last.parts.map((p) => p.type)).toContain('tool_call_response')
    expect(JSON.stringify(last)).toContain('Tillage revisited')
  })

  it('stores every span as sent', () => {
    expectSpansStoredAsSent(detail.spans, readSentSpans('c30-usage-limit-exceeded.json'))
  })
})

describe('c30 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
