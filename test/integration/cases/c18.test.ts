// Case c18: spans whose parent chain loops back on itself: a span that names
// itself as its parent, a two-span cycle with no root, and a detached
// three-span cycle beside a healthy root. Cycles are a display problem, so
// the store keeps every span with the parent it was sent with, and the API
// must still serve each trace promptly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail, TraceTree } from '../../../src/shared/api'
import {
  apiGet,
  asHttp,
  listTraces,
  partialSuccessOf,
  sendCase,
  sendEmptyExport,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const SELF_TRACE = '18a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0'
const PING_PONG_TRACE = '18b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0'
const HEALTHY_TRACE = '18c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0'
/** The case expects each trace page to open within 2 s, and the API response is part of that time. */
const MAX_RESPONSE_MS = 2_000

let loupe: TestCore
let response: HttpCaseResponse
const details = new Map<string, TraceDetail>()

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c18'))[0])
  for (const id of [SELF_TRACE, PING_PONG_TRACE, HEALTHY_TRACE]) {
    details.set(id, await showTrace(loupe, id))
  }
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

/** GETs an API view of a trace and measures how long the core took to respond. */
async function timedGet<T>(path: string): Promise<{ status: number; body: T; elapsedMs: number }> {
  const started = performance.now()
  const { status, body } = await apiGet<T>(loupe, path)
  return { status, body, elapsedMs: performance.now() - started }
}

describe('c18 parent cycles request', () => {
  it('accepts with 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/json')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores all ten spans', async () => {
    const traces = await listTraces(loupe)
    expect(traces.map((t) => t.traceId).sort()).toEqual([
      SELF_TRACE,
      PING_PONG_TRACE,
      HEALTHY_TRACE,
    ])
    expect(traces.reduce((sum, t) => sum + t.spanCount, 0)).toBe(10)
    const stored = [...details.values()].reduce((sum, d) => sum + d.spans.length, 0)
    expect(stored).toBe(10)
  })
})

describe('c18 self-parented span', () => {
  it('stores both spans as sent', () => {
    const detail = details.get(SELF_TRACE)!
    expect(detail.spans).toHaveLength(2)
    const job = spanNamed(detail.spans, 'self-parented job')
    const child = spanNamed(detail.spans, 'child of self-parented job')
    expect(job.spanId).toBe('18a0000000000001')
    expect(job.parentSpanId).toBe('18a0000000000001')
    expect(child.parentSpanId).toBe(job.spanId)
  })

  // Every span has a parent id, so the trace has no root, and the trace list
  // names it after its earliest span.
  it('names the trace after the job', () => {
    const trace = details.get(SELF_TRACE)!.trace
    expect(trace.rootName).toBe('self-parented job')
    expect(trace.rootSpanId).toBeNull()
    expect(trace.spanCount).toBe(2)
    expect(trace.durationMs).toBe(400)
  })
})

describe('c18 two-span cycle', () => {
  it('stores all three spans', () => {
    const detail = details.get(PING_PONG_TRACE)!
    expect(detail.spans).toHaveLength(3)
    const ping = spanNamed(detail.spans, 'ping')
    const pong = spanNamed(detail.spans, 'pong')
    const volley = spanNamed(detail.spans, 'volley')
    expect(ping.parentSpanId).toBe(pong.spanId)
    expect(pong.parentSpanId).toBe(ping.spanId)
    expect(volley.parentSpanId).toBe(ping.spanId)
  })

  it('summarizes count and duration', () => {
    const trace = details.get(PING_PONG_TRACE)!.trace
    expect(trace.spanCount).toBe(3)
    expect(trace.durationMs).toBe(300)
    expect(trace.startTimeUnixNano).toBe('1772424001000000000')
    expect(trace.endTimeUnixNano).toBe('1772424001300000000')
    expect(trace.rootSpanId).toBeNull()
    expect(trace.rootName).toBe('ping')
  })
})

describe('c18 detached three-span cycle', () => {
  it('keeps the healthy root and child', () => {
    const detail = details.get(HEALTHY_TRACE)!
    const root = spanNamed(detail.spans, 'healthy root')
    expect(root.parentSpanId).toBeNull()
    expect(spanNamed(detail.spans, 'healthy child').parentSpanId).toBe(root.spanId)
    expect(detail.trace.rootName).toBe('healthy root')
    expect(detail.trace.rootSpanId).toBe(root.spanId)
    expect(detail.trace.complete).toBe(true)
  })

  it('stores the cycle in the trace', () => {
    const detail = details.get(HEALTHY_TRACE)!
    const rock = spanNamed(detail.spans, 'rock')
    const paper = spanNamed(detail.spans, 'paper')
    const scissors = spanNamed(detail.spans, 'scissors')
    expect(rock.parentSpanId).toBe(scissors.spanId)
    expect(scissors.parentSpanId).toBe(paper.spanId)
    expect(paper.parentSpanId).toBe(rock.spanId)
    expect(detail.trace.spanCount).toBe(5)
  })
})

describe.each([
  ['self-parented', SELF_TRACE, 2],
  ['two-span cycle', PING_PONG_TRACE, 3],
  ['three-span cycle', HEALTHY_TRACE, 5],
])('c18 API on %s trace', (_label, traceId, spanCount) => {
  it('serves the tree promptly', async () => {
    const tree = await timedGet<TraceTree>(`/api/traces/${traceId}/tree`)
    expect(tree.status).toBe(200)
    expect(tree.elapsedMs).toBeLessThan(MAX_RESPONSE_MS)
    expect(tree.body.spans).toHaveLength(spanCount)
    expect(tree.body.trace.spanCount).toBe(spanCount)
  })

  it('serves the full trace promptly', async () => {
    const full = await timedGet<TraceDetail>(`/api/traces/${traceId}/full`)
    expect(full.status).toBe(200)
    expect(full.elapsedMs).toBeLessThan(MAX_RESPONSE_MS)
    expect(full.body.spans).toHaveLength(spanCount)
  })
})

describe('c18 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
