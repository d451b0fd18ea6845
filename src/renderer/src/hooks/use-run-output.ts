import { useEffect, useRef, useState } from 'react'
import type { RunJson } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface RunOutputState {
  /** Standard output and standard error so far, interleaved. */
  text: string
  /** The run as stored once its stream has ended, else null. */
  ended: RunJson | null
  error: string | null
}

const EMPTY: RunOutputState = { text: '', ended: null, error: null }

/**
 * Follows a run's live output: what it printed so far, then each new chunk,
 * until it ends. The core streams only the runs it started itself, so a
 * change of `endedAt` reloads the stored output of a run that `loupe run`
 * started. A reload of the same run keeps the old text until the new
 * stream's first event replaces it.
 */
export function useRunOutput(runId: string | null, endedAt: string | null): RunOutputState {
  const { client } = useApi()
  const [state, setState] = useState<RunOutputState>(EMPTY)
  const shownRunId = useRef<string | null>(null)

  useEffect(() => {
    if (shownRunId.current !== runId) setState(EMPTY)
    shownRunId.current = runId
    if (runId === null) return
    const controller = new AbortController()
    let first = true
    client
      .streamRunOutput(
        runId,
        (event) => {
          // A stream replaced by a newer one must not overwrite the newer one's text.
          if (controller.signal.aborted) return
          if (event.type === 'output') {
            // The first event carries everything printed so far.
            const replace = first
            first = false
            setState((old) => ({
              text: replace ? event.text : old.text + event.text,
              ended: replace ? null : old.ended,
              error: null,
            }))
          } else {
            // The stored output has the same text plus any note about cut output.
            setState({ text: event.run.output ?? '', ended: event.run, error: null })
          }
        },
        controller.signal,
      )
      .catch((error: unknown) => {
        if (!isAbortError(error)) setState((old) => ({ ...old, error: errorMessage(error) }))
      })
    return () => controller.abort()
  }, [client, runId, endedAt])

  return state
}
