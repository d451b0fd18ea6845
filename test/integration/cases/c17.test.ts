// Case c17: an agent run whose four children arrive 1.5 s before its root, in
// a batch whose first span comes from another service. The state after batch
// 1 is read before batch 2 is sent. This file checks receiving, storing and
// the tree. The run numbers and error class belong to GenAI normalization.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail, TraceSummary, TraceTree } from '../../../src/shared/api'
import {
  asHttp,
  expectSpansStoredAsSent,
  getTree,
  listTraces,
  loadCase,
  partialSuccessOf,
  readSentSpans,
  sendCaseRequest,
  sendEmptyExport,
  showTrace,
  spansById,
  type HttpCaseResponse,
} from '../../helpers/cases'
import { removeDir, startTestCore, type TestCore } from '../../helpers/core'

const TRACE = '17a7e9a7e9a7e9a7e9a7e9a7e9a7e9a7'
const ROOT = '17a0000000000001'
const FIRST_CHAT = '17b0000000000001'
const FAILED_CHAT = '17b0000000000002'
const TOOL = '17c0000000000002'
const HTTP_SERVER = '17c0000000000003'

/** What a user can read about the trace at one moment. */
interface Snapshot {
  response: HttpCaseResponse
  listed: TraceSummary | undefined
  detail: TraceDetail
  tree: TraceTree | null
}

let loupe: TestCore

async function sendAndRead(index: number): Promise<Snapshot> {
  const response = asHttp(await sendCaseRequest(loupe, loadCase('c17').requests[index]!))
  return {
    response,
    listed: (await listTraces(loupe)).find((t) => t.traceId === TRACE),
    detail: await showTrace(loupe, TRACE),
    tree: await getTree(loupe, TRACE),
  }
}

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c17 after batch 1', () => {
  let after1: Snapshot

  beforeAll(async () => {
    after1 = await sendAndRead(0)
  })

  it('accepts the children with 200', () => {
    expect(after1.response.status).toBe(200)
    expect(after1.response.contentType).toBe('application/json')
    expect(partialSuccessOf(after1.response)).toBeNull()
  })

  it('lists the trace before its root', () => {
    expect(after1.listed).toBeDefined()
    expect(after1.listed?.spanCount).toBe(4)
    expect(after1.tree?.spans).toHaveLength(4)
  })

  it('stores the four children', () => {
    const spans = spansById(after1.detail.spans)
    expect([...spans.keys()].sort()).toEqual([FIRST_CHAT, FAILED_CHAT, TOOL, HTTP_SERVER].sort())
    expect(spans.get(FIRST_CHAT)!.name).toBe('chat claude-sonnet-4-5')
    expect(spans.get(TOOL)!.name).toBe('execute_tool lookup_order')
    expect(spans.get(HTTP_SERVER)!.name).toBe('GET /orders/{id}')
    expect(spans.get(HTTP_SERVER)!.parentSpanId).toBe(TOOL)
    expect(spans.get(HTTP_SERVER)!.serviceName).toBe('order-tools')
  })

  // The case calls the first chat "OK" because it did not fail. It was sent
  // without a status, so Loupe serves 'unset'.
  it('shows the failed chat as error', () => {
    const spans = spansById(after1.detail.spans)
    expect(spans.get(FIRST_CHAT)!.status).toBe('unset')
    expect(spans.get(FAILED_CHAT)!.name).toBe('chat claude-sonnet-4-5')
    expect(spans.get(FAILED_CHAT)!.status).toBe('error')
    expect(spans.get(FAILED_CHAT)!.statusMessage).toMatch(/^ModelHTTPError: status_code: 503/)
    expect(after1.detail.trace.errorCount).toBe(1)
  })

  it('keeps the missing parent id', () => {
    const spans = spansById(after1.detail.spans)
    for (const id of [FIRST_CHAT, FAILED_CHAT, TOOL]) {
      expect(spans.get(id)!.parentSpanId, id).toBe(ROOT)
    }
    expect(spans.has(ROOT)).toBe(false)
  })

  it('marks the trace incomplete', () => {
    expect(after1.detail.trace.complete).toBe(false)
    expect(after1.detail.trace.rootSpanId).toBeNull()
    expect(after1.listed?.complete).toBe(false)
    expect(after1.tree?.trace.complete).toBe(false)
  })
})

describe('c17 after batch 2', () => {
  let after2: Snapshot

  beforeAll(async () => {
    // sendCaseRequest waits the 1.5 s delayMsBefore of this request.
    after2 = await sendAndRead(1)
  })

  it('accepts the root with 200', () => {
    expect(after2.response.status).toBe(200)
    expect(partialSuccessOf(after2.response)).toBeNull()
  })

  it('holds five spans under one root', () => {
    const spans = spansById(after2.detail.spans)
    expect(after2.detail.spans).toHaveLength(5)
    expect(after2.detail.trace.spanCount).toBe(5)
    expect(after2.detail.spans.filter((s) => s.parentSpanId === null).map((s) => s.spanId)).toEqual(
      [ROOT],
    )
    expect(spans.get(ROOT)!.name).toBe('invoke_agent support_agent')
    for (const id of [FIRST_CHAT, FAILED_CHAT, TOOL]) {
      expect(spans.get(id)!.parentSpanId, id).toBe(ROOT)
    }
    expect(spans.get(HTTP_SERVER)!.parentSpanId).toBe(TOOL)
  })

  it('marks the trace complete', () => {
    expect(after2.detail.trace.complete).toBe(true)
    expect(after2.detail.trace.rootSpanId).toBe(ROOT)
    expect(after2.tree?.spans).toHaveLength(5)
  })

  it('takes trace fields from the root', () => {
    const listed = after2.listed!
    expect(listed.rootName).toBe('invoke_agent support_agent')
    expect(listed.serviceName).toBe('support-agent')
    expect(listed.startTimeUnixNano).toBe('1772420400000000000')
    expect(listed.startTime).toBe('2026-03-02T03:00:00.000Z')
    expect(listed.durationMs).toBe(8750)
    expect(listed.status).toBe('error')
    const root = spansById(after2.detail.spans).get(ROOT)!
    expect(root.resource.attributes['deployment.environment.name']).toBe('staging')
  })

  it('counts both failed spans', () => {
    expect(after2.detail.trace.errorCount).toBe(2)
    expect(spansById(after2.detail.spans).get(ROOT)!.status).toBe('error')
  })

  it('stores both batches as sent', () => {
    const sent = [
      ...readSentSpans('c17-batch1-children.json'),
      ...readSentSpans('c17-batch2-root.json'),
    ]
    expectSpansStoredAsSent(after2.detail.spans, sent)
  })

  it('keeps the tool call attributes', () => {
    const tool = spansById(after2.detail.spans).get(TOOL)!
    expect(tool.attributes['gen_ai.tool.name']).toBe('lookup_order')
    expect(JSON.parse(tool.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({
      order_id: '5521',
    })
  })
})

describe('c17 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
