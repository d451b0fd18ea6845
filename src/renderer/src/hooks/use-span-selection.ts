import { useCallback, useEffect, useState } from 'react'
import { navigate } from '../navigation'
import { traceHash } from '../route'
import type { SpanTree, TreeNode } from '../tree/build-tree'

/** A request to scroll a row into view; `sequence` makes repeated requests for one key distinct. */
export interface ScrollRequest {
  key: string
  sequence: number
}

export interface SpanSelection {
  selectedKey: string | null
  selectedNode: TreeNode | null
  /** Selects a row by key; `scroll` also brings it into view (keyboard, search, links). */
  select: (key: string, options?: { scroll?: boolean }) => void
  scrollRequest: ScrollRequest | null
}

/**
 * Keeps the selected row in step with the address bar. Selecting a row puts
 * its span id in the hash and replaces the history entry. A hash that names a
 * span (from a link, the back button or a pasted URL) selects and reveals
 * that span's first row.
 */
export function useSpanSelection(
  traceId: string,
  tree: SpanTree | null,
  routeSpanId: string | null,
  reveal: (node: TreeNode) => void,
): SpanSelection {
  const [selectedKey, setSelectedKey] = useState<string | null>(null)
  const [scrollRequest, setScrollRequest] = useState<ScrollRequest | null>(null)
  const selectedNode = (selectedKey !== null && tree?.byKey.get(selectedKey)) || null

  const requestScroll = useCallback((key: string) => {
    setScrollRequest((old) => ({ key, sequence: (old?.sequence ?? 0) + 1 }))
  }, [])

  const select = useCallback(
    (key: string, options: { scroll?: boolean } = {}) => {
      const node = tree?.byKey.get(key)
      if (node === undefined) return
      setSelectedKey(key)
      reveal(node)
      if (options.scroll) requestScroll(key)
      const spanId = node.type === 'span' ? node.span.spanId : null
      navigate(traceHash(traceId, spanId), { replace: true })
    },
    [tree, traceId, reveal, requestScroll],
  )

  useEffect(() => {
    if (tree === null || routeSpanId === null) return
    if (selectedNode?.type === 'span' && selectedNode.span.spanId === routeSpanId) return
    const node = tree.bySpanId.get(routeSpanId)?.[0]
    if (node === undefined) return
    setSelectedKey(node.key)
    reveal(node)
    requestScroll(node.key)
  }, [tree, routeSpanId, selectedNode, reveal, requestScroll])

  return { selectedKey, selectedNode, select, scrollRequest }
}
