import { useEffect, useState } from 'react'
import type { TraceTree, TreeSpan } from '../../../shared/api'
import type { TraceTreePage } from '../../../shared/tree-page'
import { ApiError, errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { buildTree, type SpanTree } from '../tree/build-tree'

/** Minimum time between two reloads of an open trace while its spans keep arriving. */
const RELOAD_INTERVAL_MS = 1_000
/** Spans in the first page: enough to fill the screen, small enough to draw at once. */
const FIRST_PAGE_SPANS = 1_000
/**
 * Spans in each later page. Every page rebuilds the tree from all spans so
 * far, so large pages keep the number of rebuilds of a big trace low.
 */
const NEXT_PAGE_SPANS = 10_000

/** How far the first load of a trace has got while its later pages arrive. */
export interface TreeLoadProgress {
  loadedSpans: number
  totalSpans: number
}

export interface TraceTreeState {
  data: TraceTree | null
  tree: SpanTree | null
  loading: boolean
  error: string | null
  notFound: boolean
  /** Counts successful loads, so that data derived from the trace (logs) can reload with it. */
  version: number
  /** Set while the first load of the trace still fetches pages; null once all arrived. */
  progress: TreeLoadProgress | null
}

const INITIAL_STATE: TraceTreeState = {
  data: null,
  tree: null,
  loading: true,
  error: null,
  notFound: false,
  version: 0,
  progress: null,
}

/**
 * Loads a trace's span tree page by page and reloads it, at most once per
 * RELOAD_INTERVAL_MS, while the push channel reports changes to the trace.
 * The first load shows each page as it arrives. A reload keeps the previous
 * tree on screen until its last page has arrived.
 *
 * The pages of one load list only the spans stored when its first page was
 * read, because the server's cursor fixes that bound. So spans that arrive
 * meanwhile are neither listed twice nor lost: the change they cause queues
 * a reload, which runs once the current load ends.
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

    let treeShown = false

    const show = (page: TraceTreePage, spans: TreeSpan[], done: boolean, newVersion: boolean) => {
      const data: TraceTree = { trace: page.trace, spans }
      const tree = buildTree(spans)
      treeShown = true
      setState((old) => ({
        data,
        tree,
        loading: false,
        error: null,
        notFound: false,
        version: newVersion ? old.version + 1 : old.version,
        progress: done ? null : { loadedSpans: spans.length, totalSpans: page.total },
      }))
    }

    const loadPages = async (signal: AbortSignal) => {
      const progressive = !treeShown
      let page = await client.getTraceTreePage(traceId, { limit: FIRST_PAGE_SPANS }, signal)
      const spans = [...page.spans]
      if (progressive && page.nextCursor !== null) show(page, spans.slice(), false, true)
      while (page.nextCursor !== null) {
        const request = { limit: NEXT_PAGE_SPANS, after: page.nextCursor }
        page = await client.getTraceTreePage(traceId, request, signal)
        for (const span of page.spans) spans.push(span)
        if (progressive && page.nextCursor !== null) show(page, spans.slice(), false, false)
      }
      show(page, spans, true, true)
    }

    const load = () => {
      if (controller !== null) {
        // One load at a time; run again once it is done.
        loadPending = true
        return
      }
      const current = new AbortController()
      controller = current
      lastLoadStarted = Date.now()
      loadPages(current.signal)
        .catch((error: unknown) => {
          if (isAbortError(error)) return
          const notFound = error instanceof ApiError && error.isNotFound
          setState((old) => ({
            ...old,
            loading: false,
            error: errorMessage(error),
            notFound,
            progress: null,
          }))
        })
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
