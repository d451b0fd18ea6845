// GET /api/traces/:id/tree with `limit` or `after`: the span tree one page at
// a time. Without either parameter the server sends the whole tree as before.

import type { TraceTreePage } from '../../shared/tree-page'
import { DEFAULT_TREE_PAGE_LIMIT, MAX_TREE_PAGE_LIMIT } from '../../shared/tree-page'
import type { TraceQueries } from '../store/queries'
import { parseTreeCursor, TreePageQueries } from '../store/tree-page'

export type TreePageResult =
  { status: 200; body: TraceTreePage } | { status: 400 | 404; body: { error: string } }

const pageQueries = new WeakMap<TraceQueries, TreePageQueries>()

/** Returns true when the URL has `limit` or `after`, which select one page instead of the whole tree. */
export function isTreePageRequest(url: URL): boolean {
  return url.searchParams.has('limit') || url.searchParams.has('after')
}

/**
 * Reads `limit` (spans per page, 1 to MAX_TREE_PAGE_LIMIT, default
 * DEFAULT_TREE_PAGE_LIMIT) and `after` (the `nextCursor` of the previous
 * page), and returns that page of the trace's tree or a 400 or 404 body.
 */
export function getTreePage(queries: TraceQueries, traceId: string, url: URL): TreePageResult {
  const limitText = url.searchParams.get('limit')
  let limit = DEFAULT_TREE_PAGE_LIMIT
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : NaN
    if (!(limit >= 1 && limit <= MAX_TREE_PAGE_LIMIT)) {
      return {
        status: 400,
        body: {
          error: `invalid limit=${limitText}: expected an integer from 1 to ${MAX_TREE_PAGE_LIMIT}`,
        },
      }
    }
  }

  const afterText = url.searchParams.get('after')
  const after = afterText === null ? null : parseTreeCursor(afterText)
  if (afterText !== null && after === null) {
    return {
      status: 400,
      body: {
        error:
          `invalid after=${afterText}: expected the nextCursor of the previous page; ` +
          'leave after out to get the first page',
      },
    }
  }

  let queriesForPages = pageQueries.get(queries)
  if (queriesForPages === undefined) {
    queriesForPages = new TreePageQueries(queries)
    pageQueries.set(queries, queriesForPages)
  }
  const page = queriesForPages.getPage(traceId, limit, after)
  if (page === null) return { status: 404, body: { error: `trace ${traceId} not found` } }
  return { status: 200, body: page }
}
