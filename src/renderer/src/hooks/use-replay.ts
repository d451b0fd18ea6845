import { useEffect, useState } from 'react'
import type { CassetteJson, RunJson } from '../../../shared/api'
import { type ApiClient, errorMessage, errorProblems, isAbortError } from '../api'
import { useApi } from '../api-context'
import { findRunOfSource, sourceKind } from '../replay-form'

export interface CassetteState {
  /** The source these fields describe. */
  source: string
  cassette: CassetteJson | null
  loading: boolean
  /** The error that kept the cassette from loading, or null. */
  error: string | null
  /** Each reason the source cannot be replayed, from the core's 422 response. */
  problems: string[]
}

/** Loads the cassette of a run or trace id; an id of neither form loads nothing. */
export function useCassette(source: string): CassetteState {
  const { client } = useApi()
  const [state, setState] = useState<CassetteState>(() => emptyCassette(source))

  useEffect(() => {
    const loadable = sourceKind(source) !== null
    setState({ ...emptyCassette(source), loading: loadable })
    if (!loadable) return
    const controller = new AbortController()
    client.getCassette(source, controller.signal).then(
      (cassette) => setState({ ...emptyCassette(source), cassette }),
      (error: unknown) => {
        if (isAbortError(error)) return
        setState({
          ...emptyCassette(source),
          error: errorMessage(error),
          problems: errorProblems(error),
        })
      },
    )
    return () => controller.abort()
  }, [client, source])

  return state.source === source ? state : emptyCassette(source)
}

function emptyCassette(source: string): CassetteState {
  return { source, cassette: null, loading: false, error: null, problems: [] }
}

/**
 * Returns the run that a source belongs to: the run itself, or the run that
 * contains the trace. It looks in `runs` first and then requests the run from
 * the core, finding a trace's run by the `loupe.run.id` resource attribute of
 * its root span. The result is null while looking, and for a trace that no
 * run of Loupe's contains.
 */
export function useRunOfSource(source: string, runs: readonly RunJson[]): RunJson | null {
  const { client } = useApi()
  const listed = findRunOfSource(runs, source)
  const isListed = listed !== null
  const [located, setLocated] = useState<{ source: string; run: RunJson | null } | null>(null)

  useEffect(() => {
    if (isListed) return
    const controller = new AbortController()
    locateRun(client, source, controller.signal).then(
      (run) => setLocated({ source, run }),
      () => {
        // An unknown id has no run to fill the form from, and the cassette's 422 response gives the reason.
      },
    )
    return () => controller.abort()
  }, [client, source, isListed])

  if (listed !== null) return listed
  return located?.source === source ? located.run : null
}

async function locateRun(
  client: ApiClient,
  source: string,
  signal: AbortSignal,
): Promise<RunJson | null> {
  const kind = sourceKind(source)
  if (kind === 'run') return client.getRun(source, signal)
  if (kind === null) return null
  const trace = await client.getTrace(source, signal)
  if (trace.rootSpanId === null) return null
  const [root] = await client.getSpans(source, trace.rootSpanId, signal)
  const runId = root?.resource.attributes['loupe.run.id']
  return typeof runId === 'string' ? client.getRun(runId, signal) : null
}
