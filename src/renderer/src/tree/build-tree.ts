import type { TreeSpan } from '../../../shared/api'

// Builds the span tree that the trace view draws, from parentSpanId alone
// (links never make a span a child). Real traces are not always trees: parents
// arrive late or never, SDKs reuse span ids, and buggy exporters produce
// parent loops. Every span of the input appears exactly once in the result,
// and every step is iterative so that a 50,000-deep chain cannot overflow the
// stack.

/** A problem or state of a span that the row shows as a badge. */
export type SpanMark =
  /** parentSpanId is the span's own id; the span is shown as a root. */
  | 'self-parent'
  /** The span's parent chain loops back to it; the loop is cut here and the span is shown as a root. */
  | 'cycle'
  /** The span starts before its parent. */
  | 'skew'
  /** The start or end timestamp is zero (the Unix epoch). */
  | 'zero-time'
  /** Another span of the trace has the same span id. */
  | 'duplicate-id'
  /** A pending span: started, not ended yet. */
  | 'running'

export interface SpanNode {
  type: 'span'
  /** Row key, unique in the tree and stable across reloads of the same trace. */
  key: string
  span: TreeSpan
  parent: TreeNode | null
  children: TreeNode[]
  depth: number
  marks: SpanMark[]
}

/** Placeholder row for a parent span id that some spans name but that was not received. */
export interface MissingParentNode {
  type: 'missing-parent'
  key: string
  /** The span id that was not received. */
  spanId: string
  parent: null
  children: TreeNode[]
  depth: 0
  /** Start of the earliest child, so the placeholder sorts among the roots by time. */
  startOffsetMs: number
}

export type TreeNode = SpanNode | MissingParentNode

export interface SpanTree {
  /** Top-level rows sorted by start: real roots, placeholders and the spans where a loop was cut. */
  roots: TreeNode[]
  byKey: Map<string, TreeNode>
  /** All nodes per span id, earliest first. More than one when the id is duplicated. */
  bySpanId: Map<string, SpanNode[]>
  spanCount: number
}

export interface VisibleRow {
  node: TreeNode
  depth: number
  hasChildren: boolean
  expanded: boolean
}

const NO_PARENT = -1
const ZERO_SPAN_ID = /^0*$/

/** Returns a node's start offset in ms; placeholders start with their earliest child. */
export function nodeStartMs(node: TreeNode): number {
  return node.type === 'span' ? node.span.startOffsetMs : node.startOffsetMs
}

/** Builds the tree of `spans`; see the file header for how broken parent data is shown. */
export function buildTree(spans: readonly TreeSpan[]): SpanTree {
  const nodes = createSortedNodes(spans)
  const bySpanId = indexBySpanId(nodes)
  const parentIndex = resolveParents(nodes, bySpanId)
  breakCycles(nodes, parentIndex)

  const byKey = new Map<string, TreeNode>()
  const roots: TreeNode[] = []
  const placeholders = new Map<string, MissingParentNode>()
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!
    byKey.set(node.key, node)
    const parent = parentIndex[i]!
    if (parent !== NO_PARENT) {
      node.parent = nodes[parent]!
      nodes[parent]!.children.push(node)
      continue
    }
    const parentId = normalizeParentId(node.span.parentSpanId)
    const isMissing =
      parentId !== null && parentId !== node.span.spanId && !node.marks.includes('cycle')
    if (!isMissing) {
      roots.push(node)
      continue
    }
    let placeholder = placeholders.get(parentId)
    if (placeholder === undefined) {
      placeholder = createPlaceholder(parentId, node.span.startOffsetMs)
      placeholders.set(parentId, placeholder)
      byKey.set(placeholder.key, placeholder)
      roots.push(placeholder)
    }
    node.parent = placeholder
    placeholder.children.push(node)
  }

  assignDepthsAndSkew(roots)
  return { roots, byKey, bySpanId, spanCount: nodes.length }
}

function compareStart(a: TreeSpan, b: TreeSpan): number {
  const startA = Number.isFinite(a.startOffsetMs) ? a.startOffsetMs : 0
  const startB = Number.isFinite(b.startOffsetMs) ? b.startOffsetMs : 0
  if (startA !== startB) return startA - startB
  if (a.spanId === b.spanId) return 0
  return a.spanId < b.spanId ? -1 : 1
}

// Sorting once up front means that children, roots and duplicates are all
// appended in start order later, with no per-parent sort.
function createSortedNodes(spans: readonly TreeSpan[]): SpanNode[] {
  const order = spans.map((_, index) => index)
  order.sort((a, b) => compareStart(spans[a]!, spans[b]!) || a - b)

  const seen = new Map<string, number>()
  return order.map((index) => {
    const span = spans[index]!
    const occurrence = (seen.get(span.spanId) ?? 0) + 1
    seen.set(span.spanId, occurrence)
    const marks: SpanMark[] = []
    if (span.zeroTime) marks.push('zero-time')
    if (span.inProgress) marks.push('running')
    return {
      type: 'span',
      key: occurrence === 1 ? span.spanId : `${span.spanId}#${occurrence}`,
      span,
      parent: null,
      children: [],
      depth: 0,
      marks,
    }
  })
}

function indexBySpanId(nodes: SpanNode[]): Map<string, SpanNode[]> {
  const bySpanId = new Map<string, SpanNode[]>()
  for (const node of nodes) {
    const list = bySpanId.get(node.span.spanId)
    if (list === undefined) bySpanId.set(node.span.spanId, [node])
    else list.push(node)
  }
  for (const list of bySpanId.values()) {
    if (list.length > 1) for (const node of list) node.marks.push('duplicate-id')
  }
  return bySpanId
}

function normalizeParentId(parentSpanId: string | null): string | null {
  if (parentSpanId === null || ZERO_SPAN_ID.test(parentSpanId)) return null
  return parentSpanId
}

/**
 * Returns, per node, the index of its parent node or NO_PARENT. Children of a
 * duplicated id hang under its earliest node.
 */
function resolveParents(nodes: SpanNode[], bySpanId: Map<string, SpanNode[]>): Int32Array {
  const indexOf = new Map<SpanNode, number>()
  nodes.forEach((node, index) => indexOf.set(node, index))

  const parentIndex = new Int32Array(nodes.length).fill(NO_PARENT)
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!
    const parentId = normalizeParentId(node.span.parentSpanId)
    if (parentId === null) continue
    if (parentId === node.span.spanId) {
      node.marks.push('self-parent')
      continue
    }
    const parent = bySpanId.get(parentId)?.[0]
    if (parent !== undefined) parentIndex[i] = indexOf.get(parent)!
  }
  return parentIndex
}

/**
 * Cuts every parent loop at its earliest-starting member, which becomes a
 * root marked 'cycle'; the other members stay under it. Each node has at most
 * one parent, so walking up from every unvisited node finds each loop once,
 * in O(n) overall.
 */
function breakCycles(nodes: SpanNode[], parentIndex: Int32Array): void {
  const UNVISITED = 0
  const ON_PATH = 1
  const DONE = 2
  const state = new Uint8Array(nodes.length)
  const path: number[] = []

  for (let start = 0; start < nodes.length; start++) {
    if (state[start] !== UNVISITED) continue
    path.length = 0
    let current = start
    while (current !== NO_PARENT && state[current] === UNVISITED) {
      state[current] = ON_PATH
      path.push(current)
      current = parentIndex[current]!
    }
    if (current !== NO_PARENT && state[current] === ON_PATH) {
      // The loop is the tail of the path from `current` on. Nodes are sorted
      // by start, so the smallest index is the earliest member.
      let entry = current
      for (let i = path.lastIndexOf(current); i < path.length; i++) {
        entry = Math.min(entry, path[i]!)
      }
      parentIndex[entry] = NO_PARENT
      nodes[entry]!.marks.push('cycle')
    }
    for (const index of path) state[index] = DONE
  }
}

function createPlaceholder(spanId: string, startOffsetMs: number): MissingParentNode {
  return {
    type: 'missing-parent',
    key: `missing:${spanId}`,
    spanId,
    parent: null,
    children: [],
    depth: 0,
    startOffsetMs,
  }
}

function assignDepthsAndSkew(roots: TreeNode[]): void {
  const stack: TreeNode[] = [...roots]
  while (stack.length > 0) {
    const node = stack.pop()!
    for (const child of node.children) {
      child.depth = node.depth + 1
      if (child.type === 'span' && node.type === 'span' && startsBeforeParent(child, node)) {
        child.marks.push('skew')
      }
      stack.push(child)
    }
  }
}

// A zero timestamp already has its own mark and would make every comparison
// meaningless, so it never counts as skew.
function startsBeforeParent(child: SpanNode, parent: SpanNode): boolean {
  if (child.span.zeroTime || parent.span.zeroTime) return false
  return child.span.startOffsetMs < parent.span.startOffsetMs
}

/**
 * Lists the rows to draw, in tree order: every node whose ancestors are all
 * expanded. When `keep` is given, only nodes whose key it contains are listed
 * (used by the search filter, which keeps matches and their ancestors). Nodes
 * whose key is in `hidden` are left out with their subtrees (used by the
 * level filter).
 */
export function flattenVisible(
  tree: SpanTree,
  collapsed: ReadonlySet<string>,
  keep?: ReadonlySet<string>,
  hidden?: ReadonlySet<string>,
): VisibleRow[] {
  const rows: VisibleRow[] = []
  const stack: TreeNode[] = []
  for (let i = tree.roots.length - 1; i >= 0; i--) stack.push(tree.roots[i]!)

  while (stack.length > 0) {
    const node = stack.pop()!
    if (keep !== undefined && !keep.has(node.key)) continue
    if (hidden !== undefined && hidden.has(node.key)) continue
    const hasChildren = node.children.length > 0
    const expanded = hasChildren && !collapsed.has(node.key)
    rows.push({ node, depth: node.depth, hasChildren, expanded })
    if (!expanded) continue
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!)
  }
  return rows
}

/** Lists every node in tree order, ignoring collapsed state. */
export function listNodesInOrder(tree: SpanTree): TreeNode[] {
  return flattenVisible(tree, new Set()).map((row) => row.node)
}

/** Returns the keys of all nodes that have children: the set that collapses everything. */
export function collectParentKeys(tree: SpanTree): Set<string> {
  const keys = new Set<string>()
  for (const node of tree.byKey.values()) {
    if (node.children.length > 0) keys.add(node.key)
  }
  return keys
}

/** Returns the keys of the node's ancestors, nearest first. */
export function ancestorKeys(node: TreeNode): string[] {
  const keys: string[] = []
  for (let current = node.parent; current !== null; current = current.parent) {
    keys.push(current.key)
  }
  return keys
}

/** Returns the keys of the given nodes and of all their ancestors. */
export function keysWithAncestors(nodes: Iterable<TreeNode>): Set<string> {
  const keys = new Set<string>()
  for (const node of nodes) {
    // Stop at the first ancestor already added: its own ancestors are in too.
    for (let current: TreeNode | null = node; current !== null; current = current.parent) {
      if (keys.has(current.key)) break
      keys.add(current.key)
    }
  }
  return keys
}

/**
 * Returns the keys of the spans whose Logfire level is below `minLevel`.
 * Spans without a level are never below it.
 */
export function keysBelowLevel(tree: SpanTree, minLevel: number): Set<string> {
  const keys = new Set<string>()
  for (const node of tree.byKey.values()) {
    if (node.type !== 'span') continue
    const level = node.span.level
    if (level !== null && level < minLevel) keys.add(node.key)
  }
  return keys
}

/** Sums of the GenAI figures of a span's descendants. */
export interface SubtreeTotals {
  modelCalls: number
  toolCalls: number
  retriedToolCalls: number
  inputTokens: number
  outputTokens: number
  /** Sum of priced model calls in USD, or null when none was priced. */
  costUsd: number | null
  /** Model calls with tokens and no cost. */
  unpricedCalls: number
}

/** Adds up the model calls, tool calls, tokens and cost below `node`. */
export function sumSubtree(node: TreeNode): SubtreeTotals {
  const totals: SubtreeTotals = {
    modelCalls: 0,
    toolCalls: 0,
    retriedToolCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    unpricedCalls: 0,
  }
  const stack: TreeNode[] = [...node.children]
  while (stack.length > 0) {
    const current = stack.pop()!
    for (const child of current.children) stack.push(child)
    if (current.type !== 'span') continue
    const span = current.span
    if (span.kind === 'tool') {
      totals.toolCalls++
      if (span.retried) totals.retriedToolCalls++
    }
    if (span.kind !== 'model') continue
    totals.modelCalls++
    totals.inputTokens += span.inputTokens ?? 0
    totals.outputTokens += span.outputTokens ?? 0
    if (span.costUsd !== null) totals.costUsd = (totals.costUsd ?? 0) + span.costUsd
    else if ((span.inputTokens ?? 0) > 0 || (span.outputTokens ?? 0) > 0) totals.unpricedCalls++
  }
  return totals
}
