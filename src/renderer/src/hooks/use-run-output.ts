import { useEffect, useState } from 'react'
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

/** Follows a run's live output: what it printed so far, then each new chunk, until it ends. */
export function useRunOutput(runId: string | null): RunOutputState {
  const { client } = useApi()
  const [state, setState] = useState<RunOutputState>(EMPTY)

  useEffect(() => {
    setState(EMPTY)
    if (runId === null) return
    const controller = new AbortController()
    client
      .streamRunOutput(
        runId,
        (event) => {
          if (event.type === 'output') {
            setState((old) => ({ ...old, text: old.text + event.text }))
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
  }, [client, runId])

  return state
}
