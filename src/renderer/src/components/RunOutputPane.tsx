import { useLayoutEffect, useRef } from 'react'
import type { RunJson } from '../../../shared/api'
import type { RunOutputState } from '../hooks/use-run-output'
import { ErrorNotice } from './ErrorNotice'
import { RunStateBadge } from './RunStateBadge'

/** Distance from the bottom, in px, within which the output follows new lines. */
const FOLLOW_THRESHOLD_PX = 24

export interface RunOutputPaneProps {
  run: RunJson | null
  output: RunOutputState
  onStop: () => void
  onRerun: () => void
  /** Opens the replay form for this run. */
  onReplay: () => void
  stopping: boolean
  /** False when the core may not start commands (Rerun is then disabled). */
  enabled: boolean
}

/**
 * Shows the selected run's output as it arrives, with Stop while it runs and
 * Rerun and Replay once it has ended. The view follows new lines while it is scrolled
 * to the bottom.
 */
export function RunOutputPane({
  run,
  output,
  onStop,
  onRerun,
  onReplay,
  stopping,
  enabled,
}: RunOutputPaneProps) {
  const preRef = useRef<HTMLPreElement>(null)
  const following = useRef(true)

  useLayoutEffect(() => {
    const pre = preRef.current
    if (pre !== null && following.current) pre.scrollTop = pre.scrollHeight
  }, [output.text])

  if (run === null) {
    return (
      <section className="run-output-pane" aria-label="Output">
        <p className="muted">Run a command, or pick a past run below, to see its output here.</p>
      </section>
    )
  }
  const running = run.state === 'running' && output.ended === null
  return (
    <section className="run-output-pane" aria-label="Output">
      <div className="run-output-head">
        <h2>Output</h2>
        <code className="run-id">{run.id}</code>
        <RunStateBadge run={output.ended ?? run} />
        <span className="toolbar-spacer" />
        <button
          type="button"
          onClick={onStop}
          disabled={!running || stopping}
          data-testid="stop-button"
          title="SIGTERM to the command and everything it started, SIGKILL 3 s later to what is left"
        >
          {stopping && running ? 'Stopping…' : 'Stop'}
        </button>
        <button type="button" onClick={onRerun} disabled={!enabled} data-testid="rerun-button">
          Rerun
        </button>
        <button
          type="button"
          onClick={onReplay}
          disabled={running}
          title="Run the command again against this run's recorded model replies"
          data-testid="replay-shown-run"
        >
          Replay
        </button>
      </div>
      <p className="muted run-command" title={run.cwd}>
        <code>{run.commandLine}</code> in <code>{run.cwd}</code>
      </p>
      {output.error !== null && (
        <ErrorNotice title="The output stream failed" message={output.error} />
      )}
      <pre
        ref={preRef}
        className="run-output"
        data-testid="run-output"
        tabIndex={0}
        onScroll={(event) => {
          const pre = event.currentTarget
          following.current =
            pre.scrollHeight - pre.scrollTop - pre.clientHeight < FOLLOW_THRESHOLD_PX
        }}
      >
        {output.text === '' ? (
          <span className="muted">{running ? 'No output yet.' : 'No output.'}</span>
        ) : (
          output.text
        )}
      </pre>
    </section>
  )
}
