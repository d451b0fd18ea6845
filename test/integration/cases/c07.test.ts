// Case c07: compressed request bodies. The requests send gzip JSON, gzip
// protobuf with the header value in upper case, and a JSON document split over
// two concatenated gzip members. Then come zlib-wrapped deflate, a body that
// claims gzip but is plain JSON, a gzip stream cut short, and identity.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreStatus, TraceDetail } from '../../../src/shared/api'
import {
  apiGet,
  asHttp,
  getTree,
  listTraces,
  loadCase,
  partialSuccessOf,
  rpcStatusOf,
  sendCaseRequest,
  sendEmptyExport,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE_A = '07a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4'
const TRACE_B = '07b1b1b1c2c2c2c2d3d3d3d3e4e4e4e4'
const TRACE_C = '07c1c1c1d2d2d2d2e3e3e3e3f4f4f4f4'
const TRACE_D = '07d1d1d1e2e2e2e2f3f3f3f3a4a4a4a4'
const TRACE_E = '07e1e1e1f2f2f2f2a3a3a3a3b4b4b4b4'
const TRACE_F = '07f1f1f1a2a2a2a2b3b3b3b3c4c4c4c4'

interface StoreCounts {
  traceCount: number
  spanCount: number
}

let loupe: TestCore
/** One response per request, in the order of the case. */
const responses: HttpCaseResponse[] = []
/** Trace and span counts from /api/status, taken right after each request. */
const countsAfter: StoreCounts[] = []

async function storeCounts(): Promise<StoreCounts> {
  const { body } = await apiGet<CoreStatus>(loupe, '/api/status')
  return { traceCount: body.traceCount, spanCount: body.spanCount }
}

beforeAll(async () => {
  loupe = await startTestCore()
  for (const request of loadCase('c07').requests) {
    responses.push(asHttp(await sendCaseRequest(loupe, request)))
    countsAfter.push(await storeCounts())
  }
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function onlySpan(detail: TraceDetail) {
  expect(detail.spans).toHaveLength(1)
  return detail.spans[0]!
}

describe('c07 gzip JSON body', () => {
  it('inflates and accepts with 200', () => {
    expect(responses[0]!.status).toBe(200)
    expect(responses[0]!.contentType).toBe('application/json')
    expect(partialSuccessOf(responses[0]!)).toBeNull()
  })

  it('stores span route parcels', async () => {
    const detail = await showTrace(loupe, TRACE_A)
    const span = onlySpan(detail)
    expect(span.name).toBe('route parcels')
    expect(span.durationMs).toBe(300)
    expect(span.attributes['courier.encoding.case']).toBe('gzip json')
  })
})

describe('c07 gzip protobuf, GZIP header', () => {
  // Content-coding names are case-insensitive (RFC 9110).
  it('accepts with protobuf 200', () => {
    expect(responses[1]!.status).toBe(200)
    expect(responses[1]!.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(responses[1]!)).toBeNull()
  })

  it('stores span price quotes', async () => {
    const span = onlySpan(await showTrace(loupe, TRACE_B))
    expect(span.name).toBe('price quotes')
    expect(span.durationMs).toBe(250)
  })
})

describe('c07 two gzip members', () => {
  it('accepts the whole document', () => {
    expect(responses[2]!.status).toBe(200)
    expect(responses[2]!.contentType).toBe('application/json')
    expect(partialSuccessOf(responses[2]!)).toBeNull()
  })

  it('stores all three spans', async () => {
    const detail = await showTrace(loupe, TRACE_C)
    expect(detail.spans).toHaveLength(3)
    const root = spanNamed(detail.spans, 'nightly rebalance')
    expect(root.parentSpanId).toBeNull()
    expect(spanNamed(detail.spans, 'move stock north').parentSpanId).toBe(root.spanId)
    expect(spanNamed(detail.spans, 'move stock south').parentSpanId).toBe(root.spanId)
  })
})

describe('c07 deflate protobuf body', () => {
  // The case allows 415 naming the encoding. Loupe chose to inflate deflate,
  // which the Python exporter sends when its compression is set to deflate.
  it('inflates and accepts with 200', () => {
    expect(responses[3]!.status).toBe(200)
    expect(responses[3]!.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(responses[3]!)).toBeNull()
  })

  it('stores span compact archive', async () => {
    const span = onlySpan(await showTrace(loupe, TRACE_D))
    expect(span.name).toBe('compact archive')
    expect(span.attributes['courier.encoding.case']).toBe('deflate protobuf')
  })
})

describe('c07 plain JSON labelled gzip', () => {
  it('rejects with 400 naming gzip', () => {
    const response = responses[4]!
    expect(response.status).toBe(400)
    expect(response.contentType).toBe('application/json')
    const status = rpcStatusOf(response)
    expect(status.code).toBe(3)
    expect(status.message).toMatch(/gzip/)
    expect(status.message).toMatch(/Content-Encoding/)
  })

  it('stores nothing from it', async () => {
    expect(await getTree(loupe, TRACE_E)).toBeNull()
    expect(countsAfter[4]).toEqual(countsAfter[3])
  })
})

describe('c07 truncated gzip stream', () => {
  it('rejects with 400, no hang', () => {
    const response = responses[5]!
    expect(response.status).toBe(400)
    expect(response.elapsedMs).toBeLessThan(5_000)
    expect(rpcStatusOf(response).message).toMatch(/gzip/)
  })

  it('stores nothing from it', () => {
    expect(countsAfter[5]).toEqual(countsAfter[4])
  })
})

describe('c07 identity encoding', () => {
  it('accepts with 200', () => {
    expect(responses[6]!.status).toBe(200)
    expect(responses[6]!.contentType).toBe('application/json')
  })

  it('stores span identity encoded', async () => {
    const span = onlySpan(await showTrace(loupe, TRACE_F))
    expect(span.name).toBe('identity encoded')
    expect(span.durationMs).toBe(120)
  })
})

describe('c07 store afterwards', () => {
  it('holds five traces, seven spans', async () => {
    const traces = await listTraces(loupe)
    expect(traces.map((t) => t.traceId).sort()).toEqual([
      TRACE_A,
      TRACE_B,
      TRACE_C,
      TRACE_D,
      TRACE_F,
    ])
    expect(traces.reduce((sum, t) => sum + t.spanCount, 0)).toBe(7)
    expect(await storeCounts()).toEqual({ traceCount: 5, spanCount: 7 })
  })

  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
