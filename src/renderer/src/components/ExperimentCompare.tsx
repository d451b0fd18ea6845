import type {
  CaseComparison,
  ExperimentComparison,
  ExperimentSummary,
  ScoreChange,
} from '../../../shared/evals'
import { formatDelta, formatRate, formatRateDelta, formatScore } from '../evals-view'
import { formatLocalTime } from '../format'
import { useExperimentComparison } from '../hooks/use-evals'
import { EVALS_HASH, experimentCompareHash, experimentHash, traceHash } from '../route'
import { CaseValue, OutcomeBadge } from './EvalValues'
import { ErrorNotice } from './ErrorNotice'
import { TotalsTable } from './TotalsTable'

const CHANGE_LABELS: Record<CaseComparison['change'], string> = {
  only_a: 'only in A',
  only_b: 'only in B',
  changed: 'changed',
  same: 'same',
}

/**
 * Compares two experiments: their totals side by side, then each case
 * matched by name, with regressions (passed in A, not in B) and fixes
 * marked.
 */
export function ExperimentCompare({ a, b }: { a: string; b: string }) {
  const { data, error } = useExperimentComparison(a, b)

  return (
    <main className="page evals-page" data-testid="experiment-compare">
      <p>
        <a href={EVALS_HASH}>Evals</a>
      </p>
      <h1>Compare experiments</h1>
      {error !== null && <ErrorNotice title={`Could not compare ${a} and ${b}`} message={error} />}
      {data === null ? (
        error === null && <p className="muted">Comparing…</p>
      ) : (
        <>
          <p className="compare-sides">
            <SideLink side="A" experiment={data.a} />
            <SideLink side="B" experiment={data.b} />
            <a href={experimentCompareHash(data.b.id, data.a.id)}>Swap A and B</a>
          </p>
          <ComparisonTotals comparison={data} />
          <ComparisonSummary comparison={data} />
          <CaseComparisonTable comparison={data} />
        </>
      )}
    </main>
  )
}

function SideLink({ side, experiment }: { side: string; experiment: ExperimentSummary }) {
  return (
    <span className="compare-side">
      <span className="diff-side-name">{side}</span>{' '}
      <a href={experimentHash(experiment.id)}>{experiment.name}</a>{' '}
      <span className="muted">started {formatLocalTime(experiment.startTime)}</span>
    </span>
  )
}

function ComparisonTotals({ comparison }: { comparison: ExperimentComparison }) {
  const a = comparison.a.totals
  const b = comparison.b.totals
  const countRow = (label: string, valueA: number, valueB: number) => ({
    label,
    a: String(valueA),
    b: String(valueB),
    difference: formatDelta(valueB - valueA, String),
  })
  const rows = [
    countRow('Cases', a.cases, b.cases),
    countRow('Passed', a.passed, b.passed),
    countRow('Failed', a.failed, b.failed),
    countRow('Errors', a.errors, b.errors),
    {
      label: 'Assertions passed',
      a: formatRate(a.assertionPassRate),
      b: formatRate(b.assertionPassRate),
      difference: formatRateDelta(a.assertionPassRate, b.assertionPassRate),
    },
    ...comparison.scoreAverages.map((score) => ({
      label: `${score.name} average`,
      a: score.a === null ? '—' : formatScore(score.a),
      b: score.b === null ? '—' : formatScore(score.b),
      difference: score.delta === null ? '' : formatDelta(score.delta),
    })),
  ]
  const totals = rows.map((row) => ({ ...row, changed: row.difference !== '' }))
  return <TotalsTable rows={totals} testId="compare-totals" rowTestId="compare-total" />
}

function ComparisonSummary({ comparison }: { comparison: ExperimentComparison }) {
  const onlyA = comparison.cases.filter((c) => c.change === 'only_a').length
  const onlyB = comparison.cases.filter((c) => c.change === 'only_b').length
  return (
    <ul className="compare-summary" data-testid="compare-summary">
      <li data-testid="compare-regressions">
        Regressions (passed in A, not in B):{' '}
        {comparison.regressions.length === 0 ? 'none' : comparison.regressions.join(', ')}
      </li>
      <li data-testid="compare-fixes">
        Fixes (failed in A, passed in B):{' '}
        {comparison.fixes.length === 0 ? 'none' : comparison.fixes.join(', ')}
      </li>
      {onlyA + onlyB > 0 && (
        <li>
          Cases in one experiment only: {onlyA} only in A, {onlyB} only in B
        </li>
      )}
    </ul>
  )
}

function CaseComparisonTable({ comparison }: { comparison: ExperimentComparison }) {
  const regressions = new Set(comparison.regressions)
  const fixes = new Set(comparison.fixes)
  return (
    <table className="evals-table compare-table" data-testid="compare-table">
      <thead>
        <tr>
          <th scope="col">Case</th>
          <th scope="col">Change</th>
          <th scope="col">A</th>
          <th scope="col">B</th>
          <th scope="col">Output in A</th>
          <th scope="col">Output in B</th>
          <th scope="col">Assertions, scores and labels</th>
        </tr>
      </thead>
      <tbody>
        {comparison.cases.map((c) => {
          const mark = regressions.has(c.name) ? 'regression' : fixes.has(c.name) ? 'fix' : null
          return (
            <tr
              key={c.name}
              className={`compare-row change-${c.change}${mark ? ` ${mark}` : ''}`}
              data-testid="compare-row"
              data-case-name={c.name}
              data-change={c.change}
              data-mark={mark ?? ''}
            >
              <th scope="row">
                {c.name}
                {mark !== null && <span className={`badge ${mark}-badge`}>{mark}</span>}
              </th>
              <td>
                <span className={`badge change-badge change-${c.change}`}>
                  {CHANGE_LABELS[c.change]}
                </span>
              </td>
              <td>{c.a === null ? '—' : <CaseLink evalCase={c.a} />}</td>
              <td>{c.b === null ? '—' : <CaseLink evalCase={c.b} />}</td>
              <td>{c.a === null ? '—' : <OutputCell evalCase={c.a} />}</td>
              <td className={c.outputChanged ? 'output-changed' : undefined}>
                {c.b === null ? '—' : <OutputCell evalCase={c.b} />}
              </td>
              <td>
                <CaseChanges comparison={c} />
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** Shows the case's outcome as a link to its span in the trace view. */
function CaseLink({ evalCase: c }: { evalCase: NonNullable<CaseComparison['a']> }) {
  return (
    <a href={traceHash(c.traceId, c.spanId)} title="Open this case's span in its trace">
      <OutcomeBadge outcome={c.outcome} />
    </a>
  )
}

function OutputCell({ evalCase: c }: { evalCase: NonNullable<CaseComparison['a']> }) {
  if (c.error !== null) {
    return (
      <span className="case-error-text">
        {c.error.type?.split('.').at(-1) ?? 'error'}: {c.error.message}
      </span>
    )
  }
  return <CaseValue value={c.output} />
}

function CaseChanges({ comparison: c }: { comparison: CaseComparison }) {
  const items = [
    ...c.assertionChanges.map((change) => ({
      key: `assertion ${change.name}`,
      text: `${change.name} ${mark(change.a)} → ${mark(change.b)}`,
      bad: change.a === true && change.b !== true,
    })),
    ...c.scoreChanges.map((change) => ({
      key: `score ${change.name}`,
      text: scoreChangeText(change),
      // Whether a higher score is better depends on the evaluator, so no score change is marked.
      bad: false,
    })),
    ...c.labelChanges.map((change) => ({
      key: `label ${change.name}`,
      text: `${change.name} ${change.a ?? '—'} → ${change.b ?? '—'}`,
      bad: false,
    })),
  ]
  if (items.length === 0) return null
  return (
    <ul className="case-changes">
      {items.map((item) => (
        <li
          key={item.key}
          className={item.bad ? 'change-worse' : undefined}
          data-testid="case-change"
        >
          {item.text}
        </li>
      ))}
    </ul>
  )
}

function mark(value: boolean | null): string {
  if (value === null) return '—'
  return value ? '✓' : '✗'
}

function scoreChangeText(change: ScoreChange): string {
  const a = change.a === null ? '—' : formatScore(change.a)
  const b = change.b === null ? '—' : formatScore(change.b)
  const delta = change.delta === null ? '' : ` (${formatDelta(change.delta)})`
  return `${change.name} ${a} → ${b}${delta}`
}
