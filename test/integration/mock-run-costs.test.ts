// Costs of `loupe run --mock` runs in the SQL views and the dashboards. The
// gateway stores a span for every model call. When the agent sends no
// traceparent, those spans land in the run's own trace, while the agent's
// instrumentation records the same calls in its trace. Each call must
// count once. An agent without instrumentation is known only through the
// gateway, so its calls must still count.

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueryResult, RunJson } from '../../src/shared/api'
import type { DashboardJson } from '../../src/shared/dashboards'
import {
  agentEnv,
  apiJson,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { priceCall } from '../helpers/genai'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const FIRST_CALL = { inputTokens: 210, outputTokens: 24, cacheReadTokens: 0 }
const SECOND_CALL = { inputTokens: 330, outputTokens: 41, cacheReadTokens: 0 }
const SCENARIO = `turns:
  - match: { toolResults: false }
    toolCalls:
      - name: get_forecast
        arguments: { city: Utrecht }
    usage: { inputTokens: ${FIRST_CALL.inputTokens}, outputTokens: ${FIRST_CALL.outputTokens} }
  - match: { toolResults: true }
    text: Sunny in Utrecht.
    usage: { inputTokens: ${SECOND_CALL.inputTokens}, outputTokens: ${SECOND_CALL.outputTokens} }
`

/** The run's two calls priced with genai-prices, as the gateway's mock reports gpt-4o-mini. */
const expectedCost = () =>
  priceCall(FIRST_CALL, 'gpt-4o-mini', 'openai') + priceCall(SECOND_CALL, 'gpt-4o-mini', 'openai')

let loupe: TestCore
let scenario: string

beforeAll(async () => {
  loupe = await startTestCore()
  scenario = join(loupe.dataDir, 'forecast.yaml')
  writeFileSync(scenario, SCENARIO)
})

afterAll(async () => {
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

async function mockRun(command: string[]): Promise<RunJson> {
  const result = await runCli(
    ['run', '--mock', scenario, '--data', loupe.dataDir, '--', ...command],
    agentEnv(),
  )
  expect(result.stderr).toContain('error class: none')
  expect(result.code).toBe(0)
  const runs = (await apiJson<RunJson[]>(loupe, '/api/runs?wait=1')).body
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0]!
}

async function rows(sql: string): Promise<Record<string, string | number | null>[]> {
  const reply = await apiJson<QueryResult>(loupe, '/api/query?wait=1', {
    method: 'POST',
    body: JSON.stringify({ sql }),
  })
  expect(reply.status).toBe(200)
  return reply.body.rows.map((row) =>
    Object.fromEntries(reply.body.columns.map((column, i) => [column, row[i]!])),
  )
}

describe.skipIf(!python)('mock run costs', () => {
  let instrumented: RunJson
  let uninstrumented: RunJson

  beforeAll(async () => {
    instrumented = await mockRun([
      python!,
      join(repoRoot, 'test/interop/replay_agent.py'),
      'openai-chat:gpt-4o-mini',
    ])
    uninstrumented = await mockRun([
      process.execPath,
      join(repoRoot, 'test/interop/node_agent.mjs'),
    ])
  }, 120_000)

  it('counts an instrumented run once', async () => {
    expect(instrumented.traceIds).toHaveLength(2)
    const [totals] = await rows(
      `SELECT count(*) AS traces, sum(model_calls) AS calls, sum(cost_usd) AS cost,
              sum(input_tokens) AS input, sum(output_tokens) AS output
       FROM traces WHERE run_id = '${instrumented.id}'`,
    )
    expect(totals!.traces).toBe(2)
    expect(totals!.calls).toBe(2)
    expect(totals!.cost as number).toBeCloseTo(expectedCost(), 12)
    expect(totals!.input).toBe(FIRST_CALL.inputTokens + SECOND_CALL.inputTokens)
    expect(totals!.output).toBe(FIRST_CALL.outputTokens + SECOND_CALL.outputTokens)

    const ownTrace = await rows(
      `SELECT model_calls, cost_usd, models FROM traces
       WHERE run_id = '${instrumented.id}' AND service_name = 'loupe'`,
    )
    expect(ownTrace).toEqual([{ model_calls: 0, cost_usd: null, models: '[]' }])
  })

  it('marks the gateway copies not counted', async () => {
    const calls = await rows(
      `SELECT m.service_name, m.counted, count(*) AS calls
       FROM model_calls m JOIN traces t ON t.trace_id = m.trace_id
       WHERE t.run_id = '${instrumented.id}'
       GROUP BY m.service_name, m.counted ORDER BY m.service_name`,
    )
    expect(calls).toEqual([
      { service_name: 'loupe-gateway', counted: 0, calls: 2 },
      { service_name: 'replay-agent', counted: 1, calls: 2 },
    ])
  })

  it('keeps an uninstrumented run counted', async () => {
    expect(uninstrumented.traceIds).toHaveLength(1)
    const [totals] = await rows(
      `SELECT sum(model_calls) AS calls, sum(cost_usd) AS cost
       FROM traces WHERE run_id = '${uninstrumented.id}'`,
    )
    expect(totals!.calls).toBe(2)
    expect(totals!.cost as number).toBeCloseTo(expectedCost(), 12)
  })

  it('cost panel sums both runs once', async () => {
    const reply = await apiJson<DashboardJson>(loupe, '/api/dashboards?wait=1')
    expect(reply.status).toBe(200)
    const panel = reply.body.panels.find((p) => p.id === 'cost-by-model')!
    expect(panel.error).toBeNull()
    const modelColumn = panel.result!.columns.indexOf('model')
    const costColumn = panel.result!.columns.indexOf('cost_usd')
    const total = panel
      .result!.rows.filter((row) => row[modelColumn] === 'gpt-4o-mini')
      .reduce((sum, row) => sum + (row[costColumn] as number), 0)
    expect(total).toBeCloseTo(2 * expectedCost(), 12)
  })
})
