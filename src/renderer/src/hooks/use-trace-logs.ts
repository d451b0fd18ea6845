import { useEffect, useState } from 'react'
import type { LogEntryJson } from '../../../shared/logs'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface TraceLogsState {
  logs: LogEntryJson[]
  error: string | null
}

/** Loads the log records of a trace; `version` changes make it reload. */
export function useTraceLogs(traceId: string, version: number): TraceLogsState {
  const { client } = useApi()
  const [state, setState] = useState<TraceLogsState>({ logs: [], error: null })

  useEffect(() => {
    const controller = new AbortController()
    client.getTraceLogs(traceId, controller.signal).then(
      (logs) => setState({ logs, error: null }),
      (error: unknown) => {
        if (!isAbortError(error)) setState({ logs: [], error: errorMessage(error) })
      },
    )
    return () => controller.abort()
  }, [client, traceId, version])

  return state
}
