import { useEffect, useState } from 'react'
import type { ExceptionGroup } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface TraceExceptionsState {
  groups: ExceptionGroup[]
  error: string | null
}

/** Loads a trace's exceptions grouped by type and raising frame; `version` changes make it reload. */
export function useTraceExceptions(traceId: string, version: number): TraceExceptionsState {
  const { client } = useApi()
  const [state, setState] = useState<TraceExceptionsState>({ groups: [], error: null })

  useEffect(() => {
    const controller = new AbortController()
    client.getExceptions(traceId, controller.signal).then(
      (groups) => setState({ groups, error: null }),
      (error: unknown) => {
        if (!isAbortError(error)) setState({ groups: [], error: errorMessage(error) })
      },
    )
    return () => controller.abort()
  }, [client, traceId, version])

  return state
}
