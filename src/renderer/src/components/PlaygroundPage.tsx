import { useCallback, useEffect, useRef, useState } from 'react'
import type { PlaygroundRunRequest, RunJson } from '../../../shared/api'
import { ApiError, errorMessage, errorProblems } from '../api'
import { useApi } from '../api-context'
import { usePlaygroundInfo, useSelectedRun } from '../hooks/use-playground'
import { useRunOutput } from '../hooks/use-run-output'
import { useRunTraces } from '../hooks/use-run-traces'
import { useRuns } from '../hooks/use-runs'
import { runLineage } from '../fork-edits'
import { navigate } from '../navigation'
import {
  EMPTY_FORM,
  formFromRun,
  formFromSettings,
  runRequest,
  type RunFormValues,
} from '../playground-form'
import { comparedPair, replayFormOfRun, replayRunRequest, toggleCompared } from '../replay-form'
import { diffHash, playgroundHash, replayHash } from '../route'
import { ErrorNotice } from './ErrorNotice'
import { ReplayForm } from './ReplayForm'
import { ReplayReport } from './ReplayReport'
import { RunForm } from './RunForm'
import { RunList } from './RunList'
import { RunOutputPane } from './RunOutputPane'
import { RunTracePane } from './RunTracePane'

interface ActionError {
  title: string
  message: string
  problems: string[]
}

/**
 * Renders the playground, which starts a command in the core against the
 * mock model or a real provider, or replays a run or trace, shows its output
 * and trace as they arrive, stops it, and lists past runs. `runId` (from
 * `#/playground/<runId>`) is the run shown; `replaySource` (from
 * `#/replay/<source>`) opens the replay form, which stays open after its
 * run starts until the user closes it.
 */
export function PlaygroundPage({
  runId,
  replaySource,
}: {
  runId: string | null
  replaySource: string | null
}) {
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
  const [actionError, setActionError] = useState<ActionError | null>(null)
  const [replay, setReplay] = useState<{ source: string; opened: number } | null>(() =>
    replaySource === null ? null : { source: replaySource, opened: 1 },
  )
  const [compared, setCompared] = useState<string[]>([])
  const enabled = playground.info?.enabled ?? false

  // Each Replay action opens a fresh form, and the form stays open when its run starts.
  const seenReplaySource = useRef(replaySource)
  useEffect(() => {
    if (replaySource === seenReplaySource.current) return
    seenReplaySource.current = replaySource
    if (replaySource !== null)
      setReplay((current) => ({ source: replaySource, opened: (current?.opened ?? 0) + 1 }))
  }, [replaySource])

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
  const launch = useCallback(
    (request: PlaygroundRunRequest) => {
      setStarting(true)
      setActionError(null)
      client.startRun(request).then(
        (run) => {
          setStarting(false)
          reload()
          navigate(playgroundHash(run.id))
        },
        (error: unknown) => {
          setStarting(false)
          // A command that could not start is stored as a failed run, so the page shows that run.
          if (error instanceof ApiError && error.runId !== null) {
            reload()
            navigate(playgroundHash(error.runId))
          }
          setActionError({
            title: request.replay ? 'Could not start the replay' : 'Could not start the command',
            message: errorMessage(error),
            problems: errorProblems(error),
          })
        },
      )
    },
    [client, reload],
  )
  const start = (next: RunFormValues) => launch(runRequest(next))
  const rerun = (run: RunJson) => {
    // The core keeps which replies a fork edited but not the edits, so a fork
    // reruns by opening the replay form of its source to edit them again.
    if (run.replay !== null && runLineage(run)?.kind === 'fork') {
      navigate(replayHash(run.replay.source))
      return
    }
    // A replay run reruns as the same replay.
    const replayed = replayFormOfRun(run)
    if (replayed !== null) {
      launch(replayRunRequest(replayed))
      return
    }
    const next = formFromRun(run, values)
    setValues(next)
    setReplay(null)
    start(next)
  }
  const pair = comparedPair(runs.runs, compared)
  const stop = () => {
    if (shownRun === null) return
    setStopping(true)
    setActionError(null)
    client.stopRun(shownRun.id).catch((error: unknown) => {
      setStopping(false)
      setActionError({
        title: `Could not stop run ${shownRun.id}`,
        message: errorMessage(error),
        problems: [],
      })
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
      {replay !== null ? (
        <ReplayForm
          key={replay.opened}
          source={replay.source}
          runs={runs.runs}
          enabled={enabled}
          starting={starting}
          onRun={(next) => launch(replayRunRequest(next))}
          onClose={() => setReplay(null)}
        />
      ) : (
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
      )}
      {actionError !== null && (
        <ErrorNotice
          title={actionError.title}
          message={actionError.message}
          problems={actionError.problems}
        />
      )}
      {shownRun?.replay != null && <ReplayReport run={shownRun} />}
      <div className="playground-live">
        <RunOutputPane
          run={shownRun}
          output={output}
          onStop={stop}
          onRerun={() => shownRun !== null && rerun(shownRun)}
          onReplay={() => shownRun !== null && navigate(replayHash(shownRun.id))}
          stopping={stopping}
          enabled={enabled}
        />
        <RunTracePane run={shownRun} traces={traces} />
      </div>
      <div className="past-runs-head">
        <h2>Past runs</h2>
        <span className="toolbar-spacer" />
        <span className="muted" data-testid="compare-hint">
          {compared.length === 2
            ? 'Compare the two picked runs, the older one as A.'
            : 'Pick two runs to compare them.'}
        </span>
        <button
          type="button"
          disabled={pair === null}
          onClick={() => pair !== null && navigate(diffHash(...pair))}
          data-testid="compare-runs"
        >
          Compare
        </button>
      </div>
      {runs.error !== null && <ErrorNotice title="Could not load the runs" message={runs.error} />}
      {runs.loading ? (
        <p className="muted">Loading runs…</p>
      ) : runs.runs.length === 0 ? (
        <p className="muted">
          No runs yet. Runs started here or with <code>loupe run</code> are listed here.
        </p>
      ) : (
        <RunList
          runs={runs.runs}
          selectedId={runId}
          onRerun={rerun}
          onReplay={(run) => navigate(replayHash(run.id))}
          rerunEnabled={enabled}
          compared={compared}
          onToggleCompared={(run) => setCompared((picked) => toggleCompared(picked, run.id))}
        />
      )}
    </main>
  )
}
