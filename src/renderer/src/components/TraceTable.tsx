import { memo, type KeyboardEvent } from 'react'
import type { TraceSummary } from '../../../shared/api'
import { formatCount, formatDuration, formatLocalTime, pluralize } from '../format'
import { navigate } from '../navigation'
import { traceHash } from '../route'
import { StatusBadge } from './StatusBadge'

/** Renders the trace list as a table. A row opens its trace on click or Enter, and the arrow keys move between rows. */
export function TraceTable({ traces }: { traces: TraceSummary[] }) {
  return (
    <table className="trace-table">
      <thead>
        <tr>
          <th scope="col">Root span</th>
          <th scope="col">Service</th>
          <th scope="col">Start</th>
          <th scope="col" className="number">
            Duration
          </th>
          <th scope="col" className="number">
            Spans
          </th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {traces.map((trace) => (
          <TraceRow key={trace.traceId} trace={trace} />
        ))}
      </tbody>
    </table>
  )
}

const TraceRow = memo(function TraceRow({ trace }: { trace: TraceSummary }) {
  const href = traceHash(trace.traceId)
  const failed = trace.status === 'error'

  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.key === 'Enter' && event.target === event.currentTarget) {
      navigate(href)
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const sibling =
        event.key === 'ArrowDown'
          ? event.currentTarget.nextElementSibling
          : event.currentTarget.previousElementSibling
      if (sibling instanceof HTMLElement) sibling.focus()
      event.preventDefault()
    }
  }

  return (
    <tr
      className={failed ? 'trace-row failed' : 'trace-row'}
      tabIndex={0}
      data-testid="trace-row"
      data-trace-id={trace.traceId}
      onClick={(event) => {
        if (!(event.target instanceof HTMLAnchorElement)) navigate(href)
      }}
      onKeyDown={onKeyDown}
    >
      <td className="trace-name">
        <a href={href} tabIndex={-1}>
          {trace.rootName || '(no name)'}
        </a>
        {!trace.complete && (
          <span className="badge warn" title="No root span has arrived for this trace yet">
            incomplete
          </span>
        )}
        {trace.inProgressCount > 0 && (
          <span className="badge running" title="Spans that started and have not ended yet">
            in progress ({formatCount(trace.inProgressCount)})
          </span>
        )}
      </td>
      <td>{trace.serviceName ?? <span className="muted">unknown</span>}</td>
      <td>
        <time dateTime={trace.startTime} title={trace.startTime}>
          {formatLocalTime(trace.startTime)}
        </time>
      </td>
      <td className="number">{formatDuration(trace.durationMs)}</td>
      <td className="number">{formatCount(trace.spanCount)}</td>
      <td className="trace-status">
        <StatusBadge status={trace.status} />
        {trace.errorCount > 0 && (
          <span className={failed ? 'error-count' : 'error-count minor'}>
            {pluralize(trace.errorCount, 'error')}
          </span>
        )}
      </td>
    </tr>
  )
})
