// The dashboards API over a seeded store of 2,000 runs copied from real
// pydantic-ai and AI SDK traces (test/helpers/seed-runs.ts). Each built-in
// panel's rows must equal what the test computes from the seeder's plan,
// and the documented cost-per-agent query must return the plan's totals.
// Pinned charts are created, listed, run, replaced and removed, with clear
// errors for invalid input.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueryErrorJson, QueryResult } from '../../src/shared/api'
import type {
  DashboardJson,
  PanelJson,
  PinnedChart,
  QuerySchemaJson,
} from '../../src/shared/dashboards'
import { apiJson, removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { seedCost, seedStore, type SeededRun, type SeededStore } from '../helpers/seed-runs'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const RUNS = 2_000
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

let loupe: TestCore
let seeded: SeededStore
let dashboard: DashboardJson

type Row = Record<string, string | number | null>

/** Returns the rows of a result as objects keyed by column name. */
function rowsOf(result: QueryResult): Row[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]!])))
}

function panel(id: string): PanelJson {
  const found = dashboard.panels.find((p) => p.id === id)
  if (!found) throw new Error(`the dashboard has no panel ${id}`)
  expect(found.error, `error of panel ${id}`).toBeNull()
  return found
}

/**
 * Returns a time in Unix milliseconds as the views write it, because
 * SQLite rounds to the nearest millisecond.
 */
function viewMs(ns: bigint): number {
  return Math.round(Number(ns) / 1e6)
}

function hourBucket(ns: bigint): string {
  return new Date(viewMs(ns)).toISOString().slice(0, 13).replace('T', ' ') + ':00'
}

function inRange(ns: bigint, from: number, to: number): boolean {
  const ms = viewMs(ns)
  return ms >= from && ms < to
}

/** Returns the p-th percentile, interpolated linearly between the two nearest values. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const position = ((sorted.length - 1) * p) / 100
  const below = Math.floor(position)
  const above = Math.ceil(position)
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below)
}

function addTo(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value)
}

function runCost(run: SeededRun): number {
  return run.calls.reduce((sum, call) => sum + seedCost(call), 0)
}

/** Checks that a panel's rows, keyed by `keys`, have `column` equal to the expected sums. */
function expectSums(
  rows: Row[],
  keys: string[],
  column: string,
  expected: Map<string, number>,
): void {
  const actual = new Map(rows.map((row) => [keys.map((k) => row[k]).join('|'), row[column]]))
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort())
  for (const [key, value] of expected) {
    const got = actual.get(key)
    expect(typeof got, `${column} of ${key}`).toBe('number')
    expect(got as number, `${column} of ${key}`).toBeCloseTo(value, 9)
  }
}

async function query(sql: string): Promise<{ status: number; body: QueryResult & QueryErrorJson }> {
  return apiJson(loupe, '/api/query?wait=1', { method: 'POST', body: JSON.stringify({ sql }) })
}

beforeAll(async () => {
  loupe = await startTestCore()
  if (!python) return
  seeded = await seedStore(loupe, python, { runs: RUNS })
  const from = new Date(seeded.nowMs - DAY_MS).toISOString()
  const to = new Date(seeded.nowMs).toISOString()
  const reply = await apiJson<DashboardJson>(loupe, `/api/dashboards?from=${from}&to=${to}`)
  expect(reply.status).toBe(200)
  dashboard = reply.body
}, 600_000)

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe.skipIf(!python)('built-in dashboards', () => {
  /** Runs of the plan that started in the dashboard's range (the last 24 hours of the plan). */
  const recent = () =>
    seeded.runs.filter((run) => inRange(run.startNs, seeded.nowMs - DAY_MS, seeded.nowMs))
  const recentCalls = () =>
    seeded.runs.flatMap((run) =>
      run.calls
        .filter((call) => inRange(call.startNs, seeded.nowMs - DAY_MS, seeded.nowMs))
        .map((call) => ({ run, call })),
    )

  it('seeds runs of every template', () => {
    expect(seeded.runs).toHaveLength(RUNS)
    const names = new Set(seeded.runs.map((run) => run.template.name))
    expect([...names].sort()).toEqual(seeded.templates.map((t) => t.name).sort())
    expect(seeded.templates.map((t) => t.name).sort()).toEqual([
      'ai-sdk-openai',
      'pydantic-anthropic',
      'pydantic-openai',
      'pydantic-route POST /chat',
      'pydantic-route POST /plan',
      'pydantic-tool-failed',
      'pydantic-upstream-unavailable',
    ])
    expect(dashboard.bucket).toBe('hour')
  })

  it('cost by provider and model', () => {
    const byProvider = new Map<string, number>()
    const byModel = new Map<string, number>()
    for (const { call } of recentCalls()) {
      addTo(byProvider, `${hourBucket(call.startNs)}|${call.provider}`, seedCost(call))
      addTo(byModel, `${hourBucket(call.startNs)}|${call.model}`, seedCost(call))
    }
    expect(new Set([...byProvider.keys()].map((k) => k.split('|')[1]))).toEqual(
      new Set(['openai', 'anthropic']),
    )
    expectSums(
      rowsOf(panel('cost-by-provider').result!),
      ['hour', 'provider'],
      'cost_usd',
      byProvider,
    )
    expectSums(rowsOf(panel('cost-by-model').result!), ['hour', 'model'], 'cost_usd', byModel)
  })

  it('cost by agent and route', () => {
    const byAgent = new Map<string, number>()
    const byRoute = new Map<string, number>()
    for (const run of recent()) {
      addTo(byAgent, `${hourBucket(run.startNs)}|${run.agentName}`, runCost(run))
      addTo(byRoute, `${hourBucket(run.startNs)}|${run.route ?? 'no route'}`, runCost(run))
    }
    expect(new Set([...byRoute.keys()].map((k) => k.split('|')[1]))).toEqual(
      new Set(['/chat', '/plan', 'no route']),
    )
    expectSums(rowsOf(panel('cost-by-agent').result!), ['hour', 'agent'], 'cost_usd', byAgent)
    expectSums(rowsOf(panel('cost-by-route').result!), ['hour', 'route'], 'cost_usd', byRoute)
  })

  it('latency percentiles by agent', () => {
    const durations = new Map<string, number[]>()
    for (const run of recent()) {
      durations.set(run.agentName, [...(durations.get(run.agentName) ?? []), run.agentDurationMs])
    }
    const rows = rowsOf(panel('latency-by-agent').result!)
    expect(rows.map((row) => row.agent).sort()).toEqual([...durations.keys()].sort())
    for (const row of rows) {
      const values = durations.get(row.agent as string)!
      expect(row.calls, `runs of ${row.agent}`).toBe(values.length)
      expect(row.p50_ms as number, `p50 of ${row.agent}`).toBeCloseTo(percentile(values, 50), 3)
      expect(row.p95_ms as number, `p95 of ${row.agent}`).toBeCloseTo(percentile(values, 95), 3)
      expect(row.p99_ms as number, `p99 of ${row.agent}`).toBeCloseTo(percentile(values, 99), 3)
    }
    const p95 = rows.map((row) => row.p95_ms as number)
    expect(p95).toEqual([...p95].sort((a, b) => b - a))
  })

  it('latency percentiles by model', () => {
    const durations = new Map<string, number[]>()
    for (const { call } of recentCalls()) {
      durations.set(call.model, [...(durations.get(call.model) ?? []), call.durationMs])
    }
    const rows = rowsOf(panel('latency-by-model').result!)
    expect(rows.map((row) => row.model).sort()).toEqual([...durations.keys()].sort())
    for (const row of rows) {
      const values = durations.get(row.model as string)!
      expect(row.calls, `calls of ${row.model}`).toBe(values.length)
      expect(row.p50_ms as number, `p50 of ${row.model}`).toBeCloseTo(percentile(values, 50), 3)
      expect(row.p95_ms as number, `p95 of ${row.model}`).toBeCloseTo(percentile(values, 95), 3)
      expect(row.p99_ms as number, `p99 of ${row.model}`).toBeCloseTo(percentile(values, 99), 3)
    }
  })

  it('tool failure rate by tool', () => {
    const calls = new Map<string, number>()
    const failures = new Map<string, number>()
    for (const run of seeded.runs) {
      for (const tool of run.tools) {
        if (!inRange(tool.startNs, seeded.nowMs - DAY_MS, seeded.nowMs)) continue
        addTo(calls, tool.name, 1)
        addTo(failures, tool.name, tool.failed ? 1 : 0)
      }
    }
    const rows = rowsOf(panel('tool-failure-rate').result!)
    expect(rows.map((row) => row.tool).sort()).toEqual([...calls.keys()].sort())
    for (const row of rows) {
      const name = row.tool as string
      expect(row.calls, `calls of ${name}`).toBe(calls.get(name))
      expect(row.failures, `failures of ${name}`).toBe(failures.get(name))
      expect(row.failure_rate as number, `failure rate of ${name}`).toBeCloseTo(
        (100 * failures.get(name)!) / calls.get(name)!,
        9,
      )
    }
    expect([...failures.values()].every((count) => count > 0)).toBe(true)
  })

  it('error classes over time', () => {
    const expected = new Map<string, number>()
    for (const run of recent()) {
      if (run.errorClass !== 'none')
        addTo(expected, `${hourBucket(run.startNs)}|${run.errorClass}`, 1)
    }
    expect(new Set([...expected.keys()].map((k) => k.split('|')[1]))).toEqual(
      new Set(['tool_failed', 'upstream_unavailable']),
    )
    expectSums(rowsOf(panel('error-classes').result!), ['hour', 'error_class'], 'traces', expected)
  })

  it('tokens over time', () => {
    const input = new Map<string, number>()
    const output = new Map<string, number>()
    for (const { call } of recentCalls()) {
      addTo(input, hourBucket(call.startNs), call.inputTokens)
      addTo(output, hourBucket(call.startNs), call.outputTokens)
    }
    const rows = rowsOf(panel('tokens').result!)
    expectSums(rows, ['hour'], 'input_tokens', input)
    expectSums(rows, ['hour'], 'output_tokens', output)
  })

  it('panel SQL runs in the explorer', async () => {
    for (const shown of dashboard.panels) {
      const reply = await query(shown.sql)
      expect(reply.status, `status of ${shown.id}`).toBe(200)
      expect(reply.body.rows, `rows of ${shown.id}`).toEqual(shown.result!.rows)
    }
  })

  it('documented cost per agent query', async () => {
    // The query reads datetime('now'); the plan keeps runs 15 minutes away from the 24-hour edge.
    expect(Date.now() - seeded.nowMs).toBeLessThan(15 * 60_000)
    const docs = readFileSync(join(repoRoot, 'docs/sql.md'), 'utf8')
    const at = docs.indexOf('### Total cost per agent over the last 24 hours\n')
    const sql = /```sql\n([\s\S]*?)```/.exec(docs.slice(at))![1]!

    const reply = await query(sql)
    expect(reply.status).toBe(200)
    expect(reply.body.columns).toEqual([
      'agent_name',
      'runs',
      'cost_usd',
      'input_tokens',
      'output_tokens',
    ])
    const expected = new Map<
      string,
      { runs: number; cost: number; input: number; output: number }
    >()
    for (const run of recent()) {
      const totals = expected.get(run.agentName) ?? { runs: 0, cost: 0, input: 0, output: 0 }
      totals.runs++
      totals.cost += runCost(run)
      for (const call of run.calls) {
        totals.input += call.inputTokens
        totals.output += call.outputTokens
      }
      expected.set(run.agentName, totals)
    }

    const rows = rowsOf(reply.body)
    expect(rows.map((row) => row.agent_name).sort()).toEqual([...expected.keys()].sort())
    for (const row of rows) {
      const totals = expected.get(row.agent_name as string)!
      expect(row.runs, `runs of ${row.agent_name}`).toBe(totals.runs)
      expect(row.cost_usd as number, `cost of ${row.agent_name}`).toBeCloseTo(totals.cost, 9)
      expect(row.input_tokens, `input tokens of ${row.agent_name}`).toBe(totals.input)
      expect(row.output_tokens, `output tokens of ${row.agent_name}`).toBe(totals.output)
    }
    const costs = rows.map((row) => row.cost_usd as number)
    expect(costs).toEqual([...costs].sort((a, b) => b - a))
  })
})

describe('dashboards API', () => {
  it('defaults to the last 24 hours', async () => {
    const reply = await apiJson<DashboardJson>(loupe, '/api/dashboards')
    expect(reply.status).toBe(200)
    expect(Date.parse(reply.body.to) - Date.parse(reply.body.from)).toBe(DAY_MS)
    expect(reply.body.bucket).toBe('hour')
    expect(reply.body.panels.map((p) => p.id)).toEqual([
      'cost-by-provider',
      'cost-by-model',
      'cost-by-agent',
      'cost-by-route',
      'latency-by-agent',
      'latency-by-model',
      'tool-failure-rate',
      'error-classes',
      'tokens',
    ])
    for (const shown of reply.body.panels) expect(shown.error, shown.id).toBeNull()
  })

  it('sizes buckets by range', async () => {
    const to = Date.now()
    const cases: [number, string][] = [
      [HOUR_MS, 'minute'],
      [7 * DAY_MS, 'hour'],
      [30 * DAY_MS, 'day'],
    ]
    for (const [length, bucket] of cases) {
      const from = new Date(to - length).toISOString()
      const reply = await apiJson<DashboardJson>(
        loupe,
        `/api/dashboards?from=${from}&to=${new Date(to).toISOString()}`,
      )
      expect(reply.status, `status for ${bucket}`).toBe(200)
      expect(reply.body.bucket).toBe(bucket)
      expect(panelOf(reply.body, 'tokens').result!.columns[0]).toBe(bucket)
    }
  })

  it('rejects an invalid range', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'invalid from=yesterday: expected an ISO 8601 time'],
      ['from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z', 'the time range is empty'],
      ['from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'longer than 366 days'],
      ['to=2026-05-01T10:00:00', 'invalid to=2026-05-01T10:00:00'],
      ['from=2026-02-30T00:00:00Z', 'invalid from=2026-02-30T00:00:00Z: not a calendar date'],
      ['to=2026-04-31T12:00:00Z', 'invalid to=2026-04-31T12:00:00Z: not a calendar date'],
    ]
    for (const [params, message] of cases) {
      const reply = await apiJson<{ error: string }>(loupe, `/api/dashboards?${params}`)
      expect(reply.status, params).toBe(400)
      expect(reply.body.error, params).toContain(message)
    }

    const both = await apiJson<{ error: string }>(loupe, '/api/dashboards?from=abc&to=def')
    expect(both.status).toBe(400)
    expect(both.body.error).toBe(
      'invalid from=abc: expected an ISO 8601 time with a UTC offset, such as 2026-05-01T10:00:00Z; ' +
        'invalid to=def: expected an ISO 8601 time with a UTC offset, such as 2026-05-01T10:00:00Z',
    )
  })

  it('lists the views for completion', async () => {
    const reply = await apiJson<QuerySchemaJson>(loupe, '/api/query/schema')
    expect(reply.status).toBe(200)
    expect(reply.body.views.map((view) => view.name)).toEqual([
      'records',
      'traces',
      'agent_runs',
      'model_calls',
      'tool_calls',
      'logs',
    ])
    const agentRuns = reply.body.views.find((view) => view.name === 'agent_runs')!
    expect(agentRuns.columns).toContain('cost_usd')
    expect(agentRuns.columns).toContain('agent_name')
    expect(reply.body.functions.map((fn) => fn.name)).toEqual(['percentile', 'median'])
  })
})

function panelOf(body: DashboardJson, id: string): PanelJson {
  return body.panels.find((p) => p.id === id)!
}

describe('pinned charts', () => {
  const chart = { type: 'bar', x: 'model', y: ['calls'], series: null, unit: 'count' }
  const sql = 'SELECT model, count(*) AS calls FROM model_calls WHERE counted = 1 GROUP BY model'

  async function pin(body: unknown) {
    return apiJson<PinnedChart & { error: string; problems?: string[]; code?: string }>(
      loupe,
      '/api/dashboards/pinned',
      { method: 'POST', body: JSON.stringify(body) },
    )
  }

  it('creates, lists, runs and removes', async () => {
    const created = await pin({ title: '  Calls by model ', sql, chart })
    expect(created.status).toBe(201)
    expect(created.body.id).toMatch(/^chart_[0-9a-f]{16}$/)
    expect(created.body.title).toBe('Calls by model')
    expect(created.body.chart).toEqual(chart)

    const list = await apiJson<PinnedChart[]>(loupe, '/api/dashboards/pinned')
    expect(list.body.map((c) => c.id)).toContain(created.body.id)

    const withRows = (await apiJson<DashboardJson>(loupe, '/api/dashboards')).body
    const shown = withRows.pinned.find((p) => p.id === created.body.id)!
    expect(shown.title).toBe('Calls by model')
    expect(shown.error).toBeNull()
    expect(shown.result!.columns).toEqual(['model', 'calls'])
    const direct = await query(sql)
    expect(shown.result!.rows).toEqual(direct.body.rows)

    const replaced = await apiJson<PinnedChart>(
      loupe,
      `/api/dashboards/pinned/${created.body.id}`,
      {
        method: 'PUT',
        body: JSON.stringify({ title: 'Calls per model', sql, chart: { ...chart, type: 'line' } }),
      },
    )
    expect(replaced.status).toBe(200)
    expect(replaced.body.title).toBe('Calls per model')
    expect(replaced.body.chart.type).toBe('line')
    expect(replaced.body.createdAt).toBe(created.body.createdAt)
    const read = await apiJson<PinnedChart>(loupe, `/api/dashboards/pinned/${created.body.id}`)
    expect(read.body.title).toBe('Calls per model')

    const removed = await apiJson<{ deleted: string }>(
      loupe,
      `/api/dashboards/pinned/${created.body.id}`,
      { method: 'DELETE' },
    )
    expect(removed.status).toBe(200)
    expect(removed.body.deleted).toBe(created.body.id)
    const gone = await apiJson<{ error: string }>(
      loupe,
      `/api/dashboards/pinned/${created.body.id}`,
    )
    expect(gone.status).toBe(404)
    expect(gone.body.error).toBe(`pinned chart ${created.body.id} not found`)
    const after = (await apiJson<DashboardJson>(loupe, '/api/dashboards')).body
    expect(after.pinned.map((p) => p.id)).not.toContain(created.body.id)
  })

  it('rejects invalid fields', async () => {
    const reply = await pin({ title: ' ', sql: '', chart: { type: 'pie', x: '', y: [] } })
    expect(reply.status).toBe(400)
    expect(reply.body.problems).toEqual([
      'title: title is required',
      'sql: sql is required',
      'chart.type: Invalid option: expected one of "line"|"area"|"bar"',
      'chart.x: a column name is required',
      'chart.y: choose at least one y column',
    ])
    expect(reply.body.error).toContain('invalid pinned chart: title: title is required')
  })

  it('rejects SQL that writes or fails', async () => {
    const write = await pin({ title: 'Delete', sql: 'DELETE FROM spans', chart })
    expect(write.status).toBe(400)
    expect(write.body.code).toBe('rejected')
    expect(write.body.error).toContain("the chart's SQL cannot be pinned: DELETE is rejected")

    const invalid = await pin({ title: 'Typo', sql: 'SELECT model FROM model_callz', chart })
    expect(invalid.status).toBe(400)
    expect(invalid.body.code).toBe('invalid')
    expect(invalid.body.error).toContain('no such table: model_callz')
  })

  it('rejects chart columns not in the result', async () => {
    const reply = await pin({ title: 'Wrong', sql, chart: { ...chart, y: ['calls', 'cost'] } })
    expect(reply.status).toBe(400)
    expect(reply.body.problems).toEqual([
      "chart: column cost is not in the query's result (model, calls)",
    ])
  })

  it('rejects unknown ids and methods', async () => {
    const body = JSON.stringify({ title: 'x', sql, chart })
    const put = await apiJson<{ error: string }>(loupe, '/api/dashboards/pinned/chart_missing', {
      method: 'PUT',
      body,
    })
    expect(put.status).toBe(404)
    expect(put.body.error).toBe('pinned chart chart_missing not found')
    const remove = await apiJson<{ error: string }>(loupe, '/api/dashboards/pinned/chart_missing', {
      method: 'DELETE',
    })
    expect(remove.status).toBe(404)
    const patch = await apiJson<{ error: string }>(loupe, '/api/dashboards/pinned', {
      method: 'PATCH',
      body,
    })
    expect(patch.status).toBe(405)
    expect(patch.body.error).toBe('PATCH is not allowed on /api/dashboards/pinned; use GET or POST')
    const badJson = await fetch(`${loupe.uiUrl}/api/dashboards/pinned`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
      body: '{"title":',
    })
    expect(badJson.status).toBe(400)
    expect(((await badJson.json()) as { error: string }).error).toContain('invalid JSON body')
  })
})
