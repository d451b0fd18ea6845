import { describe, expect, it } from 'vitest'
import type { QuerySchemaJson } from '../../../src/shared/dashboards'
import {
  dashboardsHash,
  explorerHash,
  parseAnalysisHash,
  rangeTimes,
  type ExplorerState,
} from '../../../src/renderer/src/explorer-route'
import { parseRoute } from '../../../src/renderer/src/route'
import { sqlCompletions, viewsByName } from '../../../src/renderer/src/sql-completion'

describe('explorer route', () => {
  it('round-trips a query and chart', () => {
    const state: ExplorerState = {
      sql: "SELECT strftime('%H', start_timestamp) AS hour, sum(cost_usd) AS cost_usd\nFROM model_calls /* a/b */ GROUP BY 1",
      view: 'chart',
      chart: { type: 'area', x: 'hour', y: ['cost_usd', 'calls'], series: 'model', unit: 'usd' },
    }
    const hash = explorerHash(state)
    expect(hash.startsWith('#/sql?q=')).toBe(true)
    expect(parseRoute(hash)).toEqual({ page: 'sql', explorer: state })
  })

  it('reads a plain SQL link', () => {
    expect(parseRoute('#/sql')).toEqual({
      page: 'sql',
      explorer: { sql: '', view: 'table', chart: null },
    })
    expect(parseRoute('#/sql?q=SELECT%201&type=pie&x=a&y=b')).toEqual({
      page: 'sql',
      explorer: { sql: 'SELECT 1', view: 'table', chart: null },
    })
  })

  it('parses dashboard ranges', () => {
    expect(parseAnalysisHash('#/dashboards')).toEqual({
      page: 'dashboards',
      range: { preset: '24h' },
    })
    expect(parseAnalysisHash(dashboardsHash({ preset: '7d' }))).toEqual({
      page: 'dashboards',
      range: { preset: '7d' },
    })
    const custom = { from: '2026-05-01T00:00:00.000Z', to: '2026-05-02T00:00:00.000Z' }
    expect(parseAnalysisHash(dashboardsHash(custom))).toEqual({ page: 'dashboards', range: custom })
    // A custom range that ends before it starts falls back to the default.
    expect(parseAnalysisHash(`#/dashboards?from=${custom.to}&to=${custom.from}`)).toEqual({
      page: 'dashboards',
      range: { preset: '24h' },
    })
    expect(parseAnalysisHash('#/trace/abc')).toBeNull()
  })

  it('resolves a preset against now', () => {
    const now = Date.UTC(2026, 4, 1, 12)
    expect(rangeTimes({ preset: '1h' }, now)).toEqual({
      from: '2026-05-01T11:00:00.000Z',
      to: '2026-05-01T12:00:00.000Z',
    })
  })
})

describe('SQL completion', () => {
  const schema: QuerySchemaJson = {
    views: [
      { name: 'model_calls', columns: ['model', 'cost_usd', 'trace_id'] },
      { name: 'traces', columns: ['trace_id', 'agent_name'] },
    ],
    functions: [{ name: 'percentile', signature: 'percentile(value, p)', description: 'p-th' }],
  }
  const labels = (text: string, sql = text) =>
    sqlCompletions(text, sql, schema).map((item) => item.label)

  it('finds views and their aliases', () => {
    const found = viewsByName(
      'SELECT * FROM model_calls m JOIN traces AS t ON t.trace_id = m.trace_id WHERE 1',
      schema.views,
    )
    expect([...found.keys()].sort()).toEqual(['m', 'model_calls', 't', 'traces'])
    expect(viewsByName('SELECT * FROM traces WHERE x', schema.views).has('where')).toBe(false)
  })

  it('offers the columns of an alias', () => {
    const sql = 'SELECT m. FROM model_calls m'
    expect(labels('SELECT m.', sql)).toEqual(['model', 'cost_usd', 'trace_id'])
    expect(labels('SELECT x.', sql)).toEqual([])
  })

  it('offers columns of the named views first', () => {
    const items = sqlCompletions('SELECT ', 'SELECT  FROM traces', schema)
    expect(items.slice(0, 2).map((item) => item.label)).toEqual(['trace_id', 'agent_name'])
    expect(items.map((item) => item.label)).not.toContain('cost_usd')
    expect(items.map((item) => item.label)).toContain('model_calls')
    expect(items.find((item) => item.label === 'percentile')!.detail).toBe(
      'percentile(value, p): p-th',
    )
    expect(items.map((item) => item.label)).toContain('GROUP BY')
  })

  it('offers every column without a FROM', () => {
    const items = sqlCompletions('SELECT ', 'SELECT ', schema)
    const traceId = items.find((item) => item.label === 'trace_id')!
    expect(traceId.detail).toBe('column of model_calls, traces')
    expect(items.filter((item) => item.kind === 'column')).toHaveLength(4)
  })
})
