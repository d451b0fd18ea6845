import type { RunDiffJson } from '../../../shared/api'
import { diffTotalRows } from '../diff-view'
import { useDiff } from '../hooks/use-diff'
import { sourceKind } from '../replay-form'
import { playgroundHash, traceHash } from '../route'
import { DiffSteps } from './DiffSteps'
import { ErrorNotice } from './ErrorNotice'

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
  const rows = diffTotalRows(diff.a, diff.b)
  return (
    <table className="diff-totals" data-testid="diff-totals">
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Total</span>
          </th>
          <th scope="col" className="number">
            A
          </th>
          <th scope="col" className="number">
            B
          </th>
          <th scope="col" className="number">
            Difference
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={row.label}
            className={row.changed ? 'changed' : undefined}
            data-testid="diff-total"
            data-label={row.label}
          >
            <th scope="row">{row.label}</th>
            <td className="number">{row.a}</td>
            <td className="number">{row.b}</td>
            <td className="number" data-testid="diff-total-difference">
              {row.difference}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
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
