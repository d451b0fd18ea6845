import type { RunDiffJson } from '../../../shared/api'
import { diffTotalRows } from '../diff-view'
import { useDiff } from '../hooks/use-diff'
import { sourceKind } from '../replay-form'
import { playgroundHash, traceHash } from '../route'
import { DiffSteps } from './DiffSteps'
import { ErrorNotice } from './ErrorNotice'
import { TotalsTable } from './TotalsTable'

/**
 * Renders two runs (or traces) side by side: their totals with the
 * differences, then their model calls and tool calls aligned by position,
 * with the first divergence marked.
 */
export function DiffPage({ a, b }: { a: string; b: string }) {
  const { diff, error, problems } = useDiff(a, b)

  return (
    <main className="page diff-page" data-testid="diff-page">
      <h1>Diff</h1>
      <p className="diff-sides">
        <span className="diff-side-name">A</span> <SideLink id={a} />
        <span className="diff-side-name">B</span> <SideLink id={b} />
      </p>
      <p className="muted">
        The model calls and tool calls of both, each in the order they started, aligned by position.
      </p>
      {error !== null && (
        <ErrorNotice
          title={`Could not compare ${a} and ${b}`}
          message={error}
          problems={problems}
        />
      )}
      {diff === null ? (
        error === null && <p className="muted">Comparing…</p>
      ) : (
        <>
          <DiffTotals diff={diff} />
          {sourceKind(a) !== sourceKind(b) && (
            <p className="muted" data-testid="diff-kinds-note">
              One side is a trace and the other a run. A run&apos;s duration covers its whole
              command, from start to exit, and a trace&apos;s only its spans, so the durations
              differ by more than the agent&apos;s work.
            </p>
          )}
          <DiffSteps diff={diff} />
        </>
      )}
    </main>
  )
}

function DiffTotals({ diff }: { diff: RunDiffJson }) {
  return (
    <TotalsTable
      rows={diffTotalRows(diff.a, diff.b)}
      testId="diff-totals"
      rowTestId="diff-total"
      differenceTestId="diff-total-difference"
    />
  )
}

function SideLink({ id }: { id: string }) {
  const kind = sourceKind(id)
  const code = <code>{id}</code>
  if (kind === null) return code
  return (
    <a href={kind === 'run' ? playgroundHash(id) : traceHash(id)} title={`Open ${kind} ${id}`}>
      {code}
    </a>
  )
}
