// The hash routes of the SQL explorer and the dashboards page, whose state
// lives in the URL so that it can be shared:
//
//   #/sql?q=SQL&view=chart&type=line&x=hour&y=cost_usd&series=model&unit=usd
//   #/dashboards?range=24h     (1h, 24h or 7d)
//   #/dashboards?from=ISO&to=ISO

import {
  CHART_TYPES,
  CHART_UNITS,
  type ChartSpec,
  type ChartType,
  type ChartUnit,
} from '../../shared/dashboards'

export type RangePreset = '1h' | '24h' | '7d'

export const RANGE_PRESETS: Record<RangePreset, { label: string; ms: number }> = {
  '1h': { label: 'Last hour', ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', ms: 24 * 3_600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
}

/** A preset relative to now, or a custom range of ISO 8601 times. */
export type DashboardRange = { preset: RangePreset } | { from: string; to: string }

export type ExplorerView = 'table' | 'chart'

export interface ExplorerState {
  sql: string
  view: ExplorerView
  /** The chart's columns as the URL gives them; null to let the page suggest a chart. */
  chart: ChartSpec | null
}

export type AnalysisRoute =
  { page: 'sql'; explorer: ExplorerState } | { page: 'dashboards'; range: DashboardRange }

export const DASHBOARDS_HASH = '#/dashboards'
export const SQL_HASH = '#/sql'

/** Parses `#/sql?...` and `#/dashboards?...`; returns null for any other hash. */
export function parseAnalysisHash(hash: string): AnalysisRoute | null {
  const path = hash.replace(/^#\/?/, '')
  const [page, query = ''] = splitOnce(path, '?')
  const params = new URLSearchParams(query)
  if (page === 'sql') return { page: 'sql', explorer: parseExplorerParams(params) }
  if (page === 'dashboards') return { page: 'dashboards', range: parseRangeParams(params) }
  return null
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator)
  return at === -1 ? [text] : [text.slice(0, at), text.slice(at + 1)]
}

function parseExplorerParams(params: URLSearchParams): ExplorerState {
  const view = params.get('view') === 'chart' ? 'chart' : 'table'
  const type = params.get('type')
  const x = params.get('x')
  const y = params.getAll('y').filter((name) => name !== '')
  const unit = params.get('unit') ?? 'none'
  const chart =
    type !== null &&
    CHART_TYPES.includes(type as ChartType) &&
    CHART_UNITS.includes(unit as ChartUnit) &&
    x !== null &&
    x !== '' &&
    y.length > 0
      ? {
          type: type as ChartType,
          x,
          y,
          series: params.get('series') || null,
          unit: unit as ChartUnit,
        }
      : null
  return { sql: params.get('q') ?? '', view, chart }
}

function parseRangeParams(params: URLSearchParams): DashboardRange {
  const from = params.get('from')
  const to = params.get('to')
  if (from !== null && to !== null && isTime(from) && isTime(to) && from < to) return { from, to }
  const preset = params.get('range')
  return { preset: preset !== null && preset in RANGE_PRESETS ? (preset as RangePreset) : '24h' }
}

function isTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value))
}

/** Returns the hash of the SQL explorer with a query, its view and chart. */
export function explorerHash(state: ExplorerState): string {
  const params = new URLSearchParams()
  if (state.sql !== '') params.set('q', state.sql)
  if (state.view === 'chart') params.set('view', 'chart')
  if (state.chart !== null) {
    params.set('type', state.chart.type)
    params.set('x', state.chart.x)
    for (const column of state.chart.y) params.append('y', column)
    if (state.chart.series !== null) params.set('series', state.chart.series)
    params.set('unit', state.chart.unit)
  }
  const query = params.toString()
  return query === '' ? SQL_HASH : `${SQL_HASH}?${query}`
}

export function dashboardsHash(range: DashboardRange): string {
  const params =
    'preset' in range
      ? new URLSearchParams({ range: range.preset })
      : new URLSearchParams({ from: range.from, to: range.to })
  return `${DASHBOARDS_HASH}?${params.toString()}`
}

/** Returns the ISO 8601 times of a range; a preset ends at `nowMs`. */
export function rangeTimes(range: DashboardRange, nowMs: number): { from: string; to: string } {
  if ('from' in range) return { from: range.from, to: range.to }
  return {
    from: new Date(nowMs - RANGE_PRESETS[range.preset].ms).toISOString(),
    to: new Date(nowMs).toISOString(),
  }
}
