import { memo, type KeyboardEvent, type ReactNode } from 'react'
import type { TraceSummary } from '../../../shared/api'
import type { TraceListItem } from '../../../shared/trace-filter'
import {
  formatCacheTokens,
  formatCount,
  formatDuration,
  formatLocalTime,
  pluralize,
} from '../format'
import { costText } from '../genai/figures'
import { navigate } from '../navigation'
import { traceHash } from '../route'
import { isPending, rootLabel, type TraceSort, type TraceSortKey } from '../trace-list-view'
import { ErrorClassBadge } from './ErrorClassBadge'
import { StatusBadge } from './StatusBadge'
import { TextMatchRow } from './TextMatchRow'

interface SortField {
  key: TraceSortKey
  label: string
}

interface Column {
  /** One sort button per field; a column that shows two figures sorts by either. */
  fields: SortField[]
  numeric?: boolean
  title?: string
}

// The first five columns keep their order: scripts and tests read the span
// count as the fifth cell.
const COLUMNS: Column[] = [
  { fields: [{ key: 'name', label: 'Root span' }] },
  { fields: [{ key: 'service', label: 'Service' }] },
  { fields: [{ key: 'start', label: 'Start' }] },
  { fields: [{ key: 'duration', label: 'Duration' }], numeric: true },
  { fields: [{ key: 'spans', label: 'Spans' }], numeric: true },
  {
    fields: [
      { key: 'agent', label: 'Agent' },
      { key: 'model', label: 'Model' },
    ],
  },
  {
    fields: [{ key: 'tokens', label: 'Tokens' }],
    numeric: true,
    title: 'Input / output tokens, then cache reads and writes when there are any',
  },
  { fields: [{ key: 'cost', label: 'Cost' }], numeric: true },
  {
    fields: [
      { key: 'errorClass', label: 'Error class' },
      { key: 'status', label: 'Status' },
    ],
  },
]

/**
 * Renders the trace list as a table whose column headers sort it. A row
 * opens its trace on click or Enter, and the arrow keys move between rows.
 * A trace that a text search matched gets a second row with the snippet, and
 * opens at the matching span.
 */
export function TraceTable({
  traces,
  sort,
  onSortChange,
}: {
  traces: TraceListItem[]
  sort: TraceSort
  onSortChange: (key: TraceSortKey) => void
}) {
  return (
    <table className="trace-table">
      <thead>
        <tr>
          {COLUMNS.map((column) => (
            <SortableHeader
              key={column.fields[0]!.key}
              column={column}
              sort={sort}
              onSortChange={onSortChange}
            />
          ))}
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

function SortableHeader({
  column,
  sort,
  onSortChange,
}: {
  column: Column
  sort: TraceSort
  onSortChange: (key: TraceSortKey) => void
}) {
  const active = column.fields.find((field) => field.key === sort.key)
  let ariaSort: 'none' | 'ascending' | 'descending' = 'none'
  if (active !== undefined) ariaSort = sort.direction === 'asc' ? 'ascending' : 'descending'
  const arrow = sort.direction === 'asc' ? '▲' : '▼'
  return (
    <th
      scope="col"
      className={column.numeric ? 'number' : undefined}
      aria-sort={ariaSort}
      title={column.title}
    >
      {column.fields.map((field, index) => (
        <span key={field.key}>
          {index > 0 && <span className="sort-separator"> / </span>}
          <button
            type="button"
            className={field === active ? 'sort-button active' : 'sort-button'}
            onClick={() => onSortChange(field.key)}
            data-testid={`sort-${field.key}`}
          >
            {field.label}
            <span className="sort-arrow" aria-hidden="true">
              {field === active ? arrow : ''}
            </span>
          </button>
        </span>
      ))}
    </th>
  )
}

const TraceRow = memo(function TraceRow({ trace }: { trace: TraceListItem }) {
  const href = traceHash(trace.traceId, trace.match?.spanId)
  const failed = trace.status === 'error'
  const pending = isPending(trace)
  const label = rootLabel(trace)

  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.key === 'Enter' && event.target === event.currentTarget) {
      navigate(href)
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const sibling = nextTraceRow(event.currentTarget, event.key === 'ArrowDown')
      if (sibling instanceof HTMLElement) sibling.focus()
      event.preventDefault()
    }
  }

  return (
    <>
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
          <a
            href={href}
            tabIndex={-1}
            title={
              label !== trace.rootName && trace.rootName !== ''
                ? `Span name: ${trace.rootName}`
                : undefined
            }
          >
            {label || '(no name)'}
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
        <td className="trace-service" title={trace.serviceName ?? undefined}>
          {trace.serviceName ?? <span className="muted">unknown</span>}
        </td>
        <td className="trace-start">
          <time dateTime={trace.startTime} title={trace.startTime}>
            {formatLocalTime(trace.startTime)}
          </time>
        </td>
        <td className="number">{formatDuration(trace.durationMs)}</td>
        <td className="number">{formatCount(trace.spanCount)}</td>
        <td className="trace-agent" title={[trace.agentName, ...trace.models].join('\n')}>
          {trace.agentName !== null && <span className="agent-name">{trace.agentName}</span>}
          {trace.models.length > 0 && (
            <span className="model-names">
              {trace.models[0]}
              {trace.models.length > 1 && ` +${formatCount(trace.models.length - 1)}`}
            </span>
          )}
        </td>
        <td className="number trace-tokens" data-testid="trace-row-tokens">
          {pendingOr(pending, trace.modelCalls > 0 ? <TokenCell trace={trace} /> : '')}
        </td>
        <td
          className={
            trace.costUsd === null && trace.unpricedCalls > 0 ? 'number unpriced' : 'number'
          }
          data-testid="trace-row-cost"
        >
          {pendingOr(
            pending,
            trace.modelCalls > 0 ? costText(trace.costUsd, trace.unpricedCalls) : '',
          )}
        </td>
        <td className="trace-status" data-testid="trace-row-error-class">
          {pendingOr(pending, <ErrorClassBadge errorClass={trace.errorClass} />)}
          <span className="status-line">
            <StatusBadge status={trace.status} />
            {trace.errorCount > 0 && (
              <span className={failed ? 'error-count' : 'error-count minor'}>
                {pluralize(trace.errorCount, 'error')}
              </span>
            )}
          </span>
        </td>
      </tr>
      {trace.match !== undefined && (
        <TextMatchRow match={trace.match} href={href} columns={COLUMNS.length} />
      )}
    </>
  )
})

/** Returns the next (or previous) trace row, skipping the snippet rows of text matches. */
function nextTraceRow(row: Element, down: boolean): Element | null {
  let sibling = down ? row.nextElementSibling : row.previousElementSibling
  while (sibling !== null && !sibling.classList.contains('trace-row')) {
    sibling = down ? sibling.nextElementSibling : sibling.previousElementSibling
  }
  return sibling
}

/** Input and output tokens on one line, cache reads and writes under them when non-zero. */
function TokenCell({ trace }: { trace: TraceSummary }) {
  const cache = formatCacheTokens(trace)
  return (
    <>
      {formatCount(trace.inputTokens)} in / {formatCount(trace.outputTokens)} out
      {cache !== '' && <span className="token-cache">{cache}</span>}
    </>
  )
}

function pendingOr(pending: boolean, content: ReactNode): ReactNode {
  if (!pending) return content
  return (
    <span className="pending" title="Loupe is still normalizing this trace's spans">
      pending
    </span>
  )
}
