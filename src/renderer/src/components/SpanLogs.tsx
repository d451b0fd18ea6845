import { useMemo } from 'react'
import type { TraceLogsState } from '../hooks/use-trace-logs'
import { formatJsonValue, formatLocalTime } from '../format'
import { AttributeTable } from './AttributeTable'
import { LongText } from './LongText'

/** Lists the trace's log records that carry this span's id. */
export function SpanLogs({ logs, spanId }: { logs: TraceLogsState; spanId: string }) {
  const records = useMemo(
    () => logs.logs.filter((record) => record.spanId === spanId),
    [logs.logs, spanId],
  )
  if (logs.error !== null) return <p className="muted">Could not load logs: {logs.error}</p>
  if (records.length === 0) return <p className="muted">No log records for this span.</p>
  return (
    <ol className="log-list">
      {records.map((record, index) => (
        <li key={index} className={`log severity-${severityClass(record.severityNumber)}`}>
          <div className="log-head">
            <time dateTime={record.time} title={record.time}>
              {formatLocalTime(record.time)}
            </time>
            <span className="severity">
              {record.severityText || `severity ${record.severityNumber}`}
            </span>
            {record.eventName !== '' && <strong>{record.eventName}</strong>}
          </div>
          <LongText
            text={typeof record.body === 'string' ? record.body : formatJsonValue(record.body)}
          />
          {Object.keys(record.attributes).length > 0 && (
            <AttributeTable attributes={record.attributes} />
          )}
        </li>
      ))}
    </ol>
  )
}

/** Maps an OTel severity number (1-24) to its range: trace, debug, info, warn, error, fatal. */
function severityClass(severityNumber: number): string {
  if (severityNumber >= 21) return 'fatal'
  if (severityNumber >= 17) return 'error'
  if (severityNumber >= 13) return 'warn'
  if (severityNumber >= 9) return 'info'
  if (severityNumber >= 5) return 'debug'
  return 'trace'
}
