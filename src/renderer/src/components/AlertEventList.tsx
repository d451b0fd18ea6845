import type { AlertEvent } from '../../../shared/alerts'
import { formatLocalTime } from '../format'
import { alertsHash } from '../route'
import { DeliveryList, TraceLinks } from './AlertTestOutcome'

/** Lists the recent alerts, newest first, with the traces and delivery results of each. */
export function AlertEventList({ events }: { events: AlertEvent[] }) {
  if (events.length === 0) return <p className="muted">No alert yet.</p>
  return (
    <ol className="alert-events" data-testid="alert-events">
      {events.map((event) => (
        <li key={event.id} className="alert-event" data-testid="alert-event">
          <div className="alert-event-head">
            <time dateTime={event.alert.time}>{formatLocalTime(event.alert.time)}</time>
            <a href={alertsHash(event.alert.rule)}>{event.alert.rule}</a>
            <AlertStateBadge state={event.alert.state} />
          </div>
          <div>{event.alert.summary}</div>
          <TraceLinks alert={event.alert} />
          {event.deliveries.length === 0 ? (
            <div className="muted">Delivering…</div>
          ) : (
            <DeliveryList deliveries={event.deliveries} />
          )}
        </li>
      ))}
    </ol>
  )
}

const STATE_TITLES: Record<string, string> = {
  firing: 'The condition is true',
  resolved: 'The condition stopped being true',
  ok: 'The condition was false at the last evaluation',
  unknown: 'Not evaluated yet, or every evaluation failed',
  disabled: 'The rule is not evaluated',
}

export function AlertStateBadge({ state }: { state: string }) {
  return (
    <span className={`badge alert-state alert-state-${state}`} title={STATE_TITLES[state]}>
      {state}
    </span>
  )
}
