import type { RunJson } from '../../../shared/api'
import { formatCount, formatDuration, formatLocalTime } from '../format'
import { runLineage } from '../fork-edits'
import { costText } from '../genai/figures'
import { navigate } from '../navigation'
import { playgroundHash, traceHash } from '../route'
import { ErrorClassBadge } from './ErrorClassBadge'
import { RunLineage } from './RunLineage'
import { RunStateBadge } from './RunStateBadge'

export interface RunListProps {
  runs: RunJson[]
  selectedId: string | null
  onRerun: (run: RunJson) => void
  onReplay: (run: RunJson) => void
  /** False when the core may not start commands. */
  rerunEnabled: boolean
  /** Ids of the runs picked for comparison, at most two. */
  compared: readonly string[]
  onToggleCompared: (run: RunJson) => void
}

/**
 * Lists past runs, from `loupe run` and the playground, newest first. A row
 * selects its run (output and traces above); its trace links open the trace
 * view, its checkbox picks it for comparison, and its buttons rerun or replay it.
 */
export function RunList(props: RunListProps) {
  const { runs, selectedId, onRerun, onReplay, rerunEnabled, compared } = props
  return (
    <table className="run-table" data-testid="run-list">
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Command</th>
          <th scope="col">Mode</th>
          <th scope="col">State</th>
          <th scope="col">Error class</th>
          <th scope="col" className="number">
            Duration
          </th>
          <th scope="col" className="number">
            Tokens
          </th>
          <th scope="col" className="number">
            Cost
          </th>
          <th scope="col">Traces</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
          <th scope="col" title="Pick two runs, then press Compare above the list">
            Compare
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr
            key={run.id}
            className={run.id === selectedId ? 'run-row selected' : 'run-row'}
            data-testid="run-row"
            data-run-id={run.id}
            aria-selected={run.id === selectedId}
            onClick={(event) => {
              if (!(
                event.target instanceof HTMLAnchorElement ||
                event.target instanceof HTMLButtonElement ||
                event.target instanceof HTMLInputElement
              ))
                navigate(playgroundHash(run.id))
            }}
          >
            <td>
              <a href={playgroundHash(run.id)}>
                <time dateTime={run.startedAt} title={`${run.id}, started ${run.startedAt}`}>
                  {formatLocalTime(run.startedAt)}
                </time>
              </a>
            </td>
            <td className="run-command-cell" title={`${run.commandLine}\nin ${run.cwd}`}>
              <code>{run.commandLine}</code>
            </td>
            <td title={run.scenario !== null ? `scenario: ${run.scenario}` : undefined}>
              {run.scenario !== null ? `${run.mode}, scenario` : run.mode}
              {run.replay !== null && (
                <div>
                  <RunLineage run={run} />
                </div>
              )}
            </td>
            <td>
              <RunStateBadge run={run} />
            </td>
            <td data-testid="run-error-class">
              {run.errorClass === 'none' ? (
                <span className="muted">none</span>
              ) : (
                <ErrorClassBadge errorClass={run.errorClass} />
              )}
            </td>
            <td className="number">{runDuration(run)}</td>
            <td className="number" data-testid="run-tokens">
              {run.modelCalls > 0
                ? `${formatCount(run.inputTokens)} in / ${formatCount(run.outputTokens)} out`
                : ''}
            </td>
            <td className="number" data-testid="run-cost">
              {run.modelCalls > 0 ? costText(run.costUsd, 0) : ''}
            </td>
            <td>
              <span className="run-trace-links">
                {run.traceIds.map((traceId) => (
                  <a key={traceId} href={traceHash(traceId)} title={traceId}>
                    {traceId.slice(0, 8)}
                  </a>
                ))}
              </span>
            </td>
            <td className="run-actions-cell">
              <button
                type="button"
                onClick={() => onRerun(run)}
                disabled={!rerunEnabled}
                title={rerunTitle(run)}
              >
                Rerun
              </button>
              <button
                type="button"
                onClick={() => onReplay(run)}
                title="Run the command again against this run's recorded model replies"
                data-testid="replay-run"
              >
                Replay
              </button>
            </td>
            <td>
              <input
                type="checkbox"
                checked={compared.includes(run.id)}
                onChange={() => props.onToggleCompared(run)}
                aria-label={`Pick run ${run.id} to compare`}
                data-testid="compare-pick"
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function rerunTitle(run: RunJson): string {
  const lineage = runLineage(run)
  if (lineage?.kind === 'fork')
    return `Open the replay form of ${lineage.source} to edit the replies again`
  return `Run ${run.commandLine} again in ${run.cwd}`
}

function runDuration(run: RunJson): string {
  if (run.endedAt === null) return ''
  return formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))
}
