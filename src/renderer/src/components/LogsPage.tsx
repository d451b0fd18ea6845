import { useState } from 'react'
import type { LogEntryJson, LogQuery } from '../../../shared/logs'
import { formatJsonValue, formatLocalTime } from '../format'
import { useApi } from '../api-context'
import { useCursorPages } from '../hooks/use-cursor-pages'
import { useDebouncedText } from '../hooks/use-debounced-text'
import { useSessionState } from '../hooks/use-session-state'
import { traceHash } from '../route'
import { getLogPage } from '../tail-logs-sessions-api'
import { severityRange } from '../severity'
import { CursorPageList } from './CursorPageList'
import { ServiceSelect } from './ServiceSelect'
import '../tail-logs-sessions.css'

/** The logs view's filters, kept for the browser tab. */
interface LogFilters {
  /** Lowest severity number shown, or 0 for all. */
  minSeverity: number
  text: string
  service: string
  /** Only records of the last this many minutes, or 0 for any time. */
  withinMinutes: number
}

const NO_LOG_FILTERS: LogFilters = { minSeverity: 0, text: '', service: '', withinMinutes: 0 }

const SEVERITIES: [number, string][] = [
  [0, 'all severities'],
  [5, 'debug and above'],
  [9, 'info and above'],
  [13, 'warn and above'],
  [17, 'error and above'],
  [21, 'fatal'],
]

const TIME_RANGES: [number, string][] = [
  [0, 'any time'],
  [15, 'last 15 minutes'],
  [60, 'last hour'],
  [24 * 60, 'last 24 hours'],
  [7 * 24 * 60, 'last 7 days'],
]

const PAGE_SIZE = 100

/**
 * Lists OTLP log records and Logfire logs together, newest first, with
 * filters on severity, text, service and time, and older pages on request.
 * Each record links to the span it was logged in.
 */
export function LogsPage() {
  const { client } = useApi()
  const [filters, setFilters] = useSessionState<LogFilters>(
    'loupe.logFilters',
    NO_LOG_FILTERS,
    isLogFilters,
  )
  const [text, setText] = useDebouncedText(filters, setFilters)
  const [services, setServices] = useState<string[]>([])

  const pages = useCursorPages<LogEntryJson>(JSON.stringify(filters), async (before, signal) => {
    const query: LogQuery = { limit: PAGE_SIZE }
    if (filters.minSeverity > 0) query.minSeverity = filters.minSeverity
    if (filters.text.trim() !== '') query.text = filters.text.trim()
    if (filters.service !== '') query.service = filters.service
    if (filters.withinMinutes > 0)
      query.since = new Date(Date.now() - filters.withinMinutes * 60_000).toISOString()
    if (before !== null) query.before = before
    const page = await getLogPage(client, query, signal)
    setServices(page.services)
    return { items: page.records, nextBefore: page.nextBefore }
  })

  return (
    <main className="page list-page logs-page">
      <div className="list-toolbar">
        <h1>Logs</h1>
        <button type="button" onClick={pages.reload} title="Load the newest records again">
          Refresh
        </button>
      </div>
      <div className="trace-filters" role="search">
        <NumberSelect
          label="Severity"
          value={filters.minSeverity}
          choices={SEVERITIES}
          onChange={(minSeverity) => setFilters({ ...filters, minSeverity })}
        />
        <ServiceSelect
          services={services}
          value={filters.service}
          onChange={(service) => setFilters({ ...filters, service })}
        />
        <NumberSelect
          label="Time"
          value={filters.withinMinutes}
          choices={TIME_RANGES}
          onChange={(withinMinutes) => setFilters({ ...filters, withinMinutes })}
        />
        <input
          type="search"
          className="trace-text-filter"
          aria-label="Filter logs by text"
          placeholder="Filter by message text or event name"
          value={text}
          onChange={(event) => setText(event.target.value)}
          spellCheck={false}
        />
      </div>
      <CursorPageList
        pages={pages}
        noun="logs"
        empty={
          <p className="muted" data-testid="logs-empty">
            No log records match. Loupe shows OTLP log records and Logfire logs (logfire.info and
            the other levels).
          </p>
        }
        olderLabel="Load older records"
      >
        {(records) => <LogTable records={records} />}
      </CursorPageList>
    </main>
  )
}

/** Renders a labeled select over numeric choices, each a value and its label. */
function NumberSelect({
  label,
  value,
  choices,
  onChange,
}: {
  label: string
  value: number
  choices: [number, string][]
  onChange: (value: number) => void
}) {
  return (
    <label>
      {label}
      <select
        aria-label={`Filter by ${label.toLowerCase()}`}
        value={value}
        onChange={(event) => onChange(Number(event.target.value))}
      >
        {choices.map(([choice, choiceLabel]) => (
          <option key={choice} value={choice}>
            {choiceLabel}
          </option>
        ))}
      </select>
    </label>
  )
}

function LogTable({ records }: { records: LogEntryJson[] }) {
  return (
    <table className="trace-table logs-table">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Severity</th>
          <th scope="col">Message</th>
          <th scope="col">Service</th>
          <th scope="col">Span</th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <LogRow key={record.cursor} record={record} />
        ))}
      </tbody>
    </table>
  )
}

function LogRow({ record }: { record: LogEntryJson }) {
  const linkSpan = record.logSpanId ?? record.spanId
  const body = typeof record.body === 'string' ? record.body : formatJsonValue(record.body)
  return (
    <tr className={`severity-${severityRange(record.severityNumber)}`} data-testid="log-row">
      <td>
        <time dateTime={record.time} title={record.time}>
          {formatLocalTime(record.time)}
        </time>
      </td>
      <td>
        <span className="severity">
          {record.severityText || `severity ${record.severityNumber}`}
        </span>
        <div className="log-source muted">
          {record.source === 'span' ? 'Logfire log' : 'OTLP record'}
        </div>
      </td>
      <td className="log-body" data-testid="log-body">
        {record.eventName !== '' && <strong>{record.eventName} </strong>}
        {body.length > 2000 ? `${body.slice(0, 2000)}…` : body}
      </td>
      <td>{record.serviceName ?? <span className="muted">unknown</span>}</td>
      <td>
        {record.traceId !== null ? (
          <a
            href={traceHash(record.traceId, linkSpan)}
            title={
              record.source === 'span'
                ? 'Open the Logfire log in its trace'
                : 'Open the span this record was logged in'
            }
            data-testid="log-trace-link"
          >
            <code>{record.traceId.slice(0, 8)}</code>
            {linkSpan !== null && (
              <>
                {' / '}
                <code>{linkSpan.slice(0, 8)}</code>
              </>
            )}
          </a>
        ) : (
          <span className="muted">no trace</span>
        )}
      </td>
    </tr>
  )
}

function isLogFilters(value: unknown): value is LogFilters {
  return (
    typeof value === 'object' &&
    value !== null &&
    'minSeverity' in value &&
    typeof value.minSeverity === 'number' &&
    'text' in value &&
    typeof value.text === 'string' &&
    'service' in value &&
    typeof value.service === 'string' &&
    'withinMinutes' in value &&
    typeof value.withinMinutes === 'number'
  )
}
