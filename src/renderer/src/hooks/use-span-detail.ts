import { useEffect, useState } from 'react'
import type { SpanJson } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

/** Delay before fetching, so that holding an arrow key in the tree does not send a request per row. */
const FETCH_DELAY_MS = 80

export interface SpanDetailState {
  spans: SpanJson[] | null
  loading: boolean
  error: string | null
}

interface LoadedDetail {
  /** The span id this result belongs to, so that another span's result is never shown. */
  spanId: string
  spans: SpanJson[] | null
  error: string | null
}

/**
 * Fetches the full spans stored under `spanId` (more than one when the id is
 * duplicated). A change of `version` refetches while still showing the
 * previous result; a change of span shows nothing until its own result.
 */
export function useSpanDetail(traceId: string, spanId: string, version = 0): SpanDetailState {
  const { client } = useApi()
  const [loaded, setLoaded] = useState<LoadedDetail | null>(null)
  const [pending, setPending] = useState(true)

  useEffect(() => {
    setPending(true)
    const controller = new AbortController()
    const timer = window.setTimeout(() => {
      client.getSpans(traceId, spanId, controller.signal).then(
        (spans) => {
          setLoaded({ spanId, spans, error: null })
          setPending(false)
        },
        (error: unknown) => {
          if (isAbortError(error)) return
          setLoaded({ spanId, spans: null, error: errorMessage(error) })
          setPending(false)
        },
      )
    }, FETCH_DELAY_MS)
    return () => {
      window.clearTimeout(timer)
      controller.abort()
    }
  }, [client, traceId, spanId, version])

  if (loaded === null || loaded.spanId !== spanId)
    return { spans: null, loading: true, error: null }
  return { spans: loaded.spans, loading: pending, error: loaded.error }
}
