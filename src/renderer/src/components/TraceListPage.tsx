import { useMemo } from 'react'
import type { CoreStatus } from '../../../shared/api'
import { useSessionState } from '../hooks/use-session-state'
import { useTraceList } from '../hooks/use-trace-list'
import { formatCount, pluralize } from '../format'
import {
  DEFAULT_SORT,
  filterTraces,
  nextSort,
  NO_FILTER,
  sortTraces,
  TRACE_SORT_KEYS,
  type TraceFilter,
  type TraceSort,
  type TraceSortKey,
} from '../trace-list-view'
import { EmptyState } from './EmptyState'
import { ErrorNotice } from './ErrorNotice'
import { IngestProblems } from './IngestProblems'
import { OpenTraceBox } from './OpenTraceBox'
import { TraceFilters } from './TraceFilters'
import { TraceTable } from './TraceTable'

/** Shows the live list of traces, or the getting-started text while Loupe has none. */
export function TraceListPage({ status }: { status: CoreStatus | null }) {
  const list = useTraceList()
  const showEmptyState = status !== null && status.empty && list.traces.length === 0
  const [sort, setSort] = useSessionState<TraceSort>('loupe.traceSort', DEFAULT_SORT, isTraceSort)
  const [filter, setFilter] = useSessionState<TraceFilter>(
    'loupe.traceFilter',
    NO_FILTER,
    isTraceFilter,
  )
  const visibleTraces = useMemo(
    () => sortTraces(filterTraces(list.traces, filter), sort),
    [list.traces, filter, sort],
  )

  return (
    <main className="page list-page">
      <div className="list-toolbar">
        <h1>Traces</h1>
        {status !== null && !status.empty && (
          <span className="muted">
            {pluralize(status.traceCount, 'trace')}, {pluralize(status.spanCount, 'span')} stored
          </span>
        )}
        <OpenTraceBox />
      </div>
      {status !== null && <IngestProblems problems={status.ingestProblems} />}
      {list.error !== null && <ErrorNotice title="Could not load traces" message={list.error} />}
      {showEmptyState ? (
        <EmptyState status={status} onDemoLoaded={list.reload} />
      ) : list.loading ? (
        <p className="muted">Loading traces…</p>
      ) : list.traces.length === 0 ? (
        <p className="muted">No traces.</p>
      ) : (
        <>
          <TraceFilters
            traces={list.traces}
            filter={filter}
            onFilterChange={setFilter}
            shownCount={visibleTraces.length}
          />
          <TraceTable
            traces={visibleTraces}
            sort={sort}
            onSortChange={(key) => setSort(nextSort(sort, key))}
          />
          {visibleTraces.length === 0 && (
            <p className="muted">
              None of the {formatCount(list.traces.length)} loaded traces match the filters.
            </p>
          )}
          {list.hasOlder && (
            <button
              type="button"
              className="load-older"
              onClick={list.loadOlder}
              disabled={list.loadingOlder}
            >
              {list.loadingOlder ? 'Loading…' : 'Load older traces'}
            </button>
          )}
        </>
      )}
    </main>
  )
}

function isTraceSort(value: unknown): value is TraceSort {
  return (
    typeof value === 'object' &&
    value !== null &&
    'key' in value &&
    TRACE_SORT_KEYS.includes(value.key as TraceSortKey) &&
    'direction' in value &&
    (value.direction === 'asc' || value.direction === 'desc')
  )
}

function isTraceFilter(value: unknown): value is TraceFilter {
  return (
    typeof value === 'object' &&
    value !== null &&
    'errorClass' in value &&
    typeof value.errorClass === 'string' &&
    'text' in value &&
    typeof value.text === 'string'
  )
}
