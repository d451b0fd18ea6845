import { useEffect, useState } from 'react'
import type { AlertJson } from '../../../shared/alerts'
import { useApi } from '../api-context'
import { alertsHash, traceHash } from '../route'
import '../alerts.css'

/** How long a toast stays up. */
const TOAST_MS = 12_000
/** Maximum number of toasts shown at once. The oldest one goes when another arrives. */
const MAX_TOASTS = 4

interface Toast {
  id: number
  alert: AlertJson
}

/**
 * Shows a toast for each alert that arrives on the push channel: the rule,
 * whether it fires or resolved, the summary, and a link to its evidence.
 */
export function AlertToasts() {
  const { bus } = useApi()
  const [toasts, setToasts] = useState<Toast[]>([])

  useEffect(() => {
    let nextId = 0
    const timers = new Set<number>()
    const unsubscribe = bus.subscribe((message) => {
      if (message.type !== 'alert') return
      const id = nextId++
      setToasts((old) => [...old, { id, alert: message.alert }].slice(-MAX_TOASTS))
      const timer = window.setTimeout(() => {
        timers.delete(timer)
        setToasts((old) => old.filter((toast) => toast.id !== id))
      }, TOAST_MS)
      timers.add(timer)
    })
    return () => {
      unsubscribe()
      for (const timer of timers) window.clearTimeout(timer)
    }
  }, [bus])

  if (toasts.length === 0) return null
  return (
    <div className="alert-toasts">
      {toasts.map(({ id, alert }) => (
        <div
          key={id}
          className={`alert-toast alert-toast-${alert.state}`}
          role={alert.state === 'firing' ? 'alert' : 'status'}
          data-testid="alert-toast"
        >
          <div className="alert-toast-head">
            <strong>
              {alert.state === 'firing' ? 'Alert firing' : 'Alert resolved'}: {alert.rule}
            </strong>
            <button
              type="button"
              aria-label="Dismiss"
              onClick={() => setToasts((old) => old.filter((toast) => toast.id !== id))}
            >
              ×
            </button>
          </div>
          <div>{alert.summary}</div>
          <a
            href={
              alert.traceIds.length === 1 ? traceHash(alert.traceIds[0]!) : alertsHash(alert.rule)
            }
          >
            {alert.traceIds.length === 1 ? 'Open the trace' : 'Show the alert'}
          </a>
        </div>
      ))}
    </div>
  )
}
