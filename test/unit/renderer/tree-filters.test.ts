import { describe, expect, it } from 'vitest'
import type { TreeSpan } from '../../../src/shared/api'
import {
  buildTree,
  flattenVisible,
  keysBelowLevel,
  sumSubtree,
} from '../../../src/renderer/src/tree/build-tree'

function span(spanId: string, parentSpanId: string | null, overrides: Partial<TreeSpan> = {}) {
  const result: TreeSpan = {
    spanId,
    parentSpanId,
    name: spanId,
    spanKind: 'internal',
    spanKindCode: 1,
    startOffsetMs: 0,
    durationMs: 1,
    zeroTime: false,
    status: 'unset',
    serviceName: 'svc',
    inProgress: false,
    eventCount: 0,
    kind: 'other',
    title: spanId,
    model: null,
    toolName: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    errorClass: 'none',
    retried: false,
    level: null,
    spanType: null,
    toolCallId: null,
    ...overrides,
  }
  return result
}

describe('level filter', () => {
  const tree = buildTree([
    span('root', null),
    span('debug', 'root', { level: 5, startOffsetMs: 1 }),
    span('info', 'root', { level: 9, startOffsetMs: 2 }),
    span('trace-parent', 'root', { level: 1, startOffsetMs: 3 }),
    span('child', 'trace-parent', { startOffsetMs: 4 }),
  ])

  it('finds spans below the level', () => {
    expect([...keysBelowLevel(tree, 9)].sort()).toEqual(['debug', 'trace-parent'])
  })

  it('never hides spans without a level', () => {
    expect(keysBelowLevel(tree, 21).has('root')).toBe(false)
  })

  it('hides a span with its subtree', () => {
    const rows = flattenVisible(tree, new Set(), undefined, keysBelowLevel(tree, 9))
    expect(rows.map((row) => row.node.key)).toEqual(['root', 'info'])
  })

  it('shows all without hidden keys', () => {
    expect(flattenVisible(tree, new Set())).toHaveLength(5)
  })
})

describe('sumSubtree', () => {
  const tree = buildTree([
    span('agent', null, { kind: 'agent' }),
    span('m1', 'agent', { kind: 'model', inputTokens: 800, outputTokens: 40, costUsd: 0.002 }),
    span('t1', 'agent', { kind: 'tool', retried: true, status: 'error' }),
    span('t2', 'agent', { kind: 'tool' }),
    span('sub', 'agent', { kind: 'agent' }),
    span('m2', 'sub', { kind: 'model', inputTokens: 100, outputTokens: 10, costUsd: null }),
  ])

  it('adds calls, tokens and cost below the span', () => {
    const totals = sumSubtree(tree.byKey.get('agent')!)
    expect(totals.modelCalls).toBe(2)
    expect(totals.toolCalls).toBe(2)
    expect(totals.retriedToolCalls).toBe(1)
    expect(totals.inputTokens).toBe(900)
    expect(totals.outputTokens).toBe(50)
    expect(totals.costUsd).toBeCloseTo(0.002)
    expect(totals.unpricedCalls).toBe(1)
  })

  it('returns null cost when nothing was priced', () => {
    const totals = sumSubtree(tree.byKey.get('sub')!)
    expect(totals.costUsd).toBeNull()
    expect(totals.unpricedCalls).toBe(1)
  })
})
