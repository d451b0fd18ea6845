// The SQL explorer over real traces: the demo's support agent (one copy
// moved into the last hour, one three days back) and a pydantic-ai agent
// run through `loupe run --mock`. Covers the documented cost-per-agent
// query, the rejection of writes and ATTACH, the time limit, the row cap
// and `loupe query`.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueryErrorJson, QueryResult, TraceSummary } from '../../src/shared/api'
import {
  agentEnv,
  apiJson,
  postOtlp,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const HOUR_NS = 3_600_000_000_000n
const DAY_NS = 24n * HOUR_NS

/** Returns the SQL of the example under `heading` in docs/sql.md, so the test runs the documented text. */
function documentedQuery(heading: string): string {
  const docs = readFileSync(join(repoRoot, 'docs/sql.md'), 'utf8')
  const at = docs.indexOf(`### ${heading}\n`)
  if (at === -1) throw new Error(`docs/sql.md has no example "${heading}"`)
  const match = /```sql\n([\s\S]*?)```/.exec(docs.slice(at))
  if (!match) throw new Error(`the example "${heading}" in docs/sql.md has no sql block`)
  return match[1]!
}

/**
 * Returns a demo OTLP/JSON file with its trace and span ids replaced and
 * every time moved so that the earliest span starts `startNs`.
 */
function shiftedDemo(file: string, startNs: bigint, idPrefix: string): string {
  const text = readFileSync(join(repoRoot, 'resources/demo', file), 'utf8')
  const times = [...text.matchAll(/"(?:start|end)?[tT]imeUnixNano"\s*:\s*"(\d+)"/g)].map((m) =>
    BigInt(m[1]!),
  )
  const earliest = times.reduce((a, b) => (a < b ? a : b))
  const shift = startNs - earliest
  return text
    .replace(
      /("(?:start|end)?[tT]imeUnixNano"\s*:\s*")(\d+)"/g,
      (_, key: string, value: string) => `${key}${BigInt(value) + shift}"`,
    )
    .replace(/("traceId"\s*:\s*")([0-9a-f]{4})/gi, (_, key: string) => `${key}${idPrefix}`)
}

/** A query that runs until its time limit stops it. */
const RUNAWAY_SQL =
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n'

const RUNAWAY_CLI_ERROR =
  'loupe: the query timed out after 1000 ms and was stopped. Narrow it (for example ' +
  "WHERE start_timestamp > datetime('now', '-1 hour')), or raise --timeout (at most 60000 ms)\n"

let loupe: TestCore
let stopped = false

async function query(
  body: object,
): Promise<{ status: number; body: QueryResult & QueryErrorJson }> {
  return apiJson<QueryResult & QueryErrorJson>(loupe, '/api/query?wait=1', {
    method: 'POST',
    body: JSON.stringify(body),
  })
}

/** Returns the rows of a query as objects keyed by column name. */
function records(result: QueryResult): Record<string, string | number | null>[] {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((name, i) => [name, row[i]!])),
  )
}

beforeAll(async () => {
  loupe = await startTestCore()
  const nowNs = BigInt(Date.now()) * 1_000_000n
  const recent = shiftedDemo('run-1.json', nowNs - HOUR_NS, 'aaaa')
  const old = shiftedDemo('run-2.json', nowNs - 3n * DAY_NS, 'bbbb')
  for (const body of [recent, old]) {
    const reply = await postOtlp(loupe.otlpHttpUrl, '/v1/traces', body, {
      'Content-Type': 'application/json',
    })
    expect(reply.status).toBe(200)
  }
  const logTimeNs = nowNs - HOUR_NS
  const logs = await postOtlp(
    loupe.otlpHttpUrl,
    '/v1/logs',
    JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'sql-test' } }] },
          scopeLogs: [
            {
              scope: { name: 'sql-test-logger' },
              logRecords: [
                {
                  timeUnixNano: String(logTimeNs),
                  severityNumber: 13,
                  severityText: 'WARN',
                  body: { stringValue: 'disk almost full' },
                  attributes: [{ key: 'disk', value: { stringValue: '/data' } }],
                },
              ],
            },
          ],
        },
      ],
    }),
    { 'Content-Type': 'application/json' },
  )
  expect(logs.status).toBe(200)
  if (python) {
    const run = await runCli(
      [
        'run',
        '--mock',
        '--data',
        loupe.dataDir,
        '--',
        python,
        join(repoRoot, 'test/interop/replay_agent.py'),
        'openai-chat:gpt-4o-mini',
      ],
      agentEnv(),
    )
    expect(run.stderr).toContain('error class: none')
    expect(run.code).toBe(0)
  }
  await loupe.core.whenNormalized()
}, 120_000)

afterAll(async () => {
  if (loupe && !stopped) await loupe.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('SQL explorer', () => {
  it('cost per agent matches trace totals', async () => {
    const reply = await query({
      sql: documentedQuery('Total cost per agent over the last 24 hours'),
    })
    expect(reply.status).toBe(200)
    expect(reply.body.columns).toEqual([
      'agent_name',
      'runs',
      'cost_usd',
      'input_tokens',
      'output_tokens',
    ])

    const traces = (await apiJson<TraceSummary[]>(loupe, '/api/traces?limit=100&wait=1')).body
    const since = Date.now() - 24 * 3_600_000
    const expected = new Map<string, { runs: number; cost: number; input: number }>()
    for (const trace of traces) {
      if (trace.agentName === null || Date.parse(trace.startTime) < since) continue
      const totals = expected.get(trace.agentName) ?? { runs: 0, cost: 0, input: 0 }
      totals.runs++
      totals.cost += trace.costUsd ?? 0
      totals.input += trace.inputTokens
      expected.set(trace.agentName, totals)
    }
    expect([...expected.keys()].sort()).toEqual(
      python ? ['replay_agent', 'support_agent'] : ['support_agent'],
    )

    const rows = records(reply.body)
    expect(rows.map((row) => row.agent_name).sort()).toEqual([...expected.keys()].sort())
    for (const row of rows) {
      const totals = expected.get(row.agent_name as string)!
      expect(row.runs).toBe(totals.runs)
      expect(row.cost_usd as number).toBeCloseTo(totals.cost, 12)
      expect(row.input_tokens).toBe(totals.input)
    }
    // The support agent's copy from three days ago is outside the window.
    expect(rows.find((row) => row.agent_name === 'support_agent')!.runs).toBe(1)
    const costs = rows.map((row) => row.cost_usd as number)
    expect(costs).toEqual([...costs].sort((a, b) => b - a))
  })

  it('records have Logfire columns', async () => {
    const reply = await query({
      sql: `SELECT span_name, message, duration, level_name, attributes->>'gen_ai.request.model' AS model
            FROM records WHERE trace_id LIKE 'aaaa%' AND span_name LIKE 'chat %' ORDER BY start_ns`,
    })
    expect(reply.status).toBe(200)
    const rows = records(reply.body)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows[0]!.span_name).toBe('chat gpt-4o-mini')
    expect(rows[0]!.model).toBe('gpt-4o-mini')
    expect(rows[0]!.level_name).toBe('info')
    expect(typeof rows[0]!.duration).toBe('number')
    expect(rows[0]!.duration as number).toBeGreaterThan(0)
    expect(rows[0]!.duration as number).toBeLessThan(10)
  })

  it('logs have level and body', async () => {
    const reply = await query({
      sql: `SELECT timestamp, level, level_name, severity_text, body, attributes->>'disk' AS disk,
              service_name, otel_scope_name FROM logs`,
    })
    expect(reply.status).toBe(200)
    const rows = records(reply.body)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/)
    expect(rows[0]!.level).toBe(13)
    expect(rows[0]!.level_name).toBe('warn')
    expect(rows[0]!.severity_text).toBe('WARN')
    expect(rows[0]!.body).toBe('disk almost full')
    expect(rows[0]!.disk).toBe('/data')
    expect(rows[0]!.service_name).toBe('sql-test')
    expect(rows[0]!.otel_scope_name).toBe('sql-test-logger')
  })

  it('percentile matches a sorted list', async () => {
    const reply = await query({
      sql: `SELECT percentile(duration, 50) AS p50, percentile(duration, 100) AS p100,
              median(duration) AS median, max(duration) AS max FROM model_calls`,
    })
    expect(reply.status).toBe(200)
    const [row] = records(reply.body)
    expect(row!.p100).toBe(row!.max)
    expect(row!.median).toBe(row!.p50)

    const bad = await query({ sql: 'SELECT percentile(duration, 150) FROM records' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toContain('the percentile must be a number from 0 to 100')
  })

  it('rejects a write', async () => {
    for (const sql of ['DELETE FROM spans', 'WITH x AS (SELECT 1) DELETE FROM spans']) {
      const reply = await query({ sql })
      expect(reply.status).toBe(400)
      expect(reply.body.code).toBe('rejected')
      expect(reply.body.error).toContain('read-only')
    }
    const count = await query({ sql: 'SELECT count(*) FROM records' })
    expect(count.body.rows[0]![0]).toBeGreaterThan(0)
  })

  it('rejects ATTACH, VACUUM INTO and PRAGMA', async () => {
    const attach = await query({ sql: `ATTACH '${join(loupe.dataDir, 'other.db')}' AS other` })
    expect(attach.status).toBe(400)
    expect(attach.body.error).toContain('ATTACH is rejected')
    const vacuum = await query({ sql: `VACUUM INTO '${join(loupe.dataDir, 'copy.db')}'` })
    expect(vacuum.status).toBe(400)
    expect(vacuum.body.error).toContain('VACUUM (and VACUUM INTO) is rejected')
    const pragma = await query({ sql: 'PRAGMA query_only = OFF' })
    expect(pragma.status).toBe(400)
    expect(pragma.body.error).toContain("pragma_table_info('records')")
  })

  it('rejects two statements', async () => {
    const reply = await query({ sql: 'SELECT 1; SELECT 2' })
    expect(reply.status).toBe(400)
    expect(reply.body.error).toContain('more than one statement')
  })

  it('stops a runaway query', async () => {
    const runaway = query({
      sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000)
            SELECT count(*) FROM n`,
      timeoutMs: 1500,
    })
    // The core keeps serving requests while the query runs.
    const started = Date.now()
    const status = await apiJson<{ traceCount: number }>(loupe, '/api/status')
    expect(status.status).toBe(200)
    expect(status.body.traceCount).toBeGreaterThan(0)
    expect(Date.now() - started).toBeLessThan(1000)

    const reply = await runaway
    expect(reply.status).toBe(400)
    expect(reply.body.code).toBe('timeout')
    expect(reply.body.error).toContain('the query timed out after 1500 ms and was stopped')
    expect(reply.body.error).toContain('raise the time limit (timeoutMs, at most 60000 ms)')
    const after = await query({ sql: 'SELECT 42' })
    expect(after.body.rows).toEqual([[42]])
  })

  it('caps rows and sets truncated', async () => {
    const sql =
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n'
    const capped = await query({ sql, limitRows: 20 })
    expect(capped.status).toBe(200)
    expect(capped.body.rows).toHaveLength(20)
    expect(capped.body.rows.at(-1)).toEqual([20])
    expect(capped.body.truncated).toBe(true)
    const whole = await query({ sql, limitRows: 50 })
    expect(whole.body.rows).toHaveLength(50)
    expect(whole.body.truncated).toBe(false)

    const invalid = await query({ sql, limitRows: 0 })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error).toBe('limitRows must be an integer from 1 to 100000, not 0')
  })

  it('rejects a fifth concurrent query', async () => {
    const runaway = {
      sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000)
            SELECT count(*) FROM n`,
      timeoutMs: 1000,
    }
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => query(runaway)))
    // Four run until their time limit (400) and the fifth is turned away (503). A query process
    // of the test before may still be exiting, and then holds a place for a moment, so more
    // than one can be turned away on a busy machine.
    const timedOut = replies.filter((reply) => reply.status === 400).length
    const turnedAway = replies.filter((reply) => reply.status === 503).length
    expect(timedOut + turnedAway).toBe(5)
    expect(timedOut).toBeGreaterThanOrEqual(3)
    expect(turnedAway).toBeGreaterThanOrEqual(1)
    const busy = replies.find((reply) => reply.status === 503)!
    expect(busy.body.code).toBe('busy')
    expect(busy.body.error).toBe(
      '4 queries are already running; wait for one to finish and try again',
    )
  })

  it('loupe query prints JSON and a table', async () => {
    const sql = "SELECT trace_id, start_ns FROM traces WHERE trace_id LIKE 'aaaa%'"
    const json = await runCli(['query', '--json', '--data', loupe.dataDir, sql])
    expect(json.code).toBe(0)
    const result = JSON.parse(json.stdout) as QueryResult
    expect(result.columns).toEqual(['trace_id', 'start_ns'])
    expect(result.rows).toHaveLength(1)
    // Nanosecond times exceed 2^53, so they travel as exact decimal strings.
    const trace = (await apiJson<TraceSummary>(loupe, `/api/traces/${result.rows[0]![0]}`)).body
    expect(result.rows[0]![1]).toBe(trace.startTimeUnixNano)

    const table = await runCli(['query', '--data', loupe.dataDir, '--limit', '1', sql])
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^trace_id\s+start_ns$/)
    expect(table.stdout).toContain('(1 row)')

    const rejected = await runCli(['query', '--data', loupe.dataDir, 'DROP TABLE spans'])
    expect(rejected.code).toBe(1)
    expect(rejected.stderr).toContain('DROP is rejected because it writes')
  })

  it('loupe query cuts long cells', async () => {
    // A 500-character value between two short columns.
    const sql =
      "SELECT 'a' AS first, replace(hex(zeroblob(250)), '0', 'x') AS long_text, 'z' AS last"
    const table = await runCli(['query', '--data', loupe.dataDir, sql])
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[2]).toBe(`a      ${'x'.repeat(59)}…  z`)
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100)
    expect(lines.at(-1)).toBe(
      '(values longer than 60 characters are cut with "…"; print them whole with --json)',
    )

    const json = await runCli(['query', '--json', '--data', loupe.dataDir, sql])
    const result = JSON.parse(json.stdout) as QueryResult
    expect(result.rows[0]![1]).toBe('x'.repeat(500))
  })

  it('loupe query names --timeout', async () => {
    const tooLong = await runCli([
      'query',
      '--data',
      loupe.dataDir,
      '--timeout',
      '999999999',
      'SELECT 1',
    ])
    expect(tooLong.code).toBe(1)
    expect(tooLong.stderr).toContain(
      'loupe: invalid --timeout "999999999": 999999999 is not from 1 to 60000',
    )
    expect(tooLong.stderr).not.toContain('timeoutMs')

    const fraction = await runCli(['query', '--data', loupe.dataDir, '--limit', '2.5', 'SELECT 1'])
    expect(fraction.code).toBe(1)
    expect(fraction.stderr).toContain('loupe: invalid --limit "2.5": 2.5 is not a whole number')

    const runaway = await runCli([
      'query',
      '--data',
      loupe.dataDir,
      '--timeout',
      '1000',
      RUNAWAY_SQL,
    ])
    expect(runaway.code).toBe(1)
    expect(runaway.stderr).toBe(RUNAWAY_CLI_ERROR)
  })
})

describe('loupe query without a running core', () => {
  it('opens the folder read-only', async () => {
    const dataDir = loupe.dataDir
    await loupe.stop()
    stopped = true
    const result = await runCli([
      'query',
      '--json',
      '--data',
      dataDir,
      "SELECT count(*) AS n FROM agent_runs WHERE agent_name = 'support_agent'",
    ])
    expect(result.stderr).toBe('')
    expect((JSON.parse(result.stdout) as QueryResult).rows).toEqual([[2]])
    const attach = await runCli(['query', '--data', dataDir, "ATTACH 'x.db' AS x"])
    expect(attach.code).toBe(1)
    expect(attach.stderr).toContain('ATTACH is rejected')
    const runaway = await runCli(['query', '--data', dataDir, '--timeout', '1000', RUNAWAY_SQL])
    expect(runaway.code).toBe(1)
    expect(runaway.stderr).toBe(RUNAWAY_CLI_ERROR)
  })
})
