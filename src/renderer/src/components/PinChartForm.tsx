import { useState, type FormEvent } from 'react'
import type { ChartSpec, PinnedChart } from '../../../shared/dashboards'
import { errorMessage, errorProblems } from '../api'
import { useApi } from '../api-context'
import { pinChart } from '../dashboard-client'
import { DASHBOARDS_HASH } from '../explorer-route'
import { ErrorNotice } from './ErrorNotice'

/** Pins the SQL explorer's chart, with a title, to the dashboards page. */
export function PinChartForm({ sql, chart }: { sql: string; chart: ChartSpec }) {
  const { client } = useApi()
  const [title, setTitle] = useState('')
  const [saving, setSaving] = useState(false)
  const [pinned, setPinned] = useState<PinnedChart | null>(null)
  const [problem, setProblem] = useState<{ message: string; problems: string[] } | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setSaving(true)
    setProblem(null)
    pinChart(client, { title, sql, chart }).then(
      (saved) => {
        setSaving(false)
        setPinned(saved)
        setTitle('')
      },
      (error: unknown) => {
        setSaving(false)
        setProblem({ message: errorMessage(error), problems: errorProblems(error) })
      },
    )
  }

  return (
    <form className="pin-chart" onSubmit={submit} data-testid="pin-chart">
      <label>
        Title{' '}
        <input
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          placeholder="Cost per hour by model"
          maxLength={120}
          data-testid="pin-title"
        />
      </label>
      <button type="submit" disabled={saving || title.trim() === ''}>
        {saving ? 'Pinning…' : 'Pin to dashboards'}
      </button>
      {pinned !== null && (
        <span className="muted" data-testid="pin-notice">
          Pinned “{pinned.title}”. <a href={DASHBOARDS_HASH}>Open the dashboards</a>
        </span>
      )}
      {problem !== null && (
        <ErrorNotice
          title="Could not pin the chart"
          message={problem.message}
          problems={problem.problems}
        />
      )}
    </form>
  )
}
