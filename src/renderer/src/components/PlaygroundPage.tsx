import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunJson } from '../../../shared/api'
import { errorMessage } from '../api'
import { useApi } from '../api-context'
import { usePlaygroundInfo, useSelectedRun } from '../hooks/use-playground'
import { useRunOutput } from '../hooks/use-run-output'
import { useRunTraces } from '../hooks/use-run-traces'
import { useRuns } from '../hooks/use-runs'
import { navigate } from '../navigation'
import {
  EMPTY_FORM,
  formFromRun,
  formFromSettings,
  runRequest,
  type RunFormValues,
} from '../playground-form'
import { playgroundHash } from '../route'
import { ErrorNotice } from './ErrorNotice'
import { RunForm } from './RunForm'
import { RunList } from './RunList'
import { RunOutputPane } from './RunOutputPane'
import { RunTracePane } from './RunTracePane'

/**
 * Renders the playground, which starts a command in the core against the
 * mock model or a real provider, shows its output and trace as they arrive,
 * stops it, and lists past runs. `runId` (from `#/playground/<runId>`) is
 * the run shown.
 */
export function PlaygroundPage({ runId }: { runId: string | null }) {
  const { client } = useApi()
  const playground = usePlaygroundInfo()
  const runs = useRuns()
  const selected = useSelectedRun(runId, runs.runs)
  const output = useRunOutput(runId, selected?.endedAt ?? null)
  // The list's copy of the run gets new trace totals. The stream's copy is
  // newer only until the list receives the run's end.
  const shownRun =
    output.ended !== null && (selected === null || selected.state === 'running')
      ? output.ended
      : selected
  const traces = useRunTraces(shownRun?.traceIds ?? [])

  const [values, setValues] = useState<RunFormValues>(EMPTY_FORM)
  const [scenarioProblems, setScenarioProblems] = useState<string[]>([])
  const [starting, setStarting] = useState(false)
  const [stopping, setStopping] = useState(false)
  const [actionError, setActionError] = useState<{ title: string; message: string } | null>(null)
  const enabled = playground.info?.enabled ?? false

  // The form starts from the folder used last, unless the user has typed already.
  const prefilled = useRef(false)
  useEffect(() => {
    const last = playground.info?.recent[0]
    if (prefilled.current || last === undefined) return
    prefilled.current = true
    setValues((current) => (current === EMPTY_FORM ? formFromSettings(last, current) : current))
  }, [playground.info])
  useEffect(() => setStopping(false), [runId])

  const { reload } = playground
  const start = useCallback(
    (next: RunFormValues) => {
      setStarting(true)
      setActionError(null)
      client.startRun(runRequest(next)).then(
        (run) => {
          setStarting(false)
          reload()
          navigate(playgroundHash(run.id))
        },
        (error: unknown) => {
          setStarting(false)
          setActionError({ title: 'Could not start the command', message: errorMessage(error) })
        },
      )
    },
    [client, reload],
  )
  const rerun = (run: RunJson) => {
    const next = formFromRun(run, values)
    setValues(next)
    start(next)
  }
  const stop = () => {
    if (shownRun === null) return
    setStopping(true)
    setActionError(null)
    client.stopRun(shownRun.id).catch((error: unknown) => {
      setStopping(false)
      setActionError({ title: `Could not stop run ${shownRun.id}`, message: errorMessage(error) })
    })
  }

  return (
    <main className="page playground-page" data-testid="playground-page">
      <h1>Playground</h1>
      <p className="muted">
        Loupe starts the command with the environment that points it at Loupe: its spans come here,
        and its OpenAI and Anthropic calls go to the model you choose. Provider API keys are read
        from the environment of <code>loupe serve</code> (or of the desktop app), never entered
        here.
      </p>
      {playground.error !== null && (
        <ErrorNotice title="Could not load the playground" message={playground.error} />
      )}
      {playground.info?.disabledReason != null && (
        <ErrorNotice
          title="Starting commands is disabled"
          message={playground.info.disabledReason}
        />
      )}
      <RunForm
        values={values}
        onChange={setValues}
        recent={playground.info?.recent ?? []}
        enabled={enabled}
        starting={starting}
        scenarioProblems={scenarioProblems}
        onScenarioProblems={setScenarioProblems}
        onRun={() => start(values)}
      />
      {actionError !== null && (
        <ErrorNotice title={actionError.title} message={actionError.message} />
      )}
      <div className="playground-live">
        <RunOutputPane
          run={shownRun}
          output={output}
          onStop={stop}
          onRerun={() => shownRun !== null && rerun(shownRun)}
          stopping={stopping}
          enabled={enabled}
        />
        <RunTracePane run={shownRun} traces={traces} />
      </div>
      <h2>Past runs</h2>
      {runs.error !== null && <ErrorNotice title="Could not load the runs" message={runs.error} />}
      {runs.loading ? (
        <p className="muted">Loading runs…</p>
      ) : runs.runs.length === 0 ? (
        <p className="muted">
          No runs yet. Runs started here or with <code>loupe run</code> are listed here.
        </p>
      ) : (
        <RunList runs={runs.runs} selectedId={runId} onRerun={rerun} rerunEnabled={enabled} />
      )}
    </main>
  )
}
