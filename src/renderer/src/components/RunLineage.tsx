import type { RunJson } from '../../../shared/api'
import { editedSpansText, runLineage } from '../fork-edits'
import { sourceKind } from '../replay-form'
import { playgroundHash, traceHash } from '../route'

/** Shows where a replay run comes from: "replay of SOURCE", or "fork of SOURCE" with its edited calls. */
export function RunLineage({ run }: { run: RunJson }) {
  const lineage = runLineage(run)
  if (lineage === null) return null
  return (
    <span className={`run-lineage ${lineage.kind}`} data-testid="run-lineage">
      {lineage.kind === 'fork' ? 'fork of ' : 'replay of '}
      <SourceLink source={lineage.source} />
      {lineage.kind === 'fork' && (
        <span className="muted" data-testid="run-edited-spans">
          , {editedSpansText(lineage.editedSpanIds)}
        </span>
      )}
    </span>
  )
}

/** Links a replay source to its run in the playground or to its trace; a cassette file stays text. */
export function SourceLink({ source }: { source: string }) {
  const kind = sourceKind(source)
  if (kind === null) return <code>{source}</code>
  return (
    <a href={kind === 'run' ? playgroundHash(source) : traceHash(source)}>
      <code>{source}</code>
    </a>
  )
}
