import { useCallback, useState } from 'react'
import { ancestorKeys, collectParentKeys, type SpanTree, type TreeNode } from '../tree/build-tree'

export interface CollapsedNodes {
  collapsed: ReadonlySet<string>
  setExpanded: (key: string, expanded: boolean) => void
  expandAll: () => void
  collapseAll: () => void
  /** Expands every ancestor of `node`, so that its row is visible. */
  reveal: (node: TreeNode) => void
}

/** Tracks which tree nodes are collapsed; everything starts expanded. */
export function useCollapsedNodes(tree: SpanTree | null): CollapsedNodes {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set())

  const setExpanded = useCallback((key: string, expanded: boolean) => {
    setCollapsed((old) => {
      if (old.has(key) === !expanded) return old
      const next = new Set(old)
      if (expanded) next.delete(key)
      else next.add(key)
      return next
    })
  }, [])

  const expandAll = useCallback(() => setCollapsed(new Set()), [])

  const collapseAll = useCallback(() => {
    if (tree !== null) setCollapsed(collectParentKeys(tree))
  }, [tree])

  const reveal = useCallback((node: TreeNode) => {
    setCollapsed((old) => {
      const hidden = ancestorKeys(node).filter((key) => old.has(key))
      if (hidden.length === 0) return old
      const next = new Set(old)
      for (const key of hidden) next.delete(key)
      return next
    })
  }, [])

  return { collapsed, setExpanded, expandAll, collapseAll, reveal }
}
