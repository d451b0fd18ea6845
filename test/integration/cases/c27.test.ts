// Case c27: invalid UTF-8 in string fields, first in protobuf strings, then in
// raw OTLP/JSON text: an 'é' cut after its first byte, a '€' cut after two of
// its three bytes, and Latin-1 'é' bytes in a span name. One bad span must not
// sink the batch.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../../src/shared/api'
import {
  apiGet,
  asHttp,
  getTree,
  loadCase,
  partialSuccessOf,
  sendCase,
  sendCaseRequest,
  sendEmptyExport,
  showTrace,
  spanNamed,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE = '27a0a0a0b1b1b1b1c2c2c2c2d3d3d3d3'
const REPLACEMENT = '\uFFFD'
const RESUME_NAME = `r${REPLACEMENT}sum${REPLACEMENT} upload`

// The case also allows rejecting the two spans with invalid strings through
// partial_success. Loupe chose to keep them and replace each invalid
// sequence with one U+FFFD, as WHATWG UTF-8 decoding does. The case tolerates
// two for the cut '€', but Loupe produces one.
function checkReplacedStrings(spans: SpanJson[]): void {
  const chat = spanNamed(spans, 'chat gpt-4o-mini')
  expect(chat.attributes['llm.prompt.preview']).toBe(`preview: caf${REPLACEMENT}`)
  expect(chat.attributes['cv.salary.note']).toBe(`price 12 ${REPLACEMENT}`)
  expect(spanNamed(spans, RESUME_NAME).spanId).toBe('27a0000000000003')
}

function checkIntactValues(spans: SpanJson[]): void {
  const root = spanNamed(spans, 'screen applications')
  const chat = spanNamed(spans, 'chat gpt-4o-mini')
  expect(root.attributes['cv.batch']).toBe('spring intake')
  expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(700)
  expect(chat.attributes['gen_ai.usage.output_tokens']).toBe(35)
  expect(chat.attributes['gen_ai.operation.name']).toBe('chat')
  expect(chat.attributes['gen_ai.request.model']).toBe('gpt-4o-mini')
  expect(chat.spanKind).toBe('client')
}

function checkTree(spans: SpanJson[]): void {
  expect(spans).toHaveLength(3)
  const root = spanNamed(spans, 'screen applications')
  expect(root.parentSpanId).toBeNull()
  expect(spanNamed(spans, 'chat gpt-4o-mini').parentSpanId).toBe(root.spanId)
  expect(spanNamed(spans, RESUME_NAME).parentSpanId).toBe(root.spanId)
}

describe('c27 protobuf then JSON', () => {
  let loupe: TestCore
  let responses: HttpCaseResponse[]
  let detail: TraceDetail

  beforeAll(async () => {
    loupe = await startTestCore()
    responses = (await sendCase(loupe, 'c27')).map(asHttp)
    detail = await showTrace(loupe, TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('accepts protobuf with 200', () => {
    expect(responses[0]!.status).toBe(200)
    expect(responses[0]!.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(responses[0]!)).toBeNull()
  })

  it('accepts JSON with 200', () => {
    expect(responses[1]!.status).toBe(200)
    expect(responses[1]!.contentType).toBe('application/json')
    expect(partialSuccessOf(responses[1]!)).toBeNull()
  })

  it('stores the three-span tree', () => {
    checkTree(detail.spans)
  })

  it('replaces invalid sequences with U+FFFD', () => {
    checkReplacedStrings(detail.spans)
  })

  it('keeps the other values intact', () => {
    checkIntactValues(detail.spans)
  })

  it('stores the re-sent spans once', () => {
    expect(detail.trace.spanCount).toBe(3)
    expect(new Set(detail.spans.map((s) => s.spanId)).size).toBe(3)
  })

  it('serves tree and export', async () => {
    const tree = await getTree(loupe, TRACE)
    expect(tree?.spans.map((s) => s.name)).toContain(RESUME_NAME)
    const exported = await apiGet<unknown>(loupe, `/api/traces/${TRACE}/export`)
    expect(exported.status).toBe(200)
    expect(JSON.stringify(exported.body)).toContain(RESUME_NAME)
  })

  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})

// The JSON request re-sends the span ids of the protobuf one, so the store
// above keeps the values decoded from protobuf. A core that receives only the
// JSON request shows how the JSON decoder handles the same bytes.
describe('c27 JSON text alone', () => {
  let loupe: TestCore
  let response: HttpCaseResponse
  let detail: TraceDetail

  beforeAll(async () => {
    loupe = await startTestCore()
    response = asHttp(await sendCaseRequest(loupe, loadCase('c27').requests[1]!))
    detail = await showTrace(loupe, TRACE)
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('accepts with 200', () => {
    expect(response.status).toBe(200)
    expect(partialSuccessOf(response)).toBeNull()
  })

  it('stores the three-span tree', () => {
    checkTree(detail.spans)
  })

  it('replaces invalid sequences with U+FFFD', () => {
    checkReplacedStrings(detail.spans)
  })

  it('keeps the other values intact', () => {
    checkIntactValues(detail.spans)
  })
})
