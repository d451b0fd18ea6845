// Case c22: span links between siblings, between two traces in both
// directions, and to a trace Loupe never received. Links are stored with
// their attributes and dropped counts, and never change parentage.

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

const BATCH_TRACE = '22a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0'
const REPORT_TRACE = '22b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0'
const UNKNOWN_TRACE = '22ffffffffffffffffffffffffffff22'

let loupe: TestCore
let response: HttpCaseResponse
let batch: TraceDetail
let report: TraceDetail

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c22'))[0])
  batch = await showTrace(loupe, BATCH_TRACE)
  report = await showTrace(loupe, REPORT_TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c22 links request', () => {
  it('accepts with 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/json')
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores the batch trace', () => {
    expect(batch.spans).toHaveLength(3)
    const handle = spanNamed(batch.spans, 'handle batch')
    expect(handle.parentSpanId).toBeNull()
    expect(spanNamed(batch.spans, 'process message 1').parentSpanId).toBe(handle.spanId)
    expect(spanNamed(batch.spans, 'process message 2').parentSpanId).toBe(handle.spanId)
    expect(batch.trace.rootName).toBe('handle batch')
    expect(batch.trace.serviceName).toBe('inbox-worker')
  })

  it('stores the report trace', () => {
    expect(report.spans).toHaveLength(2)
    const aggregate = spanNamed(report.spans, 'aggregate report')
    expect(aggregate.parentSpanId).toBeNull()
    expect(spanNamed(report.spans, 'render pdf').parentSpanId).toBe(aggregate.spanId)
    expect(report.trace.rootName).toBe('aggregate report')
    expect(report.trace.serviceName).toBe('report-builder')
  })
})

describe('c22 parentage ignores links', () => {
  it('keeps one root per trace', () => {
    expect(batch.spans.filter((s) => s.parentSpanId === null)).toHaveLength(1)
    expect(report.spans.filter((s) => s.parentSpanId === null)).toHaveLength(1)
    expect(batch.trace.complete).toBe(true)
    expect(report.trace.complete).toBe(true)
  })

  it('keeps durations of both traces', () => {
    expect(batch.trace.durationMs).toBe(1000)
    expect(report.trace.durationMs).toBe(600)
  })

  it('serves both trees in full', async () => {
    const batchTree = await getTree(loupe, BATCH_TRACE)
    const reportTree = await getTree(loupe, REPORT_TRACE)
    expect(batchTree?.spans).toHaveLength(3)
    expect(reportTree?.spans).toHaveLength(2)
    const message2 = spanNamed(batchTree!.spans, 'process message 2')
    expect(message2.parentSpanId).toBe('22a0000000000001')
  })
})

describe('c22 stored links', () => {
  it('links message 1 to message 2', () => {
    const links = spanNamed(batch.spans, 'process message 1').links
    expect(links).toHaveLength(1)
    expect(links[0]!.traceId).toBe(BATCH_TRACE)
    expect(links[0]!.spanId).toBe('22a0000000000003')
    expect(links[0]!.traceState).toBe('vendor=abc')
    expect(links[0]!.attributes).toEqual({ 'messaging.message.id': 'msg-0002' })
  })

  it('links message 2 back', () => {
    const links = spanNamed(batch.spans, 'process message 2').links
    expect(links).toHaveLength(1)
    expect(links[0]!.traceId).toBe(BATCH_TRACE)
    expect(links[0]!.spanId).toBe('22a0000000000002')
    expect(links[0]!.attributes).toEqual({})
  })

  it('links handle batch to report', () => {
    const handle = spanNamed(batch.spans, 'handle batch')
    expect(handle.links).toHaveLength(1)
    expect(handle.links[0]!.traceId).toBe(REPORT_TRACE)
    expect(handle.links[0]!.spanId).toBe('22b0000000000001')
    expect(handle.links[0]!.attributes).toEqual({
      'link.reason': 'report that consumed this batch',
    })
    expect(handle.droppedLinksCount).toBe(0)
  })

  it('keeps two links, three dropped', () => {
    const aggregate = spanNamed(report.spans, 'aggregate report')
    expect(aggregate.links).toHaveLength(2)
    expect(aggregate.droppedLinksCount).toBe(3)
    expect(aggregate.links[0]!.traceId).toBe(BATCH_TRACE)
    expect(aggregate.links[0]!.spanId).toBe('22a0000000000001')
    expect(aggregate.links[0]!.attributes).toEqual({ 'link.reason': 'input batch' })
    expect(aggregate.links[1]!.traceId).toBe(UNKNOWN_TRACE)
    expect(aggregate.links[1]!.spanId).toBe('22ff000000000001')
    expect(aggregate.links[1]!.attributes).toEqual({
      'link.reason': 'batch that was never exported',
    })
  })

  // A cross-trace link resolves through the same lookup by id as any trace.
  it('resolves cross-trace link targets', async () => {
    const handle = spanNamed(batch.spans, 'handle batch')
    const aggregate = spanNamed(report.spans, 'aggregate report')
    const forward = await getTree(loupe, aggregate.links[0]!.traceId)
    expect(forward?.spans.map((s) => s.spanId)).toContain(aggregate.links[0]!.spanId)
    const back = await getTree(loupe, handle.links[0]!.traceId)
    expect(back?.spans.map((s) => s.spanId)).toContain(handle.links[0]!.spanId)
  })

  it('finds no trace for unknown target', async () => {
    expect(await getTree(loupe, UNKNOWN_TRACE)).toBeNull()
  })
})

describe('c22 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
