import type { AlertJson, AlertTestResult, DeliveryResult } from '../../../shared/alerts'
import { traceHash } from '../route'

/** Shows the outcome of testing a rule: whether it fires now, why, and the traces that show it. */
export function AlertTestOutcome({ result }: { result: AlertTestResult }) {
  return (
    <div
      className={`alert-test ${result.firing ? 'alert-firing' : 'alert-quiet'}`}
      data-testid="alert-test-outcome"
      role="status"
    >
      <strong>{result.firing ? 'Fires now' : 'Does not fire now'}</strong>
      <span>{result.alert.summary}</span>
      <TraceLinks alert={result.alert} />
      <DeliveryList deliveries={result.deliveries} />
    </div>
  )
}

/** Links to the traces that an alert names. */
export function TraceLinks({ alert }: { alert: AlertJson }) {
  if (alert.traceIds.length === 0) return null
  return (
    <span className="alert-traces">
      {alert.traceIds.length === 1 ? 'Trace ' : 'Traces '}
      {alert.traceIds.map((traceId, index) => (
        <span key={traceId}>
          {index > 0 && ', '}
          <a href={traceHash(traceId)} className="mono">
            {traceId.slice(0, 12)}…
          </a>
        </span>
      ))}
    </span>
  )
}

/** Lists the outcome of each delivery of an alert. */
export function DeliveryList({ deliveries }: { deliveries: DeliveryResult[] }) {
  if (deliveries.length === 0) return null
  return (
    <ul className="alert-deliveries-result">
      {deliveries.map((delivery) => (
        <li key={delivery.channel} className={delivery.ok ? 'ok' : 'failed'}>
          {delivery.channel}: {delivery.ok ? 'delivered' : `failed, ${delivery.error ?? ''}`}
          {delivery.channel === 'command' && delivery.stderr ? (
            <pre className="alert-stderr">{delivery.stderr}</pre>
          ) : null}
        </li>
      ))}
    </ul>
  )
}
