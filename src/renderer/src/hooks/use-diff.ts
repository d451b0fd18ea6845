import { useEffect, useMemo, useState } from 'react'
import type { RunDiffJson } from '../../../shared/api'
import { errorMessage, errorProblems, isAbortError } from '../api'
import { useApi } from '../api-context'
import { sourceKind } from '../replay-form'

export interface DiffState {
  diff: RunDiffJson | null
  error: string | null
  problems: string[]
}

/** Loads the diff of two runs or traces. */
export function useDiff(a: string, b: string): DiffState {
  const { client } = useApi()
  const [state, setState] = useState<DiffState & { key: string }>({
    key: '',
    diff: null,
    error: null,
    problems: [],
  })
  const key = `${a}\n${b}`

  useEffect(() => {
    const controller = new AbortController()
    client.getDiff(a, b, controller.signal).then(
      (diff) => setState({ key, diff, error: null, problems: [] }),
      (error: unknown) => {
        if (isAbortError(error)) return
        setState({ key, diff: null, error: errorMessage(error), problems: errorProblems(error) })
      },
    )
    return () => controller.abort()
  }, [client, a, b, key])

  return state.key === key ? state : { diff: null, error: null, problems: [] }
}

/**
 * Returns a function that gives the trace of one of a diff side's spans.
 * For a trace side that is the side itself. For a run side it is the run's
 * trace that contains the span, or null until the traces' trees have loaded.
 */
export function useSpanTraceLookup(sideId: string): (spanId: string) => string | null {
  const { client } = useApi()
  const [spanTraces, setSpanTraces] = useState<{ sideId: string; map: Map<string, string> }>({
    sideId: '',
    map: new Map(),
  })
  const isTrace = sourceKind(sideId) === 'trace'

  useEffect(() => {
    if (isTrace) return
    const controller = new AbortController()
    const load = async () => {
      const run = await client.getRun(sideId, controller.signal)
      const map = new Map<string, string>()
      for (const traceId of run.traceIds) {
        const tree = await client.getTraceTree(traceId, controller.signal)
        for (const span of tree.spans) map.set(span.spanId, traceId)
      }
      setSpanTraces({ sideId, map })
    }
    load().catch(() => {
      // Without the run's trees the steps show no span links; the diff itself still shows.
    })
    return () => controller.abort()
  }, [client, sideId, isTrace])

  return useMemo(() => {
    if (isTrace) return () => sideId
    const map = spanTraces.sideId === sideId ? spanTraces.map : new Map<string, string>()
    return (spanId: string) => map.get(spanId) ?? null
  }, [isTrace, sideId, spanTraces])
}
