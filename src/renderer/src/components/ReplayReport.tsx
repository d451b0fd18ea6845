import type { RunJson } from '../../../shared/api'
import { navigate } from '../navigation'
import { runLineage } from '../fork-edits'
import { canCompareSource, replayReportText } from '../replay-form'
import { diffHash } from '../route'
import { RunLineage, SourceLink } from './RunLineage'

/**
 * Shows what a replay run served from its recording and where it diverged,
 * once the run has ended, with a button that opens the diff of the source
 * and the replay.
 */
export function ReplayReport({ run }: { run: RunJson }) {
  const replay = run.replay
  if (replay === null) return null
  const fork = runLineage(run)?.kind === 'fork'
  if (run.state === 'running') {
    return (
      <section className="replay-report" aria-label="Replay report" data-testid="replay-report">
        <p>
          {fork ? 'Replaying a fork of ' : 'Replaying '}
          <SourceLink source={replay.source} />… The report shows when the run ends.
        </p>
      </section>
    )
  }
  const text = replayReportText(replay)
  const comparable = canCompareSource(replay.source)
  return (
    <section
      className={text.divergence === null ? 'replay-report' : 'replay-report diverged'}
      aria-label="Replay report"
      data-testid="replay-report"
    >
      <div className="replay-report-head">
        <h2>{fork ? 'Fork report' : 'Replay report'}</h2>
        <RunLineage run={run} />
        <span className="toolbar-spacer" />
        <button
          type="button"
          onClick={() => navigate(diffHash(replay.source, run.id))}
          disabled={!comparable}
          title={
            comparable
              ? `Open the diff of ${replay.source} and this replay`
              : `${replay.source} is a cassette file, which the diff cannot read`
          }
          data-testid="compare-with-source"
        >
          Compare with source
        </button>
      </div>
      <p data-testid="replay-served">{text.served}</p>
      {text.divergence !== null && (
        <div className="replay-divergence" data-testid="replay-divergence">
          <strong>{text.divergence}</strong>
          <ul>
            {text.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </div>
      )}
      {text.after !== null && <p className="muted">{text.after}</p>}
    </section>
  )
}
