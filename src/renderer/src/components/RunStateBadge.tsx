import type { RunJson, RunState } from '../../../shared/api'

const TITLES: Record<RunState, string> = {
  running: 'The command is running',
  exited: 'The command exited',
  killed: 'A signal ended the command, not a stop request',
  stopped: 'A stop request ended the command and everything it started',
  failed: 'The command could not be started',
  unfinished: 'Loupe stopped before the command ended, so its end is unknown',
}

/** Renders the run's state as a badge: "running", "exit 0", "exit 3", "stopped", "killed (SIGKILL)" and so on. */
export function RunStateBadge({ run }: { run: RunJson }) {
  const label =
    run.state === 'exited'
      ? `exit ${run.exitCode ?? '?'}`
      : run.state === 'killed' && run.signal !== null
        ? `killed (${run.signal})`
        : run.state
  const failed =
    (run.state === 'exited' && run.exitCode !== 0) ||
    run.state === 'killed' ||
    run.state === 'failed'
  const className =
    run.state === 'running'
      ? 'badge running'
      : failed
        ? 'badge status-error'
        : run.state === 'exited'
          ? 'badge status-ok'
          : 'badge warn'
  const title = run.signal !== null ? `${TITLES[run.state]} (${run.signal})` : TITLES[run.state]
  return (
    <span className={`${className} run-state`} title={title} data-testid="run-state">
      {label}
    </span>
  )
}
