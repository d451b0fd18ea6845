import { useEffect, useState } from 'react'
import { ApiError, errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import type { SpanTree } from '../tree/build-tree'

export type LinkTarget =
  | { state: 'checking' }
  | { state: 'found'; name: string }
  | { state: 'span-not-found' }
  | { state: 'trace-not-found' }
  | { state: 'failed'; message: string }

/**
 * Finds out whether a link's target span exists. Targets in the open trace
 * are looked up in its tree; others are asked from the core. Only when the
 * span is missing is the target trace's summary requested, to tell a missing
 * trace from a missing span.
 */
export function useLinkTarget(
  traceId: string,
  spanId: string,
  openTraceId: string,
  openTree: SpanTree | null,
): LinkTarget {
  const { client } = useApi()
  const isLocal = traceId === openTraceId && openTree !== null
  const localNode = isLocal ? openTree.bySpanId.get(spanId)?.[0] : undefined
  const [remote, setRemote] = useState<LinkTarget>({ state: 'checking' })

  useEffect(() => {
    if (isLocal) return
    setRemote({ state: 'checking' })
    const controller = new AbortController()
    const { signal } = controller
    const resolveRemote = async (): Promise<LinkTarget> => {
      try {
        const spans = await client.getSpans(traceId, spanId, signal)
        if (spans[0] !== undefined) return { state: 'found', name: spans[0].name }
      } catch (error) {
        if (!(error instanceof ApiError && error.isNotFound)) throw error
      }
      try {
        await client.getTrace(traceId, signal)
        return { state: 'span-not-found' }
      } catch (error) {
        if (error instanceof ApiError && error.isNotFound) return { state: 'trace-not-found' }
        throw error
      }
    }
    resolveRemote().then(setRemote, (error: unknown) => {
      if (!isAbortError(error)) setRemote({ state: 'failed', message: errorMessage(error) })
    })
    return () => controller.abort()
  }, [client, traceId, spanId, isLocal])

  if (!isLocal) return remote
  return localNode !== undefined
    ? { state: 'found', name: localNode.span.name }
    : { state: 'span-not-found' }
}
