// Case c03: span kind and status code sent in OTLP/JSON as integers, as proto
// enum names ("SPAN_KIND_CLIENT"), as 0, and out of range (kind 9).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../../src/shared/api'
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

const TRACE = 'a0b1c2d3e4f5061728394a5b6c7d8e9f'

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c03'))[0])
  detail = await showTrace(loupe, TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c03 enum names and integers', () => {
  // Loupe accepts enum names as well as integers, as proto3-JSON parsers do.
  it('accepts the request with 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/json')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores all six spans', () => {
    expect(detail.trace.spanCount).toBe(6)
    expect(detail.spans.map((s) => s.name).sort()).toEqual([
      'GET geo-service /zones',
      'POST /routes',
      'consume zone.changed',
      'persist route',
      'publish route.updated',
      'score candidates',
    ])
    const root = spanNamed(detail.spans, 'POST /routes')
    for (const span of detail.spans) {
      if (span !== root) expect(span.parentSpanId, span.name).toBe(root.spanId)
    }
  })

  it('maps span kinds without offset', () => {
    expect(spanNamed(detail.spans, 'POST /routes').spanKind).toBe('server')
    expect(spanNamed(detail.spans, 'GET geo-service /zones').spanKind).toBe('client')
    expect(spanNamed(detail.spans, 'publish route.updated').spanKind).toBe('producer')
    expect(spanNamed(detail.spans, 'consume zone.changed').spanKind).toBe('consumer')
    expect(spanNamed(detail.spans, 'score candidates').spanKind).toBe('unspecified')
    expect(spanNamed(detail.spans, 'score candidates').spanKindCode).toBe(0)
  })

  // The API serves kinds outside the enum as 'unspecified' with the raw code,
  // from which the UI shows "unknown (9)".
  it('keeps out-of-range kind 9', () => {
    const persist = spanNamed(detail.spans, 'persist route')
    expect(persist.spanKindCode).toBe(9)
    expect(persist.spanKind).toBe('unspecified')
  })

  it('maps status codes and messages', () => {
    const post = spanNamed(detail.spans, 'POST /routes')
    const publish = spanNamed(detail.spans, 'publish route.updated')
    expect(post.status).toBe('error')
    expect(post.statusMessage).toBe('route table locked')
    expect(publish.status).toBe('error')
    expect(publish.statusMessage).toBe('broker unavailable')
    expect(spanNamed(detail.spans, 'GET geo-service /zones').status).toBe('ok')
    expect(spanNamed(detail.spans, 'score candidates').status).toBe('unset')
    expect(spanNamed(detail.spans, 'consume zone.changed').status).toBe('unset')
    expect(spanNamed(detail.spans, 'persist route').status).toBe('unset')
  })

  it('counts two errors, root failed', () => {
    expect(detail.trace.errorCount).toBe(2)
    expect(detail.trace.rootName).toBe('POST /routes')
    expect(detail.trace.status).toBe('error')
  })

  it('serves the tree with kinds', async () => {
    const tree = await getTree(loupe, TRACE)
    expect(tree?.spans).toHaveLength(6)
    const persist = spanNamed(tree!.spans, 'persist route')
    expect(persist.spanKindCode).toBe(9)
    expect(spanNamed(tree!.spans, 'POST /routes').status).toBe('error')
  })
})

describe('c03 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
