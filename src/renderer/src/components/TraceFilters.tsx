import { useMemo } from 'react'
import type { TraceSummary } from '../../../shared/api'
import type { ErrorClass } from '../../../shared/genai'
import { formatCount } from '../format'
import { NO_FILTER, type ErrorClassFilter, type TraceFilter } from '../trace-list-view'

/**
 * Filters over the trace list: an error class select (offering the classes
 * of the loaded traces) and a text box that matches agent, model, root span
 * or service.
 */
export function TraceFilters({
  traces,
  filter,
  onFilterChange,
  shownCount,
}: {
  traces: TraceSummary[]
  filter: TraceFilter
  onFilterChange: (filter: TraceFilter) => void
  shownCount: number
}) {
  const classes = useMemo(() => errorClassesOf(traces, filter.errorClass), [traces, filter])
  const active = filter.errorClass !== 'all' || filter.text.trim() !== ''

  return (
    <div className="trace-filters" role="search">
      <label>
        Error class
        <select
          aria-label="Filter by error class"
          value={filter.errorClass}
          onChange={(event) =>
            onFilterChange({ ...filter, errorClass: event.target.value as ErrorClassFilter })
          }
        >
          <option value="all">all traces</option>
          <option value="errors">any error</option>
          <option value="none">none</option>
          {classes.map((errorClass) => (
            <option key={errorClass} value={errorClass}>
              {errorClass}
            </option>
          ))}
        </select>
      </label>
      <input
        type="search"
        className="trace-text-filter"
        aria-label="Filter by agent, model or name"
        placeholder="Filter by agent, model, root span or service"
        value={filter.text}
        onChange={(event) => onFilterChange({ ...filter, text: event.target.value })}
        spellCheck={false}
      />
      {active && (
        <>
          <span className="muted">
            {formatCount(shownCount)} of {formatCount(traces.length)} loaded traces
          </span>
          <button type="button" onClick={() => onFilterChange(NO_FILTER)}>
            Clear filters
          </button>
        </>
      )}
    </div>
  )
}

/** Returns the error classes other than none among the traces, sorted, plus the selected one. */
function errorClassesOf(traces: TraceSummary[], selected: ErrorClassFilter): ErrorClass[] {
  const classes = new Set<ErrorClass>()
  for (const trace of traces) {
    if (trace.errorClass !== 'none') classes.add(trace.errorClass)
  }
  if (selected !== 'all' && selected !== 'errors' && selected !== 'none') classes.add(selected)
  return [...classes].sort()
}
