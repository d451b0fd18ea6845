import { useCallback, useEffect, useRef, useState } from 'react'
import type { TraceSummary } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { mergeTraces } from '../merge-traces'

const PAGE_SIZE = 100

export interface TraceListState {
  traces: TraceSummary[]
  /** True until the first page has loaded. */
  loading: boolean
  error: string | null
  /** True when the last page was full, so older traces may exist. */
  hasOlder: boolean
  loadingOlder: boolean
  loadOlder: () => void
  reload: () => void
}

/**
 * Loads the newest traces, pages back on request and merges the summaries
 * that the push channel sends, so that the list is live without reloads.
 */
export function useTraceList(): TraceListState {
  const { client, bus } = useApi()
  const [traces, setTraces] = useState<TraceSummary[]>([])
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [hasOlder, setHasOlder] = useState(false)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const tracesRef = useRef(traces)
  useEffect(() => {
    tracesRef.current = traces
  }, [traces])
  const [reloadCount, setReloadCount] = useState(0)

  // The newest page: loaded at start, on reload and whenever the events
  // stream (re)connects, merged so that older pages already shown stay.
  useEffect(() => {
    let controller = new AbortController()
    let firstPage = true
    const loadNewest = () => {
      controller.abort()
      controller = new AbortController()
      client.listTraces({ limit: PAGE_SIZE }, controller.signal).then(
        (page) => {
          setTraces((old) => mergeTraces(old, page))
          if (firstPage) setHasOlder(page.length === PAGE_SIZE)
          firstPage = false
          setError(null)
          setLoading(false)
        },
        (caught: unknown) => {
          if (isAbortError(caught)) return
          setError(errorMessage(caught))
          setLoading(false)
        },
      )
    }

    loadNewest()
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'traces') setTraces((old) => mergeTraces(old, message.traces))
      else if (message.type === 'connected') loadNewest()
    })
    return () => {
      unsubscribe()
      controller.abort()
    }
  }, [client, bus, reloadCount])

  const loadOlder = useCallback(() => {
    const oldest = tracesRef.current.at(-1)
    if (oldest === undefined) return
    setLoadingOlder(true)
    client.listTraces({ limit: PAGE_SIZE, before: oldest.startTimeUnixNano }).then(
      (page) => {
        setTraces((old) => mergeTraces(old, page))
        setHasOlder(page.length === PAGE_SIZE)
        setLoadingOlder(false)
      },
      (caught: unknown) => {
        setError(errorMessage(caught))
        setLoadingOlder(false)
      },
    )
  }, [client])

  const reload = useCallback(() => setReloadCount((count) => count + 1), [])

  return { traces, loading, error, hasOlder, loadingOlder, loadOlder, reload }
}
