// Case c41: a batch where 3 of 5 spans have invalid ids (an all-zero trace id,
// a 6-byte span id and an empty span id). The request decodes, so the OTLP
// response is a partial success that names the rejected spans, not a 400.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreStatus, TraceDetail, TraceSummary } from '../../../src/shared/api'
import {
  apiGet,
  asHttp,
  getTree,
  listTraces,
  partialSuccessOf,
  sendCase,
  sendEmptyExport,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE = '41a0a0a0b1b1b1b1c2c2c2c2d3d3d3d3'
const ZERO_TRACE = '00000000000000000000000000000000'
const REJECTED_NAMES = ['all-zero trace id', 'six-byte span id', 'empty span id']

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail
let traces: TraceSummary[]

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c41'))[0])
  detail = await showTrace(loupe, TRACE)
  traces = await listTraces(loupe)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c41 response to invalid ids', () => {
  it('answers 200 with partial success', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/json')
    expect(partialSuccessOf(response)).not.toBeNull()
  })

  it('counts three rejected spans', () => {
    expect(partialSuccessOf(response)?.rejectedSpans).toBe(3)
  })

  it('names the invalid id fields', () => {
    const message = partialSuccessOf(response)?.errorMessage ?? ''
    expect(message).toMatch(/trace_id is all zeros/)
    expect(message).toMatch(/span_id has 6 bytes, expected 8/)
    expect(message).toMatch(/span_id is empty/)
    for (const name of REJECTED_NAMES) expect(message).toContain(name)
  })
})

describe('c41 stored spans', () => {
  it('keeps the two valid spans', () => {
    expect(detail.spans).toHaveLength(2)
    expect(detail.trace.spanCount).toBe(2)
    const root = spanNamed(detail.spans, 'valid root')
    expect(root.parentSpanId).toBeNull()
    expect(spanNamed(detail.spans, 'valid child').parentSpanId).toBe(root.spanId)
  })

  it('stores no rejected span anywhere', async () => {
    expect(traces.map((t) => t.traceId)).toEqual([TRACE])
    const names: string[] = []
    for (const trace of traces) {
      names.push(...(await showTrace(loupe, trace.traceId)).spans.map((s) => s.name))
    }
    for (const name of REJECTED_NAMES) expect(names).not.toContain(name)
  })

  it('creates no all-zero trace', async () => {
    expect(await getTree(loupe, ZERO_TRACE)).toBeNull()
  })
})

describe('c41 ingest status', () => {
  it('records three rejected spans', async () => {
    const { body } = await apiGet<CoreStatus>(loupe, '/api/status')
    const problems = body.ingestProblems.filter((p) => p.rejected > 0)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.rejected).toBe(3)
    expect(problems[0]!.signal).toBe('traces')
    expect(problems[0]!.transport).toBe('http')
    expect(problems[0]!.message).toMatch(/trace_id is all zeros/)
  })

  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
