// The span tree's rows, read as arrays, turned into the API's TreeSpan.

import { describe, expect, it } from 'vitest'
import { treeRowPosition, treeSpan, type TreeRow } from '../../../src/core/store/tree-rows'

const TRACE_START = 1_775_000_000_000_000_000n
const NOW = TRACE_START + 9_000_000_000n

function row(overrides: Partial<Record<number, unknown>> = {}): TreeRow {
  const values: unknown[] = [
    7n, // id
    'aaaaaaaaaaaaaaaa', // span_id
    'bbbbbbbbbbbbbbbb', // parent_span_id
    'chat gpt-4o', // name
    3n, // kind: client
    TRACE_START + 1_500_000n, // start_ns
    TRACE_START + 4_000_000n, // end_ns
    2n, // status_code: error
    0n, // pending
    'agent', // service_name
    2n, // event count
    null, // pending parent id
    'model', // span_genai kind
    'chat gpt-4o (support)', // title
    'gpt-4o', // model
    null, // tool name
    120n, // input tokens
    30n, // output tokens
    0.0015, // cost in USD
    'upstream_unavailable', // error class
    1n, // retried
    9n, // level
    'span', // span type
    null, // tool call id
  ]
  for (const [index, value] of Object.entries(overrides)) values[Number(index)] = value
  return values as TreeRow
}

describe('treeSpan', () => {
  it('maps a normalized span', () => {
    expect(treeSpan(row(), TRACE_START, NOW)).toEqual({
      spanId: 'aaaaaaaaaaaaaaaa',
      parentSpanId: 'bbbbbbbbbbbbbbbb',
      name: 'chat gpt-4o',
      spanKind: 'client',
      spanKindCode: 3,
      startOffsetMs: 1.5,
      durationMs: 2.5,
      zeroTime: false,
      status: 'error',
      serviceName: 'agent',
      inProgress: false,
      eventCount: 2,
      kind: 'model',
      title: 'chat gpt-4o (support)',
      model: 'gpt-4o',
      toolName: null,
      inputTokens: 120,
      outputTokens: 30,
      costUsd: 0.0015,
      errorClass: 'upstream_unavailable',
      retried: true,
      level: 9,
      spanType: 'span',
      toolCallId: null,
    })
  })

  it('gives neutral GenAI values before normalization', () => {
    const genaiColumns = Object.fromEntries(
      Array.from({ length: 12 }, (_, offset) => [12 + offset, null]),
    )
    const span = treeSpan(row(genaiColumns), TRACE_START, NOW)
    expect(span.kind).toBe('other')
    expect(span.title).toBe('chat gpt-4o')
    expect(span.errorClass).toBe('none')
    expect(span.retried).toBe(false)
    expect(span.inputTokens).toBeNull()
    expect(span.costUsd).toBeNull()
    expect(span.level).toBeNull()
  })

  it('draws a pending span under its real id until now', () => {
    const span = treeSpan(row({ 8: 1n, 11: 'cccccccccccccccc' }), TRACE_START, NOW)
    expect(span.spanId).toBe('bbbbbbbbbbbbbbbb')
    expect(span.parentSpanId).toBe('cccccccccccccccc')
    expect(span.inProgress).toBe(true)
    expect(span.durationMs).toBe(8998.5)
  })

  it('gives a pending root span no parent', () => {
    const span = treeSpan(row({ 8: 1n, 11: '' }), TRACE_START, NOW)
    expect(span.parentSpanId).toBeNull()
  })

  it('marks a zero start or end time', () => {
    expect(treeSpan(row({ 6: 0n }), TRACE_START, NOW).zeroTime).toBe(true)
    expect(treeSpan(row({ 5: 0n }), TRACE_START, NOW).zeroTime).toBe(true)
  })
})

describe('treeRowPosition', () => {
  it('returns the row id and start', () => {
    expect(treeRowPosition(row())).toEqual({ rowId: 7n, startNs: TRACE_START + 1_500_000n })
  })
})
