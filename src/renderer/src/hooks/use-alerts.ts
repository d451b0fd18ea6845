import { useCallback, useEffect, useState } from 'react'
import type { AlertEvent, AlertRule, AlertsOverview, AlertTestResult } from '../../../shared/alerts'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

/** Time between reloads while the page is open, so that "last evaluated" stays current. */
const REFRESH_INTERVAL_MS = 10_000

export interface AlertsState {
  overview: AlertsOverview | null
  /** The newest alerts first, of the selected rule when there is one. */
  events: AlertEvent[]
  /** Failure of loading the rules or the alerts. */
  loadError: string | null
  /** Saves a rule. Rejects with the core's message and problems when it is invalid. */
  save: (replacedName: string | null, rule: AlertRule) => Promise<void>
  remove: (name: string) => Promise<void>
  test: (rule: AlertRule, deliver: boolean) => Promise<AlertTestResult>
  evaluate: () => Promise<void>
}

/**
 * Loads the alert rules with their states and the recent alerts, and keeps
 * them current: an alert on the push channel reloads both, and they reload
 * every 10 s while the page is open.
 */
export function useAlerts(rule: string | null): AlertsState {
  const { client, bus } = useApi()
  const [overview, setOverview] = useState<AlertsOverview | null>(null)
  const [events, setEvents] = useState<AlertEvent[]>([])
  const [loadError, setLoadError] = useState<string | null>(null)
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    Promise.all([
      client.getAlerts(controller.signal),
      client.listAlertEvents(rule, controller.signal),
    ]).then(
      ([loaded, recent]) => {
        setOverview(loaded)
        setEvents(recent)
        setLoadError(null)
      },
      (error: unknown) => {
        if (!isAbortError(error)) setLoadError(errorMessage(error))
      },
    )
    return () => controller.abort()
  }, [client, rule, generation])

  useEffect(() => {
    const reload = () => setGeneration((old) => old + 1)
    const timer = window.setInterval(reload, REFRESH_INTERVAL_MS)
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'alert' || message.type === 'connected') reload()
    })
    return () => {
      window.clearInterval(timer)
      unsubscribe()
    }
  }, [bus])

  const save = useCallback(
    async (replacedName: string | null, saved: AlertRule) => {
      setOverview(await client.saveAlertRule(replacedName, saved))
    },
    [client],
  )
  const remove = useCallback(
    async (name: string) => setOverview(await client.deleteAlertRule(name)),
    [client],
  )
  const test = useCallback(
    (tested: AlertRule, deliver: boolean) => client.testAlertRule(tested, deliver),
    [client],
  )
  const evaluate = useCallback(async () => {
    setOverview(await client.evaluateAlerts())
    setGeneration((old) => old + 1)
  }, [client])

  return { overview, events, loadError, save, remove, test, evaluate }
}
