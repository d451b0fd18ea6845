import { useMemo } from 'react'
import { listNodesInOrder, type SpanNode, type SpanTree } from '../tree/build-tree'

export interface SpanSearch {
  /** Normalized query: trimmed and lower-case, '' when there is none. */
  query: string
  /** Matching spans in tree order. */
  matches: SpanNode[]
  matchKeys: ReadonlySet<string>
}

/**
 * Finds the spans whose name or title contains `query` (case-insensitive) or
 * whose id equals it. Spans whose key is in `hidden` (by the level filter)
 * are not matched.
 */
export function useSpanSearch(
  tree: SpanTree | null,
  rawQuery: string,
  hidden?: ReadonlySet<string>,
): SpanSearch {
  const query = rawQuery.trim().toLowerCase()
  const nodesInOrder = useMemo(() => (tree === null ? [] : listNodesInOrder(tree)), [tree])
  const searchText = useMemo(
    () =>
      nodesInOrder.map((node) => {
        if (node.type !== 'span') return ''
        const { name, title } = node.span
        return (title === name ? name : `${name}\n${title}`).toLowerCase()
      }),
    [nodesInOrder],
  )

  return useMemo(() => {
    const matches: SpanNode[] = []
    if (query !== '') {
      for (let i = 0; i < nodesInOrder.length; i++) {
        const node = nodesInOrder[i]!
        if (node.type !== 'span' || hidden?.has(node.key)) continue
        if (searchText[i]!.includes(query) || node.span.spanId === query) matches.push(node)
      }
    }
    return { query, matches, matchKeys: new Set(matches.map((node) => node.key)) }
  }, [nodesInOrder, searchText, query, hidden])
}
