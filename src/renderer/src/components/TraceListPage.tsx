import { useMemo } from 'react'
import type { CoreStatus } from '../../../shared/api'
import { useListFilter } from '../hooks/use-list-filter'
import { useSessionState } from '../hooks/use-session-state'
import { useTraceList } from '../hooks/use-trace-list'
import { pluralize } from '../format'
import {
  DEFAULT_SORT,
  nextSort,
  sortTraces,
  TRACE_SORT_KEYS,
  type TraceSort,
  type TraceSortKey,
} from '../trace-list-view'
import { EmptyState } from './EmptyState'
import { ErrorNotice } from './ErrorNotice'
import { IngestProblems } from './IngestProblems'
import { OpenTraceBox } from './OpenTraceBox'
import { TraceFilters } from './TraceFilters'
import { TraceTable } from './TraceTable'

/**
 * Shows the live list of traces, filtered on the core by the filters in the
 * address bar, or the getting-started text while Loupe has no traces.
 */
export function TraceListPage({ status }: { status: CoreStatus | null }) {
  const filter = useListFilter()
  const list = useTraceList(filter.query)
  const filtered = filter.query !== ''
  const showEmptyState = status !== null && status.empty && list.traces.length === 0 && !filtered
  const [sort, setSort] = useSessionState<TraceSort>('loupe.traceSort', DEFAULT_SORT, isTraceSort)
  const visibleTraces = useMemo(() => sortTraces(list.traces, sort), [list.traces, sort])
  const problems = filter.parsed.ok ? [] : filter.parsed.problems

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
      {showEmptyState ? (
        <EmptyState status={status} onDemoLoaded={list.reload} />
      ) : (
        <>
          <TraceFilters params={filter.params} problems={problems} onChange={filter.setParams} />
          {problems.length > 0 && (
            <ErrorNotice
              title="Invalid filter"
              message="Correct the filters to list traces."
              problems={problems.map((problem) => problem.message)}
            />
          )}
          {list.error !== null && (
            <ErrorNotice title="Could not load traces" message={list.error} />
          )}
          {list.loading ? (
            <p className="muted">Loading traces…</p>
          ) : problems.length > 0 ? null : list.traces.length === 0 ? (
            <p className="muted" data-testid="no-traces">
              {filtered ? 'No traces match the filters.' : 'No traces.'}
            </p>
          ) : (
            <>
              <TraceTable
                traces={visibleTraces}
                sort={sort}
                onSortChange={(key) => setSort(nextSort(sort, key))}
              />
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
              {filtered && !list.hasOlder && (
                <p className="muted" data-testid="match-count">
                  {pluralize(list.traces.length, 'trace')}{' '}
                  {list.traces.length === 1 ? 'matches' : 'match'} the filters.
                </p>
              )}
            </>
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
