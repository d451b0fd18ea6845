import { useCallback, useEffect, useState } from 'react'
import type { TraceSummary } from '../../../shared/api'
import type {
  ExperimentComparison,
  ExperimentDetail,
  ExperimentSummary,
} from '../../../shared/evals'
import type { ApiClient } from '../api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

/** Shortest time between two reloads caused by pushed traces, so a busy receiver does not flood the API. */
const RELOAD_INTERVAL_MS = 1000

/** The name of an experiment's span, which is the root name of a trace that starts with an experiment. */
const EXPERIMENT_SPAN_NAME = 'evaluate {name}'

export interface EvalsState<T> {
  data: T | null
  error: string | null
  /** Loads the data again now. */
  reload: () => void
}

/**
 * Loads the experiment list, and loads it again when a trace that starts
 * with an experiment, or the trace of a listed experiment, changes. An
 * experiment inside a trace that starts with another span shows after a
 * reload, because a pushed trace summary does not tell whether it contains
 * one.
 */
export function useExperiments(): EvalsState<ExperimentSummary[]> {
  return useEvalsData(
    'list',
    (client, signal) => client.listExperiments(signal),
    (traces, data) =>
      traces.some(
        (t) =>
          t.rootName === EXPERIMENT_SPAN_NAME ||
          (data ?? []).some((experiment) => experiment.traceId === t.traceId),
      ),
  )
}

/** Loads one experiment with its cases, and loads it again when its trace changes. */
export function useExperiment(id: string): EvalsState<ExperimentDetail> {
  return useEvalsData(
    `experiment\n${id}`,
    (client, signal) => client.getExperiment(id, signal),
    (traces, data) => data === null || traces.some((t) => t.traceId === data.experiment.traceId),
  )
}

/** Loads the comparison of two experiments, and loads it again when either trace changes. */
export function useExperimentComparison(a: string, b: string): EvalsState<ExperimentComparison> {
  return useEvalsData(
    `compare\n${a}\n${b}`,
    (client, signal) => client.compareExperiments(a, b, signal),
    (traces, data) =>
      data === null ||
      traces.some((t) => t.traceId === data.a.traceId || t.traceId === data.b.traceId),
  )
}

/**
 * Loads `load` when `key` changes, and again (at most once a second) when
 * pushed traces pass `affects` or the push channel reconnects. A failed
 * reload keeps the data shown and sets `error`.
 */
function useEvalsData<T>(
  key: string,
  load: (client: ApiClient, signal: AbortSignal) => Promise<T>,
  affects: (traces: TraceSummary[], data: T | null) => boolean,
): EvalsState<T> {
  const { client, bus } = useApi()
  const [state, setState] = useState<{ key: string; data: T | null; error: string | null }>({
    key: '',
    data: null,
    error: null,
  })
  const [generation, setGeneration] = useState(0)
  const reload = useCallback(() => setGeneration((n) => n + 1), [])

  useEffect(() => {
    const controller = new AbortController()
    let data: T | null = state.key === key ? state.data : null
    let lastLoad = 0
    let timer: ReturnType<typeof setTimeout> | null = null
    const run = () => {
      timer = null
      lastLoad = Date.now()
      load(client, controller.signal).then(
        (loaded) => {
          data = loaded
          setState({ key, data: loaded, error: null })
        },
        (error: unknown) => {
          if (isAbortError(error)) return
          setState({ key, data, error: errorMessage(error) })
        },
      )
    }
    const schedule = () => {
      if (timer !== null) return
      timer = setTimeout(run, Math.max(0, lastLoad + RELOAD_INTERVAL_MS - Date.now()))
    }
    run()
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'connected') schedule()
      else if (message.type === 'traces' && affects(message.traces, data)) schedule()
    })
    return () => {
      unsubscribe()
      controller.abort()
      if (timer !== null) clearTimeout(timer)
    }
    // `load` and `affects` are new functions on each render, and `key` identifies them.
    // `state` is read once, to keep the data shown while a reload runs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, bus, key, generation])

  return state.key === key
    ? { data: state.data, error: state.error, reload }
    : { data: null, error: null, reload }
}
