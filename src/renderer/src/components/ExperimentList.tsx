import { useState } from 'react'
import type { ExperimentSummary } from '../../../shared/evals'
import { comparisonOrder, formatRate, formatScore } from '../evals-view'
import { formatDuration, formatLocalTime } from '../format'
import { useExperiments } from '../hooks/use-evals'
import { navigate } from '../navigation'
import { experimentCompareHash, experimentHash } from '../route'
import { ErrorNotice } from './ErrorNotice'

/**
 * Lists the pydantic_evals experiments, newest first, with their case
 * totals. Two selected experiments open the comparison, the older one as A.
 */
export function ExperimentList() {
  const { data: experiments, error, reload } = useExperiments()
  const [selected, setSelected] = useState<string[]>([])

  const toggle = (id: string) =>
    setSelected((ids) => (ids.includes(id) ? ids.filter((other) => other !== id) : [...ids, id]))
  const chosen = (experiments ?? []).filter((e) => selected.includes(e.id))
  const compare = () => {
    const [a, b] = comparisonOrder(chosen[0]!, chosen[1]!)
    navigate(experimentCompareHash(a.id, b.id))
  }

  return (
    <main className="page evals-page" data-testid="evals-page">
      <div className="evals-toolbar">
        <h1>Evals</h1>
        <button
          type="button"
          disabled={chosen.length !== 2}
          onClick={compare}
          data-testid="compare-selected"
          title="Select two experiments to compare their cases"
        >
          Compare selected
        </button>
        <button type="button" onClick={reload} data-testid="reload-experiments">
          Reload
        </button>
      </div>
      <p className="muted">
        pydantic_evals experiments that the Logfire SDK sent to Loupe, newest first. Open one to see
        its cases, or select two to compare them case by case.
      </p>
      {error !== null && <ErrorNotice title="Could not load the experiments" message={error} />}
      {experiments === null ? (
        error === null && <p className="muted">Loading…</p>
      ) : experiments.length === 0 ? (
        <NoExperiments />
      ) : (
        <table className="evals-table" data-testid="experiment-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Select</span>
              </th>
              <th scope="col">Experiment</th>
              <th scope="col">Dataset</th>
              <th scope="col">Started</th>
              <th scope="col" className="number">
                Cases
              </th>
              <th scope="col" className="number">
                Passed
              </th>
              <th scope="col" className="number">
                Failed
              </th>
              <th scope="col" className="number">
                Errors
              </th>
              <th scope="col" className="number">
                Assertions
              </th>
              <th scope="col">Score averages</th>
              <th scope="col" className="number">
                Duration
              </th>
            </tr>
          </thead>
          <tbody>
            {experiments.map((experiment) => (
              <ExperimentRow
                key={experiment.id}
                experiment={experiment}
                selected={selected.includes(experiment.id)}
                onToggle={() => toggle(experiment.id)}
              />
            ))}
          </tbody>
        </table>
      )}
    </main>
  )
}

function ExperimentRow({
  experiment: e,
  selected,
  onToggle,
}: {
  experiment: ExperimentSummary
  selected: boolean
  onToggle: () => void
}) {
  const { totals } = e
  const failing = totals.failed + totals.errors > 0
  return (
    <tr
      className={failing ? 'experiment-row failing' : 'experiment-row'}
      data-testid="experiment-row"
      data-experiment-id={e.id}
    >
      <td>
        <input
          type="checkbox"
          checked={selected}
          onChange={onToggle}
          aria-label={`Select ${e.name} to compare`}
        />
      </td>
      <td className="experiment-name">
        <a href={experimentHash(e.id)}>{e.name}</a>
        {e.running && <span className="badge running">running</span>}
        {e.error !== null && <span className="badge status-error">error</span>}
      </td>
      <td>{e.datasetName ?? '—'}</td>
      <td>{formatLocalTime(e.startTime)}</td>
      <td className="number">{totals.cases}</td>
      <td className="number">{totals.passed}</td>
      <td className={totals.failed > 0 ? 'number count-bad' : 'number'}>{totals.failed}</td>
      <td className={totals.errors > 0 ? 'number count-bad' : 'number'}>{totals.errors}</td>
      <td className="number" data-testid="experiment-pass-rate">
        {formatRate(totals.assertionPassRate)}
      </td>
      <td>
        {Object.entries(totals.scoreAverages)
          .map(([name, average]) => `${name} ${formatScore(average)}`)
          .join(', ') || '—'}
      </td>
      <td className="number">{formatDuration(e.durationMs)}</td>
    </tr>
  )
}

function NoExperiments() {
  return (
    <section className="empty-state" data-testid="evals-empty">
      <h2>No experiments yet</h2>
      <p>
        Run a pydantic_evals experiment (<code>Dataset.evaluate</code> or <code>evaluate_sync</code>
        ) in a program that configures Logfire to send to Loupe, for example with{' '}
        <code>OTEL_EXPORTER_OTLP_ENDPOINT</code> set to Loupe&apos;s OTLP/HTTP address and{' '}
        <code>LOGFIRE_SEND_TO_LOGFIRE=false</code>. Each experiment shows here with its cases.
      </p>
    </section>
  )
}
