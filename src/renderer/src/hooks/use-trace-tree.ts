import { useEffect, useState } from 'react'
import type { TraceTree } from '../../../shared/api'
import { ApiError, errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { buildTree, type SpanTree } from '../tree/build-tree'

/** Minimum time between two reloads of an open trace while its spans keep arriving. */
const RELOAD_INTERVAL_MS = 1_000

export interface TraceTreeState {
  data: TraceTree | null
  tree: SpanTree | null
  loading: boolean
  error: string | null
  notFound: boolean
  /** Counts successful loads, so that data derived from the trace (logs) can reload with it. */
  version: number
}

const INITIAL_STATE: TraceTreeState = {
  data: null,
  tree: null,
  loading: true,
  error: null,
  notFound: false,
  version: 0,
}

/**
 * Loads a trace's span tree and reloads it, at most once per
 * RELOAD_INTERVAL_MS, while the push channel reports changes to the trace.
 * The previous tree stays on screen during a reload.
 */
export function useTraceTree(traceId: string): TraceTreeState {
  const { client, bus } = useApi()
  const [state, setState] = useState<TraceTreeState>(INITIAL_STATE)

  useEffect(() => {
    setState(INITIAL_STATE)
    let controller: AbortController | null = null
    let lastLoadStarted = 0
    let reloadTimer: number | undefined
    let loadPending = false

    const load = () => {
      if (controller !== null) {
        // One load at a time; run again once it is done.
        loadPending = true
        return
      }
      const current = new AbortController()
      controller = current
      lastLoadStarted = Date.now()
      client
        .getTraceTree(traceId, current.signal)
        .then(
          (data) => {
            const tree = buildTree(data.spans)
            setState((old) => ({
              data,
              tree,
              loading: false,
              error: null,
              notFound: false,
              version: old.version + 1,
            }))
          },
          (error: unknown) => {
            if (isAbortError(error)) return
            const notFound = error instanceof ApiError && error.isNotFound
            setState((old) => ({ ...old, loading: false, error: errorMessage(error), notFound }))
          },
        )
        .finally(() => {
          if (controller !== current) return
          controller = null
          if (loadPending) {
            loadPending = false
            scheduleReload()
          }
        })
    }

    const scheduleReload = () => {
      if (reloadTimer !== undefined) return
      const wait = Math.max(0, lastLoadStarted + RELOAD_INTERVAL_MS - Date.now())
      reloadTimer = window.setTimeout(() => {
        reloadTimer = undefined
        load()
      }, wait)
    }

    load()
    const unsubscribe = bus.subscribe((message) => {
      // Only a reconnect can have missed changes; the first connect races
      // with the first load, and a second load of a big trace is costly.
      if (message.type === 'connected' && message.reconnected) scheduleReload()
      if (message.type !== 'traces') return
      if (message.traces.some((trace) => trace.traceId === traceId)) scheduleReload()
    })
    return () => {
      unsubscribe()
      window.clearTimeout(reloadTimer)
      controller?.abort()
      controller = null
    }
  }, [client, bus, traceId])

  return state
}
