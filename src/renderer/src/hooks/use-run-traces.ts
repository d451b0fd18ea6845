import { useEffect, useState } from 'react'
import type { TraceSummary } from '../../../shared/api'
import { useApi } from '../api-context'
import { mergeTraces } from '../merge-traces'

/**
 * Loads the summaries of a run's traces and keeps them current from the
 * push channel, so that a running agent's traces grow on screen.
 */
export function useRunTraces(traceIds: readonly string[]): TraceSummary[] {
  const { client, bus } = useApi()
  const [traces, setTraces] = useState<TraceSummary[]>([])
  const key = traceIds.join(',')

  useEffect(() => {
    const runTraceIds = new Set(key === '' ? [] : key.split(','))
    const controller = new AbortController()
    setTraces((old) => old.filter((trace) => runTraceIds.has(trace.traceId)))
    for (const traceId of runTraceIds) {
      client.getTrace(traceId, controller.signal).then(
        (trace) => setTraces((old) => mergeTraces(old, [trace])),
        () => {
          // A trace that is not stored yet (404) arrives later on the push
          // channel, and the trace view shows any other failure.
        },
      )
    }
    const unsubscribe = bus.subscribe((message) => {
      if (message.type !== 'traces') return
      const ours = message.traces.filter((trace) => runTraceIds.has(trace.traceId))
      if (ours.length > 0) setTraces((old) => mergeTraces(old, ours))
    })
    return () => {
      unsubscribe()
      controller.abort()
    }
  }, [client, bus, key])

  return traces
}
