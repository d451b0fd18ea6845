import { useMemo } from 'react'
import { listNodesInOrder, type SpanNode, type SpanTree } from '../tree/build-tree'

export interface SpanSearch {
  /** Normalized query: trimmed and lower-case, '' when there is none. */
  query: string
  /** Matching spans in tree order. */
  matches: SpanNode[]
  matchKeys: ReadonlySet<string>
}

/** Finds the spans whose name contains `query` (case-insensitive) or whose id equals it. */
export function useSpanSearch(tree: SpanTree | null, rawQuery: string): SpanSearch {
  const query = rawQuery.trim().toLowerCase()
  const nodesInOrder = useMemo(() => (tree === null ? [] : listNodesInOrder(tree)), [tree])
  const lowerNames = useMemo(
    () => nodesInOrder.map((node) => (node.type === 'span' ? node.span.name.toLowerCase() : '')),
    [nodesInOrder],
  )

  return useMemo(() => {
    const matches: SpanNode[] = []
    if (query !== '') {
      for (let i = 0; i < nodesInOrder.length; i++) {
        const node = nodesInOrder[i]!
        if (node.type !== 'span') continue
        if (lowerNames[i]!.includes(query) || node.span.spanId === query) matches.push(node)
      }
    }
    return { query, matches, matchKeys: new Set(matches.map((node) => node.key)) }
  }, [nodesInOrder, lowerNames, query])
}
