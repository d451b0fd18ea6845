// Case c13: one agent run of 5,000 spans (1 agent span, 834 model calls,
// 4,165 tool calls) in a single 1.27 MB protobuf body, in shuffled order with
// children before their parent. This file checks receiving and storing. The
// run numbers (model calls, tokens, error class) belong to GenAI
// normalization and are not tested here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail, TraceSummary, TraceTree } from '../../../src/shared/api'
import {
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

const TRACE = '13bead5000000000000000000000000a'
const ROOT_NAME = 'invoke_agent research_swarm'
const TOOL_NAMES = ['extract_facts', 'open_page', 'save_note', 'score_source', 'search_web']

let loupe: TestCore
let response: HttpCaseResponse
let detail: TraceDetail
let listed: TraceSummary | undefined
let tree: TraceTree | null

beforeAll(async () => {
  loupe = await startTestCore()
  response = asHttp((await sendCase(loupe, 'c13'))[0])
  detail = await showTrace(loupe, TRACE)
  listed = (await listTraces(loupe)).find((t) => t.traceId === TRACE)
  tree = await getTree(loupe, TRACE)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('c13 5,000-span protobuf body', () => {
  it('accepts with protobuf 200', () => {
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/x-protobuf')
    expect(partialSuccessOf(response)).toBeNull()
  })

  // The case sets this limit for a 2-core machine.
  it('answers within 5 seconds', () => {
    expect(response.elapsedMs).toBeLessThan(5_000)
  })

  it('stores exactly 5,000 spans', () => {
    expect(detail.spans).toHaveLength(5000)
    expect(new Set(detail.spans.map((s) => s.spanId)).size).toBe(5000)
    expect(detail.trace.spanCount).toBe(5000)
  })

  it('stores root, chats and tools', () => {
    const names = detail.spans.map((s) => s.name)
    expect(names.filter((n) => n === ROOT_NAME)).toHaveLength(1)
    expect(names.filter((n) => n === 'chat gpt-4o-mini')).toHaveLength(834)
    expect(names.filter((n) => n.startsWith('execute_tool '))).toHaveLength(4165)
    for (const tool of TOOL_NAMES) {
      expect(
        names.filter((n) => n === `execute_tool ${tool}`),
        tool,
      ).toHaveLength(833)
    }
  })

  it('puts every span under the root', () => {
    const root = spanNamed(detail.spans, ROOT_NAME)
    expect(root.parentSpanId).toBeNull()
    const orphans = detail.spans.filter((s) => s !== root && s.parentSpanId !== root.spanId)
    expect(orphans.map((s) => s.name)).toEqual([])
  })

  it('summarizes the trace from its root', () => {
    expect(detail.trace.rootName).toBe(ROOT_NAME)
    expect(detail.trace.rootSpanId).toBe('1300000000000001')
    expect(detail.trace.serviceName).toBe('research-swarm')
    expect(detail.trace.startTimeUnixNano).toBe('1772406000000000000')
    expect(detail.trace.durationMs).toBe(501_800)
    expect(detail.trace.complete).toBe(true)
    expect(detail.trace.status).toBe('unset')
    expect(detail.trace.errorCount).toBe(0)
  })

  it('lists the trace with 5,000 spans', () => {
    expect(listed?.spanCount).toBe(5000)
    expect(listed?.rootName).toBe(ROOT_NAME)
  })
})

describe('c13 tree of 5,000 spans', () => {
  it('serves every span, not a capped list', () => {
    expect(tree?.trace.spanCount).toBe(5000)
    expect(tree?.spans).toHaveLength(5000)
  })

  it('includes the last span in time', () => {
    const marked = detail.spans.filter((s) => s.attributes['loupe.case.marker'] === 'final summary')
    expect(marked).toHaveLength(1)
    expect(marked[0]!.name).toBe('chat gpt-4o-mini')
    const last = tree!.spans.find((s) => s.spanId === marked[0]!.spanId)
    expect(last).toBeDefined()
    expect(last!.startOffsetMs + last!.durationMs).toBe(501_700)
    const latestEnd = Math.max(
      ...tree!.spans.filter((s) => s.name !== ROOT_NAME).map((s) => s.startOffsetMs + s.durationMs),
    )
    expect(latestEnd).toBe(501_700)
  })

  it('keeps tool arguments as sent', () => {
    const call = detail.spans.filter((s) => s.attributes['gen_ai.tool.call.id'] === 'call_832_4')
    expect(call).toHaveLength(1)
    const args = call[0]!.attributes['gen_ai.tool.call.arguments']
    expect(typeof args).toBe('string')
    expect(JSON.parse(args as string)).toEqual({ step: 832, slot: 4 })
  })
})

describe('c13 receiver afterwards', () => {
  it('still accepts an export', async () => {
    const response = await sendEmptyExport(loupe)
    expect(response.status).toBe(200)
  })
})
