import { useState, type FormEvent } from 'react'
import type { PanelJson } from '../../../shared/dashboards'
import { errorMessage } from '../api'
import { formatTimeValue } from '../charts/chart-scale'
import {
  dashboardsHash,
  explorerHash,
  RANGE_PRESETS,
  type DashboardRange,
  type RangePreset,
} from '../explorer-route'
import { useDashboard } from '../hooks/use-dashboard'
import { navigate } from '../navigation'
import { Chart } from './Chart'
import { ErrorNotice } from './ErrorNotice'
import '../charts/dashboards.css'

/**
 * Renders the dashboards page: the built-in panels (cost, latency, tool failures,
 * error classes, tokens) for a time range, and the charts pinned from the
 * SQL explorer. Each panel shows its SQL on demand and opens in the
 * explorer.
 */
export function DashboardsPage({ range }: { range: DashboardRange }) {
  const { dashboard, loading, error, reload, removePinned } = useDashboard(range)
  const [removeError, setRemoveError] = useState<string | null>(null)

  const remove = (panel: PanelJson) => {
    setRemoveError(null)
    removePinned(panel.id).catch((failure: unknown) => setRemoveError(errorMessage(failure)))
  }
  return (
    <main className="page dashboards-page" data-testid="dashboards-page">
      <h1>Dashboards</h1>
      <RangeToolbar range={range} loading={loading} onReload={reload} />
      {dashboard !== null && (
        <p className="muted" data-testid="dashboard-range">
          {formatTimeValue(Date.parse(dashboard.from))} to{' '}
          {formatTimeValue(Date.parse(dashboard.to))}, in {dashboard.bucket} buckets.
        </p>
      )}
      {error !== null && <ErrorNotice title="Could not load the dashboards" message={error} />}
      {dashboard === null ? (
        error === null && <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="dashboard-grid" data-testid="builtin-panels">
            {dashboard.panels.map((panel) => (
              <Panel key={panel.id} panel={panel} />
            ))}
          </div>
          <h2>Pinned charts</h2>
          {removeError !== null && (
            <ErrorNotice title="Could not remove the chart" message={removeError} />
          )}
          {dashboard.pinned.length === 0 ? (
            <p className="muted" data-testid="no-pinned">
              None yet. Run a query in the{' '}
              <a href={explorerHash({ sql: '', view: 'chart', chart: null })}>SQL explorer</a>,
              choose its chart, and pin it here.
            </p>
          ) : (
            <div className="dashboard-grid" data-testid="pinned-panels">
              {dashboard.pinned.map((panel) => (
                <Panel key={panel.id} panel={panel} onRemove={() => remove(panel)} />
              ))}
            </div>
          )}
        </>
      )}
    </main>
  )
}

function RangeToolbar({
  range,
  loading,
  onReload,
}: {
  range: DashboardRange
  loading: boolean
  onReload: () => void
}) {
  const [from, setFrom] = useState('from' in range ? localInputValue(range.from) : '')
  const [to, setTo] = useState('to' in range ? localInputValue(range.to) : '')
  const [problem, setProblem] = useState<string | null>(null)

  const applyCustom = (event: FormEvent) => {
    event.preventDefault()
    const fromMs = Date.parse(from)
    const toMs = Date.parse(to)
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
      setProblem('Enter both times of the custom range.')
      return
    }
    if (fromMs >= toMs) {
      setProblem('The custom range must start before it ends.')
      return
    }
    setProblem(null)
    const custom = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }
    navigate(dashboardsHash(custom))
  }
  return (
    <>
      <form className="dashboard-toolbar" onSubmit={applyCustom} data-testid="range-toolbar">
        <div className="view-tabs" role="group" aria-label="Time range">
          {(Object.keys(RANGE_PRESETS) as RangePreset[]).map((preset) => (
            <button
              key={preset}
              type="button"
              className="view-tab"
              aria-selected={'preset' in range && range.preset === preset}
              title={RANGE_PRESETS[preset].label}
              onClick={() => navigate(dashboardsHash({ preset }))}
              data-testid={`range-${preset}`}
            >
              {preset}
            </button>
          ))}
        </div>
        <label>
          From{' '}
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          to <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit">Apply</button>
        <button type="button" onClick={onReload} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </form>
      {problem !== null && <ErrorNotice title="Invalid time range" message={problem} />}
    </>
  )
}

/** Returns an ISO time as the local `YYYY-MM-DDTHH:MM` text of a datetime-local input. */
function localInputValue(iso: string): string {
  const date = new Date(iso)
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

function Panel({ panel, onRemove }: { panel: PanelJson; onRemove?: () => void }) {
  const [showSql, setShowSql] = useState(false)
  const explorer = explorerHash({ sql: panel.sql, view: 'chart', chart: panel.chart })
  return (
    <section className="dashboard-panel" data-testid="panel" data-panel-id={panel.id}>
      <div className="panel-head">
        <h3>{panel.title}</h3>
        <button
          type="button"
          aria-expanded={showSql}
          onClick={() => setShowSql((shown) => !shown)}
          data-testid="show-sql"
        >
          {showSql ? 'Hide SQL' : 'SQL'}
        </button>
        <a href={explorer} data-testid="open-in-explorer">
          Open in SQL explorer
        </a>
        {onRemove !== undefined && (
          <button type="button" onClick={onRemove} data-testid="remove-pinned">
            Remove
          </button>
        )}
      </div>
      <p className="panel-description muted">{panel.description}</p>
      {panel.error !== null ? (
        <ErrorNotice title="The panel's query failed" message={panel.error.error} />
      ) : panel.result !== null ? (
        <Chart
          result={panel.result}
          spec={panel.chart}
          title={panel.title}
          emptyText={panel.emptyText}
        />
      ) : null}
      {showSql && (
        <pre className="panel-sql" data-testid="panel-sql">
          {panel.sql}
        </pre>
      )}
    </section>
  )
}
