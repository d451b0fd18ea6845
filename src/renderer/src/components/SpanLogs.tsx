import { useMemo } from 'react'
import type { AttributeMap } from '../../../shared/api'
import type { TraceLogsState } from '../hooks/use-trace-logs'
import { formatJsonValue, formatLocalTime } from '../format'
import { traceHash } from '../route'
import { severityRange } from '../severity'
import { AttributeTable } from './AttributeTable'
import { LongText } from './LongText'

/**
 * Lists the log records logged in this span: OTLP log records that carry its
 * id, and Logfire logs (logfire.info and the other levels) whose parent it is.
 */
export function SpanLogs({ logs, spanId }: { logs: TraceLogsState; spanId: string }) {
  const records = useMemo(
    () => logs.logs.filter((record) => record.spanId === spanId),
    [logs.logs, spanId],
  )
  if (logs.error !== null) return <p className="muted">Could not load logs: {logs.error}</p>
  if (records.length === 0) return <p className="muted">No log records for this span.</p>
  return (
    <ol className="log-list" data-testid="span-logs">
      {records.map((record) => {
        const attributes =
          record.source === 'span' ? withoutLogfireKeys(record.attributes) : record.attributes
        return (
          <li
            key={record.cursor}
            className={`log severity-${severityRange(record.severityNumber)}`}
            data-testid="span-log"
          >
            <div className="log-head">
              <time dateTime={record.time} title={record.time}>
                {formatLocalTime(record.time)}
              </time>
              <span className="severity">
                {record.severityText || `severity ${record.severityNumber}`}
              </span>
              {record.eventName !== '' && <strong>{record.eventName}</strong>}
              {record.logSpanId !== null && record.traceId !== null && (
                <a
                  href={traceHash(record.traceId, record.logSpanId)}
                  className="muted"
                  title="Logfire sends its logs as spans; this selects that span"
                >
                  Logfire log
                </a>
              )}
            </div>
            <div data-testid="span-log-body">
              <LongText
                text={typeof record.body === 'string' ? record.body : formatJsonValue(record.body)}
              />
            </div>
            {Object.keys(attributes).length > 0 && <AttributeTable attributes={attributes} />}
          </li>
        )
      })}
    </ol>
  )
}

/** Leaves out the `logfire.*` keys of a Logfire log, which the line above already shows. */
function withoutLogfireKeys(attributes: AttributeMap): AttributeMap {
  const userAttributes: AttributeMap = {}
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith('logfire.')) userAttributes[key] = value
  }
  return userAttributes
}
