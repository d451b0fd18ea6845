import type { AttributeMap, SpanEventJson } from '../../../shared/api'
import { formatDuration, nanosToIso } from '../format'
import { AttributeTable } from './AttributeTable'
import { DroppedCount } from './DroppedCount'
import { LongText } from './LongText'

/** Attribute keys of an OTel exception event, shown as a stack trace rather than in the table. */
const EXCEPTION_KEYS = ['exception.type', 'exception.message', 'exception.stacktrace']

/** Lists the span's events in order, each with its offset from the span's start and its attributes. */
export function EventList({
  events,
  spanStartUnixNano,
}: {
  events: SpanEventJson[]
  spanStartUnixNano: string
}) {
  return (
    <ol className="event-list">
      {events.map((event, index) => (
        <li key={index} className={event.name === 'exception' ? 'event exception' : 'event'}>
          <div className="event-head">
            <strong>{event.name || '(no name)'}</strong>
            <span className="muted" title={nanosToIso(event.timeUnixNano)}>
              {offsetFromStart(event.timeUnixNano, spanStartUnixNano)}
            </span>
          </div>
          {event.name === 'exception' ? (
            <ExceptionView attributes={event.attributes} />
          ) : (
            Object.keys(event.attributes).length > 0 && (
              <AttributeTable attributes={event.attributes} />
            )
          )}
          <DroppedCount count={event.droppedAttributesCount} noun="attribute" />
        </li>
      ))}
    </ol>
  )
}

function ExceptionView({ attributes }: { attributes: AttributeMap }) {
  const type = attributes['exception.type']
  const message = attributes['exception.message']
  const stacktrace = attributes['exception.stacktrace']
  const rest = Object.fromEntries(
    Object.entries(attributes).filter(([key]) => !EXCEPTION_KEYS.includes(key)),
  )
  return (
    <div className="exception" data-testid="exception">
      <div className="exception-title">
        <span className="exception-type">{textOf(type) ?? 'Exception'}</span>
        {message !== undefined && <span className="exception-message">: {textOf(message)}</span>}
      </div>
      {stacktrace !== undefined && (
        <div className="stacktrace">
          <LongText text={textOf(stacktrace) ?? ''} />
        </div>
      )}
      {Object.keys(rest).length > 0 && <AttributeTable attributes={rest} />}
    </div>
  )
}

function textOf(value: AttributeMap[string] | undefined): string | undefined {
  if (value === undefined) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function offsetFromStart(timeUnixNano: string, startUnixNano: string): string {
  try {
    const deltaNanos = BigInt(timeUnixNano) - BigInt(startUnixNano)
    const deltaMs = Number(deltaNanos) / 1e6
    return `${deltaMs < 0 ? '' : '+'}${formatDuration(deltaMs)}`
  } catch {
    return nanosToIso(timeUnixNano)
  }
}
