import { useCallback, useEffect, useState } from 'react'
import type { DashboardJson } from '../../../shared/dashboards'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { getDashboard, removePinnedChart } from '../dashboard-client'
import { rangeTimes, type DashboardRange } from '../explorer-route'

export interface DashboardState {
  dashboard: DashboardJson | null
  loading: boolean
  error: string | null
  /** Loads the panels again; a preset range moves to end now. */
  reload: () => void
  /** Removes a pinned chart, then reloads; rejects with the core's message. */
  removePinned: (id: string) => Promise<void>
}

/** Loads the dashboards page's panels for a time range. */
export function useDashboard(range: DashboardRange): DashboardState {
  const { client } = useApi()
  const [dashboard, setDashboard] = useState<DashboardJson | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    getDashboard(client, rangeTimes(range, Date.now()), controller.signal).then(
      (loaded) => {
        setDashboard(loaded)
        setError(null)
        setLoading(false)
      },
      (failure: unknown) => {
        if (isAbortError(failure)) return
        setError(errorMessage(failure))
        setLoading(false)
      },
    )
    return () => controller.abort()
  }, [client, range, generation])

  const reload = useCallback(() => setGeneration((value) => value + 1), [])
  const removePinned = useCallback(
    async (id: string) => {
      await removePinnedChart(client, id)
      setGeneration((value) => value + 1)
    },
    [client],
  )
  return { dashboard, loading, error, reload, removePinned }
}
