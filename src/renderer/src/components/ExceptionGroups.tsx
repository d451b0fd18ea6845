import type { TraceExceptionsState } from '../hooks/use-trace-exceptions'
import { formatCount, shortenFrame } from '../format'
import { traceHash } from '../route'

/** Span links shown per group before the rest is folded into a count. */
const MAX_SPAN_LINKS = 5

/**
 * Lists the trace's exceptions grouped by type and the frame that raised them,
 * each with its count and links that select the spans that recorded it.
 */
export function ExceptionGroups({
  traceId,
  exceptions,
}: {
  traceId: string
  exceptions: TraceExceptionsState
}) {
  if (exceptions.error !== null) {
    return <p className="muted">Could not load the exceptions: {exceptions.error}</p>
  }
  const { groups } = exceptions
  if (groups.length === 0) return null
  const total = groups.reduce((sum, group) => sum + group.count, 0)
  return (
    <details className="exception-groups" open data-testid="exception-groups">
      <summary>
        Exceptions ({formatCount(total)}
        {groups.length > 1 ? ` in ${formatCount(groups.length)} groups` : ''})
      </summary>
      <ul>
        {groups.map((group, index) => (
          <li key={index} data-testid="exception-group">
            <code className="exception-type">{group.type}</code>
            <span className="exception-count">×{formatCount(group.count)}</span>
            {group.frame !== null ? (
              <code
                className="exception-frame"
                title={`Raised at ${group.frame}, the innermost frame of the stack trace`}
              >
                {shortenFrame(group.frame)}
              </code>
            ) : (
              <span className="exception-frame">no stack trace</span>
            )}
            <span className="exception-group-message" title={group.message}>
              {group.message}
            </span>
            <div className="exception-spans">
              {group.spanIds.slice(0, MAX_SPAN_LINKS).map((spanId) => (
                <a key={spanId} href={traceHash(traceId, spanId)}>
                  span <code>{spanId}</code>
                </a>
              ))}
              {group.spanIds.length > MAX_SPAN_LINKS && (
                <span className="muted">
                  and {formatCount(group.spanIds.length - MAX_SPAN_LINKS)} more
                </span>
              )}
            </div>
          </li>
        ))}
      </ul>
    </details>
  )
}
