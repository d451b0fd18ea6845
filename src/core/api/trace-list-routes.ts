// GET /api/traces: the trace list, newest first, narrowed by the filter
// parameters of shared/trace-filter.ts. Without them it is the plain list.

import type Database from 'better-sqlite3'
import {
  MAX_LIST_IDS,
  MAX_LIST_LIMIT,
  parseTraceFilter,
  problemsText,
  type FilterProblem,
  type TraceListItem,
} from '../../shared/trace-filter'
import { TraceSearch } from '../search/trace-search'

/** Parameters of the list that are not filters. */
const LIST_PARAMETERS = ['limit', 'before', 'ids', 'wait'] as const

const DEFAULT_LIMIT = 100
const MAX_INT64 = 2n ** 63n - 1n

export type TraceListResult =
  | { status: 200; body: TraceListItem[] }
  | { status: 400; body: { error: string; problems: FilterProblem[] } }

const searches = new WeakMap<Database.Database, TraceSearch>()

/**
 * Reads the list's query parameters and returns the matching traces, or a
 * 400 body that names each invalid parameter and what it expects.
 *
 * - `limit`: traces per page (default 100, at most 10,000).
 * - `before`: Unix nanoseconds; only traces that started earlier (the next page).
 * - `ids`: comma-separated trace ids; only those traces, so that a window can
 *   check which pushed traces meet its filter.
 */
export function listTraces(db: Database.Database, url: URL): TraceListResult {
  const params = url.searchParams
  const parsed = parseTraceFilter(params, LIST_PARAMETERS)
  const problems = parsed.ok ? [] : [...parsed.problems]

  const limit = params.get('limit')
  if (limit !== null && !isListLimit(limit)) {
    problems.push({
      parameter: 'limit',
      message: `invalid limit=${JSON.stringify(limit)}: expected a whole number from 1 to ${MAX_LIST_LIMIT}`,
    })
  }

  const before = params.get('before')
  if (before !== null && !(/^\d{1,19}$/.test(before) && BigInt(before) <= MAX_INT64)) {
    problems.push({
      parameter: 'before',
      message: `invalid before=${before}: expected Unix nanoseconds, at most ${MAX_INT64}`,
    })
  }

  const ids = params.get('ids')
  const traceIds = ids === null ? undefined : ids.split(',').map((id) => id.trim().toLowerCase())
  if (traceIds !== undefined && !traceIds.every((id) => /^[0-9a-f]{32}$/.test(id))) {
    problems.push({
      parameter: 'ids',
      message: 'invalid ids: expected trace ids of 32 hex digits separated by commas',
    })
  } else if (traceIds !== undefined && traceIds.length > MAX_LIST_IDS) {
    problems.push({ parameter: 'ids', message: `too many ids: at most ${MAX_LIST_IDS}` })
  }
  if (!parsed.ok || problems.length > 0) {
    return { status: 400, body: { error: problemsText(problems), problems } }
  }

  let search = searches.get(db)
  if (!search) {
    search = new TraceSearch(db)
    searches.set(db, search)
  }
  const body = search.list(parsed.filter, {
    limit: limit === null ? DEFAULT_LIMIT : Number(limit),
    beforeNs: before === null ? undefined : BigInt(before),
    traceIds,
  })
  return { status: 200, body }
}

function isListLimit(value: string): boolean {
  return /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_LIST_LIMIT
}
