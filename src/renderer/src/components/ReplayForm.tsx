import { useEffect, useState, type FormEvent } from 'react'
import type { RunJson } from '../../../shared/api'
import { editsForCalls } from '../fork-edits'
import { useCassette, useRunOfSource } from '../hooks/use-replay'
import {
  cassetteCallLabel,
  findRunOfSource,
  replayFormFor,
  sourceKind,
  THEN_HINTS,
  THEN_LABELS,
  type ReplayFormValues,
  type ReplayThen,
} from '../replay-form'
import { ErrorNotice } from './ErrorNotice'
import { ForkEditor } from './ForkEditor'

const THENS = Object.keys(THEN_LABELS) as ReplayThen[]

export interface ReplayFormProps {
  /** The run or trace id the form opens with. */
  source: string
  runs: readonly RunJson[]
  /** False when the core may not start commands. */
  enabled: boolean
  starting: boolean
  onRun: (values: ReplayFormValues) => void
  onClose: () => void
}

/**
 * Renders the replay of a run or trace: its source, the command line and
 * folder (filled from the run that Loupe started, when there is one), the
 * recorded call to stop serving after, what replies after the recording,
 * and edited replies, which make the replay a fork. A source that cannot be
 * replayed shows the core's reasons.
 */
export function ReplayForm(props: ReplayFormProps) {
  const { runs } = props
  const [values, setValues] = useState<ReplayFormValues>(() =>
    replayFormFor(props.source, findRunOfSource(runs, props.source)),
  )
  const source = values.source.trim()
  const run = useRunOfSource(source, runs)
  const cassette = useCassette(source)
  const set = (change: Partial<ReplayFormValues>) => setValues({ ...values, ...change })

  // The source's run fills the command line and folder once found, unless the user has typed.
  useEffect(() => {
    if (run === null) return
    setValues((current) =>
      current.commandLine === '' && current.cwd === ''
        ? { ...current, commandLine: run.commandLine, cwd: run.cwd }
        : current,
    )
  }, [run])

  const calls = cassette.cassette?.calls ?? []
  // A call chosen for another source does not apply to this one.
  const until = calls.some((call) => call.spanId === values.until) ? values.until : ''
  const edits = editsForCalls(values.edits, calls)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    props.onRun({ ...values, until, edits })
  }

  return (
    <form
      className="run-form replay-form"
      onSubmit={submit}
      aria-label="Replay a run"
      data-testid="replay-form"
    >
      <div className="replay-form-head">
        <h2>Replay</h2>
        <span className="toolbar-spacer" />
        <button type="button" onClick={props.onClose} data-testid="replay-close">
          Close
        </button>
      </div>
      <p className="muted">
        Loupe runs the command again while its gateway serves the recorded model replies of the
        source in order, without calling the provider, and reports where the new run&apos;s requests
        first differ from the recording.
      </p>
      <label className="run-field">
        <span>Source</span>
        <input
          value={values.source}
          onChange={(event) => set({ source: event.target.value, until: '', edits: [] })}
          placeholder="run_… or a trace id"
          spellCheck={false}
          data-testid="replay-source"
        />
        <small className="muted" data-testid="replay-source-note">
          {sourceNote(source, run)}
        </small>
      </label>
      {cassette.error !== null && (
        <ErrorNotice
          title={
            cassette.problems.length > 0
              ? `${source} cannot be replayed`
              : `Could not load the recorded calls of ${source}`
          }
          message={cassette.error}
          problems={cassette.problems}
        />
      )}
      <label className="run-field">
        <span>Command line</span>
        <input
          value={values.commandLine}
          onChange={(event) => set({ commandLine: event.target.value })}
          placeholder="python agent.py"
          spellCheck={false}
          data-testid="replay-command-line"
        />
        <small className="muted">
          Split as in the playground form. To change the environment, start it with{' '}
          <code>env NAME=value</code>.
        </small>
      </label>
      <label className="run-field">
        <span>Working folder</span>
        <input
          value={values.cwd}
          onChange={(event) => set({ cwd: event.target.value })}
          placeholder="/home/you/my-agent"
          spellCheck={false}
          data-testid="replay-working-folder"
        />
      </label>
      <label className="run-field">
        <span>Serve the recording until</span>
        <select
          value={until}
          onChange={(event) => set({ until: event.target.value })}
          disabled={calls.length === 0}
          data-testid="replay-until"
        >
          <option value="">{untilEndLabel(cassette.loading, calls.length)}</option>
          {calls.map((call, index) => (
            <option key={call.spanId} value={call.spanId}>
              {cassetteCallLabel(call, index)}
            </option>
          ))}
        </select>
        <small className="muted">
          The replay serves the recorded replies up to and including this model call.
        </small>
      </label>
      <fieldset className="run-modes">
        <legend>After the recording</legend>
        {THENS.map((then) => (
          <label key={then} title={THEN_HINTS[then]}>
            <input
              type="radio"
              name="replay-then"
              value={then}
              checked={values.then === then}
              onChange={() => set({ then })}
              data-testid={`replay-then-${then}`}
            />
            {THEN_LABELS[then]}
          </label>
        ))}
        <p className="muted mode-hint">{THEN_HINTS[values.then]}</p>
      </fieldset>
      {calls.length > 0 && (
        <ForkEditor
          key={source}
          calls={calls}
          edits={edits}
          onChange={(next) => set({ edits: next })}
        />
      )}
      <div className="run-actions">
        <button
          type="submit"
          className="primary"
          disabled={!props.enabled || props.starting || cassette.problems.length > 0}
          data-testid="replay-button"
        >
          {props.starting ? 'Starting…' : edits.length > 0 ? 'Replay with the edits' : 'Replay'}
        </button>
      </div>
    </form>
  )
}

function untilEndLabel(loading: boolean, calls: number): string {
  if (loading) return 'Loading the recorded calls…'
  if (calls === 0) return 'No recorded model calls'
  return calls === 1
    ? 'The end: the 1 recorded model call'
    : `The end: all ${calls} recorded model calls`
}

function sourceNote(source: string, run: RunJson | null): string {
  const kind = sourceKind(source)
  if (kind === null) return 'Enter a run id (run_…) or a trace id (32 hex digits).'
  if (kind === 'run') return run === null ? `Run ${source}.` : `Run ${source}, started by Loupe.`
  if (run === null) {
    return `Trace ${source}. No run of Loupe's contains it, so enter the command line and folder that produced it.`
  }
  return `Trace ${source}, from run ${run.id}.`
}
