import type { RunJson } from '../../../shared/api'
import { navigate } from '../navigation'
import { canCompareSource, replayReportText, sourceKind } from '../replay-form'
import { diffHash, playgroundHash, traceHash } from '../route'

/**
 * Shows what a replay run served from its recording and where it diverged,
 * once the run has ended, with a button that opens the diff of the source
 * and the replay.
 */
export function ReplayReport({ run }: { run: RunJson }) {
  const replay = run.replay
  if (replay === null) return null
  if (run.state === 'running') {
    return (
      <section className="replay-report" aria-label="Replay report" data-testid="replay-report">
        <p>
          Replaying <SourceLink source={replay.source} />… The report shows when the run ends.
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
        <h2>Replay report</h2>
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

function SourceLink({ source }: { source: string }) {
  const kind = sourceKind(source)
  if (kind === null) return <code>{source}</code>
  return (
    <a href={kind === 'run' ? playgroundHash(source) : traceHash(source)}>
      <code>{source}</code>
    </a>
  )
}
