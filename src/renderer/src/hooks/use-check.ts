import { useCallback, useEffect, useState } from 'react'
import type { CheckReport } from '../../../shared/check'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface CheckState {
  report: CheckReport | null
  error: string | null
  loading: boolean
  /** Runs the check again, for traces that arrived since. */
  rerun: () => void
}

/** Runs the readiness check of one trace, or of the traces that started within `since`. */
export function useCheck(traceId: string | null, since: string): CheckState {
  const { client } = useApi()
  const [report, setReport] = useState<CheckReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    client.getCheck(traceId === null ? { since } : { traceId }, controller.signal).then(
      (loaded) => {
        setReport(loaded)
        setError(null)
        setLoading(false)
      },
      (failure: unknown) => {
        if (isAbortError(failure)) return
        setReport(null)
        setError(errorMessage(failure))
        setLoading(false)
      },
    )
    return () => controller.abort()
  }, [client, traceId, since, generation])

  const rerun = useCallback(() => setGeneration((value) => value + 1), [])
  return { report, error, loading, rerun }
}
