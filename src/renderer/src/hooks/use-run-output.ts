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

/** The output state together with the run it belongs to. */
interface OutputOfRun {
  runId: string | null
  output: RunOutputState
}

/**
 * Follows a run's live output: what it printed so far, then each new chunk,
 * until it ends. The core streams only the runs it started itself, so a
 * change of `endedAt` reloads the stored output of a run that `loupe run`
 * started. A reload of the same run keeps the old text until the new
 * stream's first event replaces it. Another run's output is never returned,
 * not even for the render before the new stream's first event.
 */
export function useRunOutput(runId: string | null, endedAt: string | null): RunOutputState {
  const { client } = useApi()
  const [state, setState] = useState<OutputOfRun>({ runId: null, output: EMPTY })

  useEffect(() => {
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
              runId,
              output: {
                text: replace ? event.text : old.output.text + event.text,
                ended: replace ? null : old.output.ended,
                error: null,
              },
            }))
          } else {
            // The stored output has the same text plus any note about cut output.
            setState({
              runId,
              output: { text: event.run.output ?? '', ended: event.run, error: null },
            })
          }
        },
        controller.signal,
      )
      .catch((error: unknown) => {
        if (isAbortError(error)) return
        const message = errorMessage(error)
        setState((old) => ({
          runId,
          output: { ...(old.runId === runId ? old.output : EMPTY), error: message },
        }))
      })
    return () => controller.abort()
  }, [client, runId, endedAt])

  // The state changes to the new run only when its stream's first event
  // arrives, so until then the previous run's output must not show.
  return state.runId === runId ? state.output : EMPTY
}
