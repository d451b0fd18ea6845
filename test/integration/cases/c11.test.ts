// Case c11: oversized payloads. The first request is a 6.3 MB OTLP/JSON body
// with a 5 MiB tool result and a 1 MiB event attribute, which Loupe accepts:
// the result is cut to the 4 MiB value cap with a marker, the event attribute
// is kept whole. The second is an 82 KB gzip body that inflates to 80 MiB,
// past the 64 MiB limit that applies after decompression. A small request
// then shows that the receiver still works.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../../src/shared/api'
import {
  asHttp,
  getTree,
  listTraces,
  loadCase,
  partialSuccessOf,
  readCaseFile,
  rpcStatusOf,
  sendCaseRequest,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const BIG_TRACE = '11b16a77b16a77b16a77b16a77b16a77'
const BOMB_TRACE = '11d0b0b0b0b0b0b0b0b0b0b0b0b0b0b0'
const AFTER_TRACE = '11af7e7af7e7af7e7af7e7af7e7af7e7'
const MIB = 1024 * 1024
/** How far the test process's resident memory may rise while the core handles the gzip bomb. */
const MAX_RSS_GROWTH_BYTES = 150 * 1000 * 1000

interface KeyValue {
  key: string
  value: { stringValue?: string }
}

interface SentToolSpan {
  attributes: KeyValue[]
  events: { name: string; attributes: KeyValue[] }[]
}

let loupe: TestCore
let responses: HttpCaseResponse[] = []
let rssBeforeBomb = 0
let rssPeakDuringBomb = 0
let sentResult = ''
let sentSnapshot = ''

/** Sends a request while sampling this process's RSS, which includes the core's. */
async function sendSamplingRss(send: () => Promise<HttpCaseResponse>): Promise<HttpCaseResponse> {
  rssBeforeBomb = process.memoryUsage.rss()
  rssPeakDuringBomb = rssBeforeBomb
  const timer = setInterval(() => {
    rssPeakDuringBomb = Math.max(rssPeakDuringBomb, process.memoryUsage.rss())
  }, 5)
  try {
    return await send()
  } finally {
    clearInterval(timer)
    rssPeakDuringBomb = Math.max(rssPeakDuringBomb, process.memoryUsage.rss())
  }
}

beforeAll(async () => {
  const sent = JSON.parse(readCaseFile('c11-big-attributes.json').toString('utf8')) as {
    resourceSpans: { scopeSpans: { spans: (SentToolSpan & { name: string })[] }[] }[]
  }
  const tool = sent.resourceSpans[0]!.scopeSpans[0]!.spans.find(
    (s) => s.name === 'execute_tool fetch_all_pages',
  )!
  sentResult = tool.attributes.find((a) => a.key === 'gen_ai.tool.call.result')!.value.stringValue!
  sentSnapshot = tool.events[0]!.attributes.find((a) => a.key === 'crawler.snapshot')!.value
    .stringValue!

  loupe = await startTestCore()
  const [big, bomb, after] = loadCase('c11').requests
  responses.push(asHttp(await sendCaseRequest(loupe, big!)))
  responses.push(await sendSamplingRss(async () => asHttp(await sendCaseRequest(loupe, bomb!))))
  responses.push(asHttp(await sendCaseRequest(loupe, after!)))
})

afterAll(async () => {
  responses = []
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c11 body with huge attributes', () => {
  let detail: TraceDetail

  beforeAll(async () => {
    detail = await showTrace(loupe, BIG_TRACE)
  })

  it('accepts with 200 and reports the cut', () => {
    expect(responses[0]!.status).toBe(200)
    expect(responses[0]!.contentType).toBe('application/json')
    const partial = partialSuccessOf(responses[0]!)
    expect(partial?.rejectedSpans).toBe(0)
    expect(partial?.errorMessage).toContain('1 attribute value truncated to the cap of 4 MiB')
  })

  it('stores all three spans', () => {
    expect(detail.trace.spanCount).toBe(3)
    expect(detail.spans).toHaveLength(3)
    const root = spanNamed(detail.spans, 'crawl site')
    expect(root.parentSpanId).toBeNull()
    expect(spanNamed(detail.spans, 'execute_tool fetch_all_pages').parentSpanId).toBe(root.spanId)
    expect(spanNamed(detail.spans, 'summarize crawl').parentSpanId).toBe(root.spanId)
    expect(detail.trace.rootName).toBe('crawl site')
  })

  it('cuts the 5 MiB result with a marker', () => {
    const tool = spanNamed(detail.spans, 'execute_tool fetch_all_pages')
    const result = tool.attributes['gen_ai.tool.call.result']
    expect(typeof result).toBe('string')
    const match = /…\[truncated by Loupe: (\d+) of (\d+) bytes\]$/.exec(result as string)
    expect(match).not.toBeNull()
    expect(Number(match![2])).toBe(5 * MIB)
    expect(sentResult.startsWith((result as string).slice(0, match!.index))).toBe(true)
    expect(Buffer.byteLength(result as string)).toBeLessThanOrEqual(4 * MIB)
    expect(tool.attributes['loupe.truncated_values']).toBe(1)
  })

  it('keeps the 1 MiB event attribute', () => {
    const tool = spanNamed(detail.spans, 'execute_tool fetch_all_pages')
    expect(tool.events).toHaveLength(1)
    expect(tool.events[0]!.name).toBe('crawler.checkpoint')
    const snapshot = tool.events[0]!.attributes['crawler.snapshot']
    expect(typeof snapshot).toBe('string')
    expect((snapshot as string).length).toBe(MIB)
    expect(snapshot === sentSnapshot).toBe(true)
  })

  it('keeps the small attributes', () => {
    const tool = spanNamed(detail.spans, 'execute_tool fetch_all_pages')
    expect(tool.attributes['gen_ai.tool.call.arguments']).toBe('{"max_pages": 99999}')
    expect(tool.attributes['gen_ai.tool.name']).toBe('fetch_all_pages')
    expect(spanNamed(detail.spans, 'summarize crawl').attributes['crawler.pages']).toBe(99999)
  })
})

describe('c11 gzip bomb past the limit', () => {
  // Loupe's default limit is 64 MiB after decompression, below the 80 MiB
  // that this body inflates to, so the case expects 413 rather than 200.
  it('rejects with 413 and a Status', () => {
    const response = responses[1]!
    expect(response.status).toBe(413)
    expect(response.contentType).toBe('application/json')
    const status = rpcStatusOf(response)
    expect(status.code).toBe(8)
    expect(status.message).toMatch(/after decompression/)
  })

  it('stores nothing from it', async () => {
    expect(await getTree(loupe, BOMB_TRACE)).toBeNull()
  })

  it('stops inflating at the limit', () => {
    const growth = rssPeakDuringBomb - rssBeforeBomb
    expect(growth, `RSS grew by ${(growth / 1e6).toFixed(1)} MB`).toBeLessThan(MAX_RSS_GROWTH_BYTES)
  })
})

describe('c11 small request afterwards', () => {
  it('accepts with 200', () => {
    expect(responses[2]!.status).toBe(200)
    expect(partialSuccessOf(responses[2]!)).toBeNull()
  })

  it('stores span crawl sitemap', async () => {
    const detail = await showTrace(loupe, AFTER_TRACE)
    expect(detail.spans).toHaveLength(1)
    expect(detail.spans[0]!.name).toBe('crawl sitemap')
  })

  it('lists exactly the two good traces', async () => {
    const traces = await listTraces(loupe)
    expect(traces.map((t) => t.traceId).sort()).toEqual([AFTER_TRACE, BIG_TRACE])
  })
})
