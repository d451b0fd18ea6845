import { useEffect, useState } from 'react'
import type { RunJson } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { upsertRun, withPushedRuns } from '../playground-form'

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
    // Runs pushed while a load is in flight, because the loaded list may be older than they are.
    let pushedDuringLoad = new Map<string, RunJson>()
    const load = () => {
      controller.abort()
      controller = new AbortController()
      pushedDuringLoad = new Map()
      const pushed = pushedDuringLoad
      client.listRuns(controller.signal).then(
        (runs) => setState({ runs: withPushedRuns(runs, pushed), loading: false, error: null }),
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
        pushedDuringLoad.set(message.run.id, message.run)
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
