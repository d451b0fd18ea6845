import { describe, expect, it } from 'vitest'
import type { TreeSpan } from '../../../src/shared/api'
import {
  ancestorKeys,
  buildTree,
  collectParentKeys,
  flattenVisible,
  keysWithAncestors,
  listNodesInOrder,
  type SpanNode,
  type SpanTree,
  type TreeNode,
} from '../../../src/renderer/src/tree/build-tree'

function span(spanId: string, parentSpanId: string | null, startOffsetMs = 0, name = spanId) {
  const result: TreeSpan = {
    spanId,
    parentSpanId,
    name,
    spanKind: 'internal',
    spanKindCode: 1,
    startOffsetMs,
    durationMs: 1,
    zeroTime: false,
    status: 'unset',
    serviceName: 'svc',
    inProgress: false,
    eventCount: 0,
    kind: 'other',
    title: name,
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
  }
  return result
}

function spanNode(tree: SpanTree, key: string): SpanNode {
  const node = tree.byKey.get(key)
  if (node?.type !== 'span') throw new Error(`no span node with key ${key}`)
  return node
}

function keysOf(nodes: TreeNode[]): string[] {
  return nodes.map((node) => node.key)
}

describe('buildTree', () => {
  it('nests children under parents sorted by start', () => {
    const tree = buildTree([
      span('c2', 'root', 20),
      span('root', null, 0),
      span('c1', 'root', 10),
      span('g1', 'c1', 11),
    ])
    expect(keysOf(tree.roots)).toEqual(['root'])
    expect(keysOf(spanNode(tree, 'root').children)).toEqual(['c1', 'c2'])
    expect(spanNode(tree, 'g1').depth).toBe(2)
    expect(spanNode(tree, 'root').marks).toEqual([])
    expect(tree.spanCount).toBe(4)
  })

  it('ignores links and uses parentSpanId only', () => {
    // TreeSpan has no links at all; a span without a parent id is a root even
    // if another span's id sorts before it.
    const tree = buildTree([span('a', null, 0), span('b', null, 1)])
    expect(keysOf(tree.roots)).toEqual(['a', 'b'])
  })

  it('treats an all-zero parent id as no parent', () => {
    const tree = buildTree([span('a', '0000000000000000', 0), span('b', '', 1)])
    expect(keysOf(tree.roots)).toEqual(['a', 'b'])
  })

  it('groups spans under one placeholder per missing parent', () => {
    const tree = buildTree([
      span('x1', 'missing-a', 5),
      span('x2', 'missing-a', 3),
      span('y1', 'missing-b', 1),
      span('root', null, 0),
    ])
    expect(keysOf(tree.roots)).toEqual(['root', 'missing:missing-b', 'missing:missing-a'])
    const placeholder = tree.byKey.get('missing:missing-a')
    if (placeholder?.type !== 'missing-parent') throw new Error('no placeholder for missing-a')
    expect(placeholder.spanId).toBe('missing-a')
    expect(placeholder.startOffsetMs).toBe(3)
    expect(keysOf(placeholder.children)).toEqual(['x2', 'x1'])
    expect(spanNode(tree, 'x1').depth).toBe(1)
    expect(spanNode(tree, 'x1').parent).toBe(placeholder)
    expect(tree.spanCount).toBe(4)
  })

  it('shows a self-parented span as a flagged root', () => {
    const tree = buildTree([span('job', 'job', 0), span('child', 'job', 100)])
    expect(keysOf(tree.roots)).toEqual(['job'])
    expect(spanNode(tree, 'job').marks).toContain('self-parent')
    expect(keysOf(spanNode(tree, 'job').children)).toEqual(['child'])
    expect(spanNode(tree, 'child').marks).toEqual([])
  })

  it('breaks a 2-cycle at its earliest span', () => {
    const tree = buildTree([
      span('pong', 'ping', 50),
      span('ping', 'pong', 0),
      span('volley', 'ping', 100),
    ])
    expect(keysOf(tree.roots)).toEqual(['ping'])
    expect(spanNode(tree, 'ping').marks).toEqual(['cycle'])
    expect(keysOf(spanNode(tree, 'ping').children)).toEqual(['pong', 'volley'])
    expect(spanNode(tree, 'pong').marks).toEqual([])
    expect(listNodesInOrder(tree)).toHaveLength(3)
  })

  it('keeps a detached 3-cycle next to a healthy root', () => {
    const tree = buildTree([
      span('healthy-root', null, 0),
      span('healthy-child', 'healthy-root', 100),
      span('rock', 'scissors', 300),
      span('paper', 'rock', 350),
      span('scissors', 'paper', 400),
    ])
    expect(keysOf(tree.roots)).toEqual(['healthy-root', 'rock'])
    expect(spanNode(tree, 'healthy-root').marks).toEqual([])
    expect(spanNode(tree, 'rock').marks).toEqual(['cycle'])
    expect(keysOf(spanNode(tree, 'rock').children)).toEqual(['paper'])
    expect(keysOf(spanNode(tree, 'paper').children)).toEqual(['scissors'])
    expect(spanNode(tree, 'scissors').depth).toBe(2)
    expect(listNodesInOrder(tree)).toHaveLength(5)
  })

  it('breaks a cycle reached through a tail of non-cycle spans', () => {
    // tail -> a -> b -> a: only a or b may be cut, never the tail.
    const tree = buildTree([span('tail', 'a', 30), span('a', 'b', 10), span('b', 'a', 20)])
    expect(keysOf(tree.roots)).toEqual(['a'])
    expect(spanNode(tree, 'tail').marks).toEqual([])
    expect(spanNode(tree, 'tail').parent?.key).toBe('a')
    expect(listNodesInOrder(tree)).toHaveLength(3)
  })

  it('shows and flags both spans of a duplicated id', () => {
    const tree = buildTree([
      span('root', null, 0),
      span('dup', 'root', 20, 'second'),
      span('dup', 'root', 10, 'first'),
      span('child', 'dup', 30),
    ])
    const nodes = tree.bySpanId.get('dup')!
    expect(nodes).toHaveLength(2)
    expect(nodes.map((node) => node.span.name)).toEqual(['first', 'second'])
    expect(nodes.map((node) => node.key)).toEqual(['dup', 'dup#2'])
    expect(nodes[0]!.marks).toContain('duplicate-id')
    expect(nodes[1]!.marks).toContain('duplicate-id')
    expect(keysOf(nodes[0]!.children)).toEqual(['child'])
    expect(listNodesInOrder(tree)).toHaveLength(4)
  })

  it('marks a child that starts before its parent as skew', () => {
    const tree = buildTree([
      span('root', null, 100),
      span('early', 'root', 50),
      span('late', 'root', 150),
    ])
    expect(spanNode(tree, 'early').marks).toEqual(['skew'])
    expect(spanNode(tree, 'late').marks).toEqual([])
  })

  it('marks zero timestamps without calling them skew', () => {
    const zero = { ...span('zero', 'root', -1.7e12), zeroTime: true }
    const tree = buildTree([span('root', null, 0), zero])
    expect(spanNode(tree, 'zero').marks).toEqual(['zero-time'])
  })

  it('marks in-progress spans as running', () => {
    const running = { ...span('open', null, 0), inProgress: true }
    expect(spanNode(buildTree([running]), 'open').marks).toEqual(['running'])
  })

  it('builds a 50,000-span flat trace quickly', () => {
    const spans = [span('root', null, 0)]
    for (let i = 0; i < 50_000; i++) spans.push(span(`s${i}`, 'root', 50_000 - i))
    const started = performance.now()
    const tree = buildTree(spans)
    const rows = flattenVisible(tree, new Set())
    const elapsed = performance.now() - started
    expect(rows).toHaveLength(50_001)
    expect(rows[1]!.node.key).toBe('s49999')
    expect(rows[50_000]!.node.key).toBe('s0')
    expect(elapsed).toBeLessThan(2_000)
  })

  it('builds a 50,000-deep chain without recursion', () => {
    const depth = 50_000
    const spans = [span('s0', null, 0)]
    for (let i = 1; i < depth; i++) spans.push(span(`s${i}`, `s${i - 1}`, i))
    spans.reverse()
    const started = performance.now()
    const tree = buildTree(spans)
    const rows = flattenVisible(tree, new Set())
    const deepest = spanNode(tree, `s${depth - 1}`)
    const ancestors = ancestorKeys(deepest)
    const elapsed = performance.now() - started
    expect(rows).toHaveLength(depth)
    expect(deepest.depth).toBe(depth - 1)
    expect(ancestors).toHaveLength(depth - 1)
    expect(ancestors[0]).toBe(`s${depth - 2}`)
    expect(elapsed).toBeLessThan(2_000)
  })

  it('breaks a 50,000-span cycle without recursion', () => {
    const size = 50_000
    const spans = [span('s0', `s${size - 1}`, 0)]
    for (let i = 1; i < size; i++) spans.push(span(`s${i}`, `s${i - 1}`, i))
    const tree = buildTree(spans)
    expect(keysOf(tree.roots)).toEqual(['s0'])
    expect(spanNode(tree, 's0').marks).toEqual(['cycle'])
    expect(flattenVisible(tree, new Set())).toHaveLength(size)
  })
})

describe('flattenVisible', () => {
  const tree = buildTree([
    span('root', null, 0),
    span('a', 'root', 1),
    span('a1', 'a', 2),
    span('a2', 'a', 3),
    span('b', 'root', 4),
    span('b1', 'b', 5),
    span('orphan', 'gone', 6),
  ])

  it('lists all nodes in tree order when nothing is collapsed', () => {
    const rows = flattenVisible(tree, new Set())
    expect(rows.map((row) => row.node.key)).toEqual([
      'root',
      'a',
      'a1',
      'a2',
      'b',
      'b1',
      'missing:gone',
      'orphan',
    ])
    expect(rows.map((row) => row.depth)).toEqual([0, 1, 2, 2, 1, 2, 0, 1])
    expect(rows[0]!.expanded).toBe(true)
    expect(rows[2]!.hasChildren).toBe(false)
  })

  it('hides the descendants of collapsed nodes', () => {
    const rows = flattenVisible(tree, new Set(['a', 'missing:gone']))
    expect(rows.map((row) => row.node.key)).toEqual(['root', 'a', 'b', 'b1', 'missing:gone'])
    expect(rows[1]!.hasChildren).toBe(true)
    expect(rows[1]!.expanded).toBe(false)
  })

  it('collapses everything with collectParentKeys', () => {
    const rows = flattenVisible(tree, collectParentKeys(tree))
    expect(rows.map((row) => row.node.key)).toEqual(['root', 'missing:gone'])
  })

  it('keeps only the given keys for a search filter', () => {
    const keep = keysWithAncestors([tree.byKey.get('b1')!])
    expect([...keep].sort()).toEqual(['b', 'b1', 'root'])
    const rows = flattenVisible(tree, new Set(), keep)
    expect(rows.map((row) => row.node.key)).toEqual(['root', 'b', 'b1'])
  })
})
