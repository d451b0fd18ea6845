import { useCallback, useEffect, useState } from 'react'
import type { JsonValue, PlaygroundInfo, RunJson } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface PlaygroundInfoState {
  info: PlaygroundInfo | null
  error: string | null
  reload: () => void
}

/** Loads whether the core may start commands and the last settings per folder. */
export function usePlaygroundInfo(): PlaygroundInfoState {
  const { client } = useApi()
  const [state, setState] = useState<Omit<PlaygroundInfoState, 'reload'>>({
    info: null,
    error: null,
  })
  const [loads, setLoads] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    client.getPlayground(controller.signal).then(
      (info) => setState({ info, error: null }),
      (error: unknown) => {
        if (!isAbortError(error)) setState((old) => ({ ...old, error: errorMessage(error) }))
      },
    )
    return () => controller.abort()
  }, [client, loads])

  const reload = useCallback(() => setLoads((count) => count + 1), [])
  return { ...state, reload }
}

/**
 * Returns the run with id `runId`: from `runs` when it is there (kept
 * current by useRuns), else loaded once from the core.
 */
export function useSelectedRun(runId: string | null, runs: readonly RunJson[]): RunJson | null {
  const { client } = useApi()
  const listed = runId === null ? undefined : runs.find((run) => run.id === runId)
  const [loaded, setLoaded] = useState<RunJson | null>(null)

  useEffect(() => {
    if (runId === null || listed !== undefined) return
    const controller = new AbortController()
    client.getRun(runId, controller.signal).then(setLoaded, () => setLoaded(null))
    return () => controller.abort()
  }, [client, runId, listed])

  if (listed !== undefined) return listed
  return loaded?.id === runId ? loaded : null
}

export interface ScenarioSchemaState {
  /** The schema, null while loading or when the core serves none. */
  schema: JsonValue | null
  /** The reason there is no schema to validate against, once known. */
  problem: string | null
}

/** Loads the scenario JSON Schema from `GET /api/scenario-schema` once `enabled` is true. */
export function useScenarioSchema(enabled: boolean): ScenarioSchemaState {
  const { client } = useApi()
  const [state, setState] = useState<ScenarioSchemaState>({ schema: null, problem: null })

  useEffect(() => {
    if (!enabled) return
    const controller = new AbortController()
    client.getScenarioSchema(controller.signal).then(
      (schema) =>
        setState(
          schema === null
            ? {
                schema: null,
                problem:
                  'This Loupe serves no scenario schema (GET /api/scenario-schema returned 404), ' +
                  'so the editor checks JSON syntax only. The core still checks the scenario when the run starts.',
              }
            : { schema, problem: null },
        ),
      (error: unknown) => {
        if (isAbortError(error)) return
        setState({
          schema: null,
          problem: `Could not load the scenario schema, so the editor checks JSON syntax only: ${errorMessage(error)}`,
        })
      },
    )
    return () => controller.abort()
  }, [client, enabled])

  return state
}
