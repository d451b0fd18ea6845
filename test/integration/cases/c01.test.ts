// Case c01: OTLP/JSON ids sent as base64 (the proto3-JSON default that real
// exporters emit) and as upper- and mixed-case hex. Loupe accepts both forms
// and stores and serves every id as lower-case hex.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../../src/shared/api'
import {
  asHttp,
  getTree,
  partialSuccessOf,
  sendCase,
  sendEmptyExport,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const BASE64_TRACE = '7d3a1f0c9b2e4d5a8c6f1e2d3b4a5c6d'
const HEX_TRACE = 'e4b7c2a19f0d3e5b6a7c8d9e0f1a2b3c'

/** The span ids of request 1 as sent (base64) and as the hex they encode. */
const BASE64_SPAN_IDS: Record<string, string> = {
  'obLD1OX2Bxg=': 'a1b2c3d4e5f60718',
  'Dx4tPEtaaXg=': '0f1e2d3c4b5a6978',
  'XH6aCx0/Lkw=': '5c7e9a0b1d3f2e4c',
}

let loupe: TestCore
let responses: HttpCaseResponse[]
let base64Trace: TraceDetail
let hexTrace: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  responses = (await sendCase(loupe, 'c01')).map(asHttp)
  base64Trace = await showTrace(loupe, BASE64_TRACE)
  hexTrace = await showTrace(loupe, HEX_TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c01 ids in base64', () => {
  // The case allows a strict 400 that names the id field. Loupe chose to
  // accept base64 ids, which can never be mistaken for hex of 32 or 16 digits.
  it('accepts the request with 200', () => {
    expect(responses[0]!.status).toBe(200)
    expect(responses[0]!.contentType).toBe('application/json')
    expect(partialSuccessOf(responses[0]!)).toBeNull()
  })

  it('stores three spans with hex ids', () => {
    expect(base64Trace.trace.traceId).toBe(BASE64_TRACE)
    expect(base64Trace.trace.spanCount).toBe(3)
    expect(base64Trace.spans).toHaveLength(3)
    for (const span of base64Trace.spans) {
      expect(span.traceId).toBe(BASE64_TRACE)
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/)
    }
    expect(spanNamed(base64Trace.spans, 'sync ledger batch').spanId).toBe('a1b2c3d4e5f60718')
    expect(spanNamed(base64Trace.spans, 'fetch remote entries').spanId).toBe('0f1e2d3c4b5a6978')
    expect(spanNamed(base64Trace.spans, 'decode entries').spanId).toBe('5c7e9a0b1d3f2e4c')
  })

  it('stores no id as base64 text', () => {
    const storedIds = base64Trace.spans.flatMap((s) => [s.spanId, s.parentSpanId])
    for (const base64 of Object.keys(BASE64_SPAN_IDS)) {
      const hexOfCharacters = Buffer.from(base64, 'latin1').toString('hex')
      expect(storedIds).not.toContain(base64)
      expect(storedIds).not.toContain(hexOfCharacters)
      expect(storedIds).not.toContain(hexOfCharacters.slice(0, 16))
    }
  })

  it('builds a three-level tree', () => {
    const root = spanNamed(base64Trace.spans, 'sync ledger batch')
    const fetch = spanNamed(base64Trace.spans, 'fetch remote entries')
    const decode = spanNamed(base64Trace.spans, 'decode entries')
    expect(root.parentSpanId).toBeNull()
    expect(fetch.parentSpanId).toBe(root.spanId)
    // Its base64 form, XH6aCx0/Lkw=, contains '/'.
    expect(decode.parentSpanId).toBe(fetch.spanId)
    expect(base64Trace.spans.filter((s) => s.parentSpanId === null)).toHaveLength(1)
    expect(base64Trace.trace.rootSpanId).toBe('a1b2c3d4e5f60718')
    expect(base64Trace.trace.rootName).toBe('sync ledger batch')
    expect(base64Trace.trace.complete).toBe(true)
  })

  it('keeps kinds, times and attributes', () => {
    const root = spanNamed(base64Trace.spans, 'sync ledger batch')
    const fetch = spanNamed(base64Trace.spans, 'fetch remote entries')
    expect(root.spanKind).toBe('internal')
    expect(fetch.spanKind).toBe('client')
    expect(root.startTimeUnixNano).toBe('1772362800000000000')
    expect(root.endTimeUnixNano).toBe('1772362800850000000')
    expect(base64Trace.trace.durationMs).toBe(850)
    expect(root.attributes['ledger.batch.size']).toBe(48)
    expect(fetch.attributes['http.request.method']).toBe('GET')
    expect(base64Trace.trace.serviceName).toBe('ledger-sync')
  })
})

describe('c01 ids in upper-case hex', () => {
  it('accepts the request with 200', () => {
    expect(responses[1]!.status).toBe(200)
    expect(responses[1]!.contentType).toBe('application/json')
    expect(partialSuccessOf(responses[1]!)).toBeNull()
  })

  it('stores one trace of two spans', () => {
    expect(hexTrace.trace.traceId).toBe(HEX_TRACE)
    expect(hexTrace.trace.spanCount).toBe(2)
    expect(hexTrace.spans).toHaveLength(2)
    for (const span of hexTrace.spans) expect(span.traceId).toBe(HEX_TRACE)
  })

  it('serves ids in lower case', () => {
    const ids = hexTrace.spans.map((s: SpanJson) => s.spanId).sort()
    expect(ids).toEqual(['1f2e3d4c5b6a7988', '9ab8c7d6e5f40312'])
  })

  it('matches parent ids across case', () => {
    const reconcile = spanNamed(hexTrace.spans, 'reconcile accounts')
    const compare = spanNamed(hexTrace.spans, 'compare balances')
    expect(reconcile.spanId).toBe('9ab8c7d6e5f40312')
    expect(compare.spanId).toBe('1f2e3d4c5b6a7988')
    expect(compare.parentSpanId).toBe('9ab8c7d6e5f40312')
    expect(reconcile.parentSpanId).toBeNull()
    expect(hexTrace.trace.rootName).toBe('reconcile accounts')
  })

  it('finds the trace by upper-case id', async () => {
    const upper = await showTrace(loupe, HEX_TRACE.toUpperCase())
    expect(upper.trace.traceId).toBe(HEX_TRACE)
    expect(upper.spans).toHaveLength(2)
    const tree = await getTree(loupe, HEX_TRACE.toUpperCase())
    expect(tree?.trace.traceId).toBe(HEX_TRACE)
    expect(tree?.spans).toHaveLength(2)
  })
})

describe('c01 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
