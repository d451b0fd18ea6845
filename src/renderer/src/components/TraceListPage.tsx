import type { CoreStatus } from '../../../shared/api'
import { useTraceList } from '../hooks/use-trace-list'
import { pluralize } from '../format'
import { EmptyState } from './EmptyState'
import { ErrorNotice } from './ErrorNotice'
import { IngestProblems } from './IngestProblems'
import { OpenTraceBox } from './OpenTraceBox'
import { TraceTable } from './TraceTable'

/** Shows the live list of traces, or the getting-started text while Loupe has none. */
export function TraceListPage({ status }: { status: CoreStatus | null }) {
  const list = useTraceList()
  const showEmptyState = status !== null && status.empty && list.traces.length === 0

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
          <TraceTable traces={list.traces} />
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
