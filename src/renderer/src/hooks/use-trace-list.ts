import { useCallback, useEffect, useRef, useState } from 'react'
import type { TraceSummary } from '../../../shared/api'
import { MAX_LIST_IDS, type TraceListItem } from '../../../shared/trace-filter'
import type { ApiClient } from '../api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { mergeTraces } from '../merge-traces'

const PAGE_SIZE = 100

export interface TraceListState {
  traces: TraceListItem[]
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
 * Loads the newest traces that meet the filter, pages back on request and
 * keeps the list live. Without a filter, the summaries that the push channel
 * sends are merged as they are. With one, the core is asked which of the
 * pushed traces meet it, so that new traces that match appear and traces
 * that stopped matching go. `filter` is a URL query of filter parameters
 * ('' for none), or null while it is invalid, when nothing is loaded.
 */
export function useTraceList(filter: string | null): TraceListState {
  const { client, bus } = useApi()
  const [traces, setTraces] = useState<TraceListItem[]>([])
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [hasOlder, setHasOlder] = useState(false)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const tracesRef = useRef(traces)
  useEffect(() => {
    tracesRef.current = traces
  }, [traces])
  const [reloadCount, setReloadCount] = useState(0)

  // The newest page: loaded at start, on reload, when the filter changes and
  // whenever the events stream (re)connects, merged so that older pages
  // already shown stay.
  useEffect(() => {
    setTraces([])
    setHasOlder(false)
    setError(null)
    setLoading(filter !== null)
    if (filter === null) return
    let controller = new AbortController()
    let firstPage = true
    let closed = false
    const loadNewest = () => {
      controller.abort()
      controller = new AbortController()
      client.listTraces({ limit: PAGE_SIZE, filter }, controller.signal).then(
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
    const applyPush = (pushed: TraceSummary[]) => {
      if (filter === '') {
        setTraces((old) => mergeTraces(old, pushed))
        return
      }
      recheck(client, filter, pushed).then(
        (update) => {
          if (!closed) setTraces((old) => update(old))
        },
        (caught: unknown) => {
          if (!closed) setError(errorMessage(caught))
        },
      )
    }

    loadNewest()
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'traces') applyPush(message.traces)
      else if (message.type === 'connected') loadNewest()
    })
    return () => {
      closed = true
      unsubscribe()
      controller.abort()
    }
  }, [client, bus, filter, reloadCount])

  const loadOlder = useCallback(() => {
    const oldest = tracesRef.current.at(-1)
    if (oldest === undefined || filter === null) return
    setLoadingOlder(true)
    client.listTraces({ limit: PAGE_SIZE, before: oldest.startTimeUnixNano, filter }).then(
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
  }, [client, filter])

  const reload = useCallback(() => setReloadCount((count) => count + 1), [])

  return { traces, loading, error, hasOlder, loadingOlder, loadOlder, reload }
}

/**
 * Asks the core which of the pushed traces meet the filter, and returns the
 * change to the list: the matching ones merged in, the others removed. A
 * push carries up to 500 traces, so the ids go in requests of MAX_LIST_IDS.
 */
async function recheck(
  client: ApiClient,
  filter: string,
  pushed: TraceSummary[],
): Promise<(old: TraceListItem[]) => TraceListItem[]> {
  const ids = pushed.map((trace) => trace.traceId)
  if (ids.length === 0) return (old) => old
  const requests: Promise<TraceListItem[]>[] = []
  for (let start = 0; start < ids.length; start += MAX_LIST_IDS) {
    const chunk = ids.slice(start, start + MAX_LIST_IDS)
    requests.push(client.listTraces({ limit: chunk.length, filter, ids: chunk }))
  }
  const matching = (await Promise.all(requests)).flat()
  const matched = new Set(matching.map((trace) => trace.traceId))
  const pushedIds = new Set(ids)
  return (old) =>
    mergeTraces(
      old.filter((trace) => !pushedIds.has(trace.traceId) || matched.has(trace.traceId)),
      matching,
    )
}
