import { useState, type KeyboardEvent } from 'react'
import type { EvalCase, ExperimentSummary } from '../../../shared/evals'
import { comparisonOrder, formatRate, formatScore } from '../evals-view'
import { formatDuration, formatLocalTime } from '../format'
import { useExperiment, useExperiments } from '../hooks/use-evals'
import { navigate } from '../navigation'
import { EVALS_HASH, experimentCompareHash, traceHash } from '../route'
import { CaseValue, OutcomeBadge } from './EvalValues'
import { ErrorNotice } from './ErrorNotice'

/**
 * Shows one experiment: its totals, then a table of its cases with failed
 * assertions and errors highlighted. A click on a case opens its span in
 * the trace view.
 */
export function ExperimentPage({ id }: { id: string }) {
  const { data, error } = useExperiment(id)

  if (data === null) {
    return (
      <main className="page evals-page" data-testid="experiment-page">
        <p>
          <a href={EVALS_HASH}>Evals</a>
        </p>
        {error !== null ? (
          <ErrorNotice title={`Could not load experiment ${id}`} message={error} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    )
  }
  const { experiment, cases } = data
  return (
    <main className="page evals-page" data-testid="experiment-page">
      <p>
        <a href={EVALS_HASH}>Evals</a>
      </p>
      <h1 data-testid="experiment-name">
        {experiment.name}
        {experiment.running && <span className="badge running">running</span>}
      </h1>
      <ExperimentFacts experiment={experiment} />
      {error !== null && <ErrorNotice title="Could not reload the experiment" message={error} />}
      {experiment.error !== null && (
        <ErrorNotice
          title="The experiment raised outside its cases"
          message={`${experiment.error.type ?? 'error'}: ${experiment.error.message}`}
        />
      )}
      <ExperimentTotalsLine experiment={experiment} />
      <CompareWith experiment={experiment} />
      {cases.length === 0 ? (
        <p className="muted">
          {experiment.running ? 'No case has ended yet.' : 'This experiment has no cases.'}
        </p>
      ) : (
        <CaseTable cases={cases} />
      )}
    </main>
  )
}

function ExperimentFacts({ experiment: e }: { experiment: ExperimentSummary }) {
  return (
    <p className="experiment-facts muted">
      {e.datasetName !== null && <span>dataset {e.datasetName}</span>}
      {e.taskName !== null && <span>task {e.taskName}</span>}
      {e.serviceName !== null && <span>service {e.serviceName}</span>}
      <span>started {formatLocalTime(e.startTime)}</span>
      <span>{formatDuration(e.durationMs)}</span>
      {e.repeat > 1 && <span>each case run {e.repeat} times</span>}
      <a href={traceHash(e.traceId, e.id)} data-testid="experiment-trace-link">
        Open trace
      </a>
    </p>
  )
}

function ExperimentTotalsLine({ experiment: e }: { experiment: ExperimentSummary }) {
  const { totals } = e
  return (
    <dl className="experiment-totals" data-testid="experiment-totals">
      <div>
        <dt>Cases</dt>
        <dd data-testid="total-cases">{totals.cases}</dd>
      </div>
      <div>
        <dt>Passed</dt>
        <dd data-testid="total-passed">{totals.passed}</dd>
      </div>
      <div>
        <dt>Failed</dt>
        <dd data-testid="total-failed" className={totals.failed > 0 ? 'count-bad' : undefined}>
          {totals.failed}
        </dd>
      </div>
      <div>
        <dt>Errors</dt>
        <dd data-testid="total-errors" className={totals.errors > 0 ? 'count-bad' : undefined}>
          {totals.errors}
        </dd>
      </div>
      <div>
        <dt>Assertions passed</dt>
        <dd data-testid="total-pass-rate">
          {formatRate(totals.assertionPassRate)}
          {totals.assertions > 0 && (
            <span className="muted">
              {' '}
              ({totals.passedAssertions} of {totals.assertions})
            </span>
          )}
        </dd>
      </div>
      {Object.entries(totals.scoreAverages).map(([name, average]) => (
        <div key={name}>
          <dt>{name} average</dt>
          <dd data-testid="total-score" data-score={name}>
            {formatScore(average)}
          </dd>
        </div>
      ))}
    </dl>
  )
}

/** Offers the other experiments, newest first, to compare this one with. */
function CompareWith({ experiment }: { experiment: ExperimentSummary }) {
  const { data: experiments } = useExperiments()
  const [otherId, setOtherId] = useState('')
  const others = (experiments ?? []).filter((e) => e.id !== experiment.id)
  if (others.length === 0) return null
  const other = others.find((e) => e.id === otherId) ?? null
  const compare = () => {
    if (other === null) return
    const [a, b] = comparisonOrder(experiment, other)
    navigate(experimentCompareHash(a.id, b.id))
  }
  return (
    <p className="compare-with">
      <label>
        Compare with{' '}
        <select
          value={otherId}
          onChange={(event) => setOtherId(event.target.value)}
          data-testid="compare-with"
        >
          <option value="">choose an experiment…</option>
          {others.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name} ({formatLocalTime(e.startTime)})
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" disabled={other === null} onClick={compare}>
        Compare
      </button>
    </p>
  )
}

function CaseTable({ cases }: { cases: EvalCase[] }) {
  const hasLabels = cases.some((c) => c.labels.length > 0)
  return (
    <table className="evals-table case-table" data-testid="case-table">
      <thead>
        <tr>
          <th scope="col">Case</th>
          <th scope="col">Outcome</th>
          <th scope="col">Inputs</th>
          <th scope="col">Expected output</th>
          <th scope="col">Output</th>
          <th scope="col">Assertions</th>
          <th scope="col">Scores</th>
          {hasLabels && <th scope="col">Labels</th>}
          <th scope="col" className="number">
            Duration
          </th>
        </tr>
      </thead>
      <tbody>
        {cases.map((c) => (
          <CaseRow key={c.spanId} evalCase={c} showLabels={hasLabels} />
        ))}
      </tbody>
    </table>
  )
}

function CaseRow({ evalCase: c, showLabels }: { evalCase: EvalCase; showLabels: boolean }) {
  const href = traceHash(c.traceId, c.spanId)
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.key === 'Enter') navigate(href)
  }
  return (
    <tr
      className={`case-row case-${c.outcome}`}
      tabIndex={0}
      onClick={(event) => {
        if (!(event.target instanceof HTMLAnchorElement)) navigate(href)
      }}
      onKeyDown={onKeyDown}
      title="Open this case's span in its trace"
      data-testid="case-row"
      data-case-name={c.name}
      data-outcome={c.outcome}
    >
      <th scope="row">
        <a href={href} tabIndex={-1}>
          {c.name}
        </a>
        {c.unreadable.length > 0 && (
          <span
            className="badge warn"
            title={`These attributes are not valid JSON, so they are not shown: ${c.unreadable.join(', ')}. Loupe cuts values over its size cap, and the span shows the text as stored.`}
          >
            unreadable
          </span>
        )}
      </th>
      <td>
        <OutcomeBadge outcome={c.outcome} />
      </td>
      <td>
        <CaseValue value={c.inputs} />
      </td>
      <td>
        <CaseValue value={c.expectedOutput} />
      </td>
      <td data-testid="case-output">
        {c.error !== null ? (
          <span className="case-error-text" data-testid="case-error">
            {c.error.type?.split('.').at(-1) ?? 'error'}: {c.error.message}
          </span>
        ) : c.outcome === 'running' ? (
          <span className="muted">running…</span>
        ) : (
          <CaseValue value={c.output} />
        )}
      </td>
      <td>
        <ul className="assertion-list">
          {c.assertions.map((assertion) => (
            <li
              key={assertion.name}
              className={assertion.value ? 'assertion-passed' : 'assertion-failed'}
              data-testid="assertion"
              data-passed={String(assertion.value)}
            >
              <span aria-hidden="true">{assertion.value ? '✓' : '✗'}</span> {assertion.name}
              {!assertion.value && assertion.reason !== null && (
                <span className="assertion-reason">: {assertion.reason}</span>
              )}
            </li>
          ))}
        </ul>
      </td>
      <td>
        {c.scores.map((score) => (
          <div key={score.name} title={score.reason ?? undefined}>
            {score.name} <strong>{formatScore(score.value)}</strong>
          </div>
        ))}
      </td>
      {showLabels && (
        <td>
          {c.labels.map((label) => (
            <div key={label.name} title={label.reason ?? undefined}>
              {label.name} <strong>{label.value}</strong>
            </div>
          ))}
        </td>
      )}
      <td className="number">{c.outcome === 'running' ? '—' : formatDuration(c.durationMs)}</td>
    </tr>
  )
}
