import type { TraceTree } from './api'

/** Spans in a tree page when the request gives no `limit`. */
export const DEFAULT_TREE_PAGE_LIMIT = 1_000
/** Upper bound of `limit` for one tree page. */
export const MAX_TREE_PAGE_LIMIT = 10_000

/**
 * `GET /api/traces/:id/tree?limit=N` and `?after=CURSOR&limit=N`: spans in
 * start order (ties by storage order), one page at a time.
 */
export interface TraceTreePage extends TraceTree {
  /** Span rows of the trace that the pages of this listing cover, pending spans included. */
  total: number
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null
}
