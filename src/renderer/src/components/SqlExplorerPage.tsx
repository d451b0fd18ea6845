import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react'
import type { QueryRequest, QueryResult } from '../../../shared/api'
import type { ChartSpec, QuerySchemaJson } from '../../../shared/dashboards'
import { suggestChart } from '../charts/chart-data'
import { explorerHash, type ExplorerState, type ExplorerView } from '../explorer-route'
import { formatCount, formatDuration, pluralize } from '../format'
import { MAX_TIMEOUT_SECONDS, useQuerySchema, useSqlQuery } from '../hooks/use-sql-query'
import { navigate } from '../navigation'
import { SQL_EXAMPLES } from '../../../shared/sql-examples'
import { Chart } from './Chart'
import { ChartControls } from './ChartControls'
import { ErrorNotice } from './ErrorNotice'
import { PinChartForm } from './PinChartForm'
import { ResultTable } from './ResultTable'
import '../charts/dashboards.css'

const SqlEditor = lazy(() => import('./SqlEditor'))

const DEFAULT_LIMIT_ROWS = 10_000
const MAX_LIMIT_ROWS = 100_000
const DEFAULT_TIMEOUT_SECONDS = 5

/** Returns the query's limits, or a message that names the invalid one. */
function parseLimits(rows: string, seconds: string): Omit<QueryRequest, 'sql'> | string {
  const limitRows = Number(rows)
  if (!Number.isInteger(limitRows) || limitRows < 1 || limitRows > MAX_LIMIT_ROWS) {
    return `The row limit must be a whole number from 1 to ${formatCount(MAX_LIMIT_ROWS)}.`
  }
  const timeout = Number(seconds)
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_SECONDS) {
    return `The time limit must be more than 0 and at most ${MAX_TIMEOUT_SECONDS} seconds.`
  }
  return { limitRows, timeoutMs: Math.round(timeout * 1000) }
}

function chartFits(chart: ChartSpec, result: QueryResult): boolean {
  const columns = [chart.x, ...chart.y, ...(chart.series === null ? [] : [chart.series])]
  return columns.every((name) => result.columns.includes(name))
}

/**
 * Renders the SQL explorer: a Monaco SQL editor with completion of the views and
 * their columns, Ctrl/Cmd+Enter to run, and the result as a virtualized
 * table or a chart that can be pinned to the dashboards page. The last
 * query run, the view and the chart are in the URL.
 */
export function SqlExplorerPage({ route }: { route: ExplorerState }) {
  const schema = useQuerySchema()
  const { state, run } = useSqlQuery()
  const [sql, setSql] = useState(route.sql || SQL_EXAMPLES[0]!.sql)
  const [view, setView] = useState<ExplorerView>(route.view)
  const [chart, setChart] = useState<ChartSpec | null>(route.chart)
  const [limitRows, setLimitRows] = useState(String(DEFAULT_LIMIT_ROWS))
  const [timeoutSeconds, setTimeoutSeconds] = useState(String(DEFAULT_TIMEOUT_SECONDS))
  const [limitProblem, setLimitProblem] = useState<string | null>(null)
  const writtenHash = useRef<string | null>(null)

  const execute = useCallback(
    (text: string) => {
      const limits = parseLimits(limitRows, timeoutSeconds)
      if (typeof limits === 'string') {
        setLimitProblem(limits)
        return
      }
      setLimitProblem(null)
      run({ sql: text, ...limits })
    },
    [limitRows, timeoutSeconds, run],
  )

  // A hash that this page did not write (a shared link, or "Open in SQL
  // explorer" on the dashboards page) loads its query and runs it.
  useEffect(() => {
    const hash = explorerHash(route)
    if (hash === writtenHash.current) return
    writtenHash.current = hash
    setView(route.view)
    setChart(route.chart)
    if (route.sql.trim() !== '') {
      setSql(route.sql)
      execute(route.sql)
    }
    // Only a new route loads a query; a change of the limits does not run it again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [route])

  const result = state.result
  useEffect(() => {
    if (result === null) return
    setChart((old) => (old !== null && chartFits(old, result) ? old : suggestChart(result)))
  }, [result])

  // The URL follows the query that ran, so that a copied link shows the same result.
  const ranSql = state.request?.sql ?? null
  useEffect(() => {
    if (ranSql === null) return
    const hash = explorerHash({ sql: ranSql, view, chart })
    writtenHash.current = hash
    navigate(hash, { replace: true })
  }, [ranSql, view, chart])

  return (
    <main className="page sql-page" data-testid="sql-page">
      <h1>SQL explorer</h1>
      <p className="muted">
        Read-only SQL (SQLite) over the views <code>records</code>, <code>traces</code>,{' '}
        <code>agent_runs</code>, <code>model_calls</code>, <code>tool_calls</code> and{' '}
        <code>logs</code>. Press <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd> on
        macOS) to run. Times are UTC; costs are US dollars.
      </p>
      <div className="sql-layout">
        <SchemaList schema={schema} />
        <section className="sql-main">
          <QueryToolbar
            running={state.running}
            limitRows={limitRows}
            timeoutSeconds={timeoutSeconds}
            onLimitRows={setLimitRows}
            onTimeoutSeconds={setTimeoutSeconds}
            onExample={setSql}
            onRun={() => execute(sql)}
          />
          <Suspense fallback={<p className="muted">Loading the editor…</p>}>
            <SqlEditor value={sql} onChange={setSql} onRun={() => execute(sql)} schema={schema} />
          </Suspense>
          {limitProblem !== null && <ErrorNotice title="Invalid limit" message={limitProblem} />}
          {state.error !== null && <ErrorNotice title="The query failed" message={state.error} />}
          {result !== null && (
            <ResultView
              result={result}
              limitRows={state.request?.limitRows ?? DEFAULT_LIMIT_ROWS}
              view={view}
              onView={setView}
              chart={chart}
              onChart={setChart}
              sql={state.request?.sql ?? sql}
            />
          )}
        </section>
      </div>
    </main>
  )
}

function QueryToolbar(props: {
  running: boolean
  limitRows: string
  timeoutSeconds: string
  onLimitRows: (value: string) => void
  onTimeoutSeconds: (value: string) => void
  onExample: (sql: string) => void
  onRun: () => void
}) {
  return (
    <div className="sql-toolbar">
      <button
        type="button"
        className="primary"
        onClick={props.onRun}
        disabled={props.running}
        data-testid="run-query"
      >
        {props.running ? 'Running…' : 'Run'}
      </button>
      <label>
        Row limit{' '}
        <input
          type="number"
          min={1}
          max={MAX_LIMIT_ROWS}
          value={props.limitRows}
          onChange={(event) => props.onLimitRows(event.target.value)}
          className="sql-limit"
        />
      </label>
      <label>
        Time limit (s){' '}
        <input
          type="number"
          min={1}
          max={MAX_TIMEOUT_SECONDS}
          value={props.timeoutSeconds}
          onChange={(event) => props.onTimeoutSeconds(event.target.value)}
          className="sql-limit"
        />
      </label>
      <label>
        Examples{' '}
        <select
          value=""
          onChange={(event) => {
            const example = SQL_EXAMPLES.find((item) => item.title === event.target.value)
            if (example) props.onExample(example.sql)
          }}
        >
          <option value="">Load an example…</option>
          {SQL_EXAMPLES.map((example) => (
            <option key={example.title} value={example.title}>
              {example.title}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}

function ResultView(props: {
  result: QueryResult
  limitRows: number
  view: ExplorerView
  onView: (view: ExplorerView) => void
  chart: ChartSpec | null
  onChart: (chart: ChartSpec) => void
  sql: string
}) {
  const { result, chart } = props
  return (
    <div className="sql-result">
      <div className="sql-result-bar">
        <div className="view-tabs" role="tablist">
          {(['table', 'chart'] as const).map((view) => (
            <button
              key={view}
              type="button"
              role="tab"
              aria-selected={props.view === view}
              className="view-tab"
              onClick={() => props.onView(view)}
              data-testid={`view-${view}`}
            >
              {view === 'table' ? 'Table' : 'Chart'}
            </button>
          ))}
        </div>
        <span className="muted" data-testid="query-status">
          {pluralize(result.rows.length, 'row')} in {formatDuration(result.elapsedMs)}
          {result.truncated
            ? ` · row limit of ${formatCount(props.limitRows)} reached, more rows were left out`
            : ` · row limit ${formatCount(props.limitRows)}`}
        </span>
      </div>
      {props.view === 'table' ? (
        <ResultTable result={result} />
      ) : chart === null ? (
        <p className="chart-notice" data-testid="chart-notice">
          A chart needs a numeric column to draw; this result has none.
        </p>
      ) : (
        <>
          <ChartControls result={result} spec={chart} onChange={props.onChart} />
          <Chart result={result} spec={chart} title="Query result" height={300} />
          <PinChartForm sql={props.sql} chart={chart} />
        </>
      )}
    </div>
  )
}

function SchemaList({ schema }: { schema: QuerySchemaJson | null }) {
  return (
    <aside className="sql-schema" aria-label="Views and columns">
      <h2>Views</h2>
      {schema === null ? (
        <p className="muted">Loading…</p>
      ) : (
        schema.views.map((view) => (
          <details key={view.name}>
            <summary>
              <code>{view.name}</code>
            </summary>
            <ul>
              {view.columns.map((column) => (
                <li key={column}>
                  <code>{column}</code>
                </li>
              ))}
            </ul>
          </details>
        ))
      )}
      {schema !== null && (
        <>
          <h2>Functions</h2>
          <ul>
            {schema.functions.map((fn) => (
              <li key={fn.name} title={fn.description}>
                <code>{fn.signature}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  )
}
