import { useEffect, useState } from 'react'
import type { RunJson } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { upsertRun } from '../playground-form'

/** Minimum time between two reloads while spans of runs keep arriving. */
const RELOAD_INTERVAL_MS = 1_000

export interface RunsState {
  runs: RunJson[]
  loading: boolean
  error: string | null
}

/**
 * Loads the stored runs, newest first, and keeps them current: runs that
 * start or end arrive on the push channel, and the totals (traces, tokens,
 * cost) reload at most once a second while traces change.
 */
export function useRuns(): RunsState {
  const { client, bus } = useApi()
  const [state, setState] = useState<RunsState>({ runs: [], loading: true, error: null })

  useEffect(() => {
    let controller = new AbortController()
    let reloadTimer: number | undefined
    const load = () => {
      controller.abort()
      controller = new AbortController()
      client.listRuns(controller.signal).then(
        (runs) => setState({ runs, loading: false, error: null }),
        (error: unknown) => {
          if (isAbortError(error)) return
          setState((old) => ({ ...old, loading: false, error: errorMessage(error) }))
        },
      )
    }
    const scheduleReload = () => {
      if (reloadTimer !== undefined) return
      reloadTimer = window.setTimeout(() => {
        reloadTimer = undefined
        load()
      }, RELOAD_INTERVAL_MS)
    }

    load()
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'run') {
        setState((old) => ({ ...old, runs: upsertRun(old.runs, message.run) }))
      } else if (
        message.type === 'traces' ||
        (message.type === 'connected' && message.reconnected)
      ) {
        scheduleReload()
      }
    })
    return () => {
      unsubscribe()
      window.clearTimeout(reloadTimer)
      controller.abort()
    }
  }, [client, bus])

  return state
}
