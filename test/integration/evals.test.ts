// pydantic_evals experiments from the real SDK: test/interop/eval_experiment.py
// runs a pydantic-ai agent as the task against the gateway's mock model, with
// Logfire sending to Loupe. Version 1 of its prompt gets one case right and
// one wrong. Version 2 swaps that and adds a case whose model call fails. The
// API's values must match pydantic_evals' own report, the comparison must
// line the two runs up case by case, and `loupe evals` must print the same,
// with the core running and with the folder read directly.

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import type {
  EvalCase,
  ExperimentComparison,
  ExperimentDetail,
  ExperimentSummary,
} from '../../src/shared/evals'
import {
  apiJson,
  makeDataDir,
  postOtlp,
  removeDir,
  runCli,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import {
  missingPydanticEvals,
  runExperiment,
  twoExperimentsTrace,
  waitForExperiment,
  type ExperimentRun,
} from '../helpers/evals'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)
const missingEvals = python ? missingPydanticEvals(python) : null
if (missingEvals !== null && process.env.CI) throw new Error(missingEvals)
const runnable = python !== null && missingEvals === null

let loupe: TestCore
let stopped = false
let first: ExperimentRun
let second: ExperimentRun
let v1: ExperimentDetail
let v2: ExperimentDetail

beforeAll(async () => {
  loupe = await startTestCore()
  if (!runnable) return
  first = await runExperiment(loupe, python!, '1')
  second = await runExperiment(loupe, python!, '2', ['france', 'spain', 'atlantis'])
  v1 = await waitForExperiment(loupe, first.report.traceId, (d) => d.cases.length === 2)
  v2 = await waitForExperiment(loupe, second.report.traceId, (d) => d.cases.length === 3)
}, 180_000)

afterAll(async () => {
  if (loupe && !stopped) await loupe.stop()
  if (loupe) removeDir(loupe.dataDir)
})

function caseNamed(detail: ExperimentDetail, name: string): EvalCase {
  const found = detail.cases.find((c) => c.name === name)
  if (!found) throw new Error(`no case ${name} in ${detail.cases.map((c) => c.name).join(', ')}`)
  return found
}

function assertionValues(c: EvalCase): Record<string, boolean> {
  return Object.fromEntries(c.assertions.map((a) => [a.name, a.value]))
}

describe.skipIf(!runnable)('pydantic_evals experiments', () => {
  it('experiment summary matches the report', () => {
    const experiment = v1.experiment
    expect(experiment.name).toBe('capitals v1')
    expect(experiment.name).toBe(first.report.name)
    expect(experiment.traceId).toBe(first.report.traceId)
    expect(experiment.datasetName).toBe('capitals')
    expect(experiment.taskName).toBe('ask_capital')
    expect(experiment.serviceName).toBe('eval-experiment')
    expect(experiment.runId).toBe(first.runId)
    expect(experiment.running).toBe(false)
    expect(experiment.datasetCases).toBe(2)
    expect(experiment.repeat).toBe(1)
    expect(experiment.error).toBeNull()
    expect(experiment.durationMs).toBeGreaterThan(0)
  })

  it('case table shows the failed assertion', () => {
    expect(v1.cases.map((c) => c.name)).toEqual(['france', 'spain'])

    const france = caseNamed(v1, 'france')
    expect(france.outcome).toBe('passed')
    expect(france.inputs).toBe('France')
    expect(france.expectedOutput).toBe('Paris')
    expect(france.output).toBe('Paris')
    expect(france.metadata).toEqual({ continent: 'Europe' })
    expect(france.error).toBeNull()

    const spain = caseNamed(v1, 'spain')
    expect(spain.outcome).toBe('failed')
    expect(spain.output).toBe('Barcelona')
    expect(spain.expectedOutput).toBe('Madrid')
    const matches = spain.assertions.find((a) => a.name === 'MatchesCity')
    expect(matches?.value).toBe(false)
    expect(matches?.reason).toBe("expected 'Madrid', got 'Barcelona'")
    expect(matches?.evaluator).toBe('MatchesCity')
    const equals = spain.assertions.find((a) => a.name === 'EqualsExpected')
    expect(equals?.value).toBe(false)
    expect(equals?.reason).toBeNull()

    for (const c of v1.cases) {
      const reported = first.report.cases[c.name]!
      expect(c.output).toBe(reported.output)
      expect(assertionValues(c)).toEqual(reported.assertions)
      expect(c.unreadable).toEqual([])
    }
  })

  it('case scores, labels, metrics and durations', () => {
    const france = caseNamed(v1, 'france')
    expect(france.scores).toEqual([
      { name: 'conciseness', value: 1, reason: null, evaluator: 'Conciseness' },
    ])
    expect(france.labels).toEqual([
      { name: 'answer_form', value: 'city', reason: null, evaluator: 'Conciseness' },
    ])
    expect(france.metrics['requests']).toBe(1)
    expect(france.metrics['input_tokens']).toBeGreaterThan(0)
    expect(france.taskDurationMs).toBeGreaterThan(0)
    expect(france.durationMs).toBeGreaterThanOrEqual(france.taskDurationMs!)
  })

  it('totals match the SDK averages', async () => {
    const totals = v1.experiment.totals
    expect(totals.cases).toBe(2)
    expect(totals.passed).toBe(1)
    expect(totals.failed).toBe(1)
    expect(totals.errors).toBe(0)
    expect(totals.running).toBe(0)
    expect(totals.assertions).toBe(4)
    expect(totals.passedAssertions).toBe(2)
    expect(totals.assertionPassRate).toBe(0.5)
    expect(totals.scoreAverages).toEqual({ conciseness: 1 })
    expect(totals.labelShares).toEqual({ answer_form: { city: 1 } })

    // pydantic_evals sets its own pass rate and averages on the experiment span.
    const { body: trace } = await apiJson<TraceDetail>(
      loupe,
      `/api/traces/${v1.experiment.traceId}/full`,
    )
    const span = trace.spans.find((s) => s.spanId === v1.experiment.id)!
    expect(span.attributes['assertion_pass_rate']).toBe(totals.assertionPassRate)
    const metadata = JSON.parse(span.attributes['logfire.experiment.metadata'] as string) as {
      averages: { scores: Record<string, number>; assertions: number }
    }
    expect(metadata.averages.scores).toEqual(totals.scoreAverages)
  })

  it('case span contains the agent run', async () => {
    const spain = caseNamed(v1, 'spain')
    const { body: trace } = await apiJson<TraceDetail>(loupe, `/api/traces/${spain.traceId}/full`)
    const byId = new Map(trace.spans.map((s) => [s.spanId, s]))
    const agentRun = trace.spans.find(
      (s) => s.name === 'invoke_agent capital_agent' && isUnder(s, spain.spanId, byId),
    )
    expect(agentRun?.kind).toBe('agent')
    const caseSpan = byId.get(spain.spanId)!
    expect(caseSpan.name).toBe('case: {case_name}')
    expect(caseSpan.parentSpanId).toBe(v1.experiment.id)
  })

  it('task error shows on its case', () => {
    const atlantis = caseNamed(v2, 'atlantis')
    expect(atlantis.outcome).toBe('error')
    expect(atlantis.output).toBeNull()
    expect(atlantis.assertions).toEqual([])
    expect(atlantis.taskDurationMs).toBeNull()
    expect(atlantis.error?.type).toBe('pydantic_ai.exceptions.ModelRequestRejectedError')
    expect(atlantis.error?.errorClass).toBe('provider_rejected')
    expect(atlantis.error?.message).toContain('Atlantis is not a country.')
    expect(second.report.cases['atlantis']?.error).toContain('Atlantis is not a country.')

    const totals = v2.experiment.totals
    expect(totals.cases).toBe(3)
    expect(totals.errors).toBe(1)
    // As in pydantic_evals, the case that raised counts in no average.
    expect(totals.assertions).toBe(4)
    expect(totals.assertionPassRate).toBe(0.5)
    // eval_experiment.py rounds the score to three decimals.
    expect(totals.scoreAverages['conciseness']).toBeCloseTo((0.333 + 1) / 2, 9)
  })

  it('experiment found by id, trace and name', async () => {
    for (const ref of [v2.experiment.id, v2.experiment.traceId, 'capitals v2']) {
      const { status, body } = await apiJson<ExperimentDetail>(
        loupe,
        `/api/evals/experiments/${encodeURIComponent(ref)}`,
      )
      expect(status, ref).toBe(200)
      expect(body.experiment.id, ref).toBe(v2.experiment.id)
    }
  })

  it('list shows newest first', async () => {
    const { status, body } = await apiJson<ExperimentSummary[]>(loupe, '/api/evals/experiments')
    expect(status).toBe(200)
    expect(body.map((e) => e.name)).toEqual(['capitals v2', 'capitals v1'])
    expect(body[1]).toEqual(v1.experiment)
  })

  it('unknown experiment and bad limit', async () => {
    const missing = await apiJson<{ error: string }>(loupe, '/api/evals/experiments/capitals%20v9')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toContain('no experiment "capitals v9"')
    const limit = await apiJson<{ error: string }>(loupe, '/api/evals/experiments?limit=0')
    expect(limit.status).toBe(400)
    expect(limit.body.error).toContain('invalid limit=0')
    const compare = await apiJson<{ error: string }>(loupe, '/api/evals/compare?a=capitals%20v1')
    expect(compare.status).toBe(400)
  })

  it('evals API checks token and input', async () => {
    const anonymous = await fetch(`${loupe.uiUrl}/api/evals/experiments`)
    expect(anonymous.status).toBe(401)

    const injection = "capitals v1' OR '1'='1"
    const quoted = await apiJson<{ error: string }>(
      loupe,
      `/api/evals/experiments/${encodeURIComponent(injection)}`,
    )
    expect(quoted.status).toBe(404)
    expect(quoted.body.error).toContain(JSON.stringify(injection))

    const badEncoding = await apiJson<{ error: string }>(loupe, '/api/evals/experiments/%E0%A4%A')
    expect(badEncoding.status).toBe(400)

    const post = await apiJson<{ error: string }>(loupe, '/api/evals/experiments', {
      method: 'POST',
      body: '{}',
    })
    expect(post.status).toBe(404)

    // The quoted name was a value, not SQL: the experiment is still found by its name.
    const { status } = await apiJson(loupe, '/api/evals/experiments/capitals%20v1')
    expect(status).toBe(200)
  })

  it('compare matches cases by name', async () => {
    const { status, body } = await apiJson<ExperimentComparison>(
      loupe,
      `/api/evals/compare?a=${v1.experiment.id}&b=${v2.experiment.id}`,
    )
    expect(status).toBe(200)
    expect(body.cases.map((c) => [c.name, c.change])).toEqual([
      ['france', 'changed'],
      ['spain', 'changed'],
      ['atlantis', 'only_b'],
    ])
    expect(body.regressions).toEqual(['france'])
    expect(body.fixes).toEqual(['spain'])

    const france = body.cases[0]!
    expect(france.outputChanged).toBe(true)
    expect(france.a?.output).toBe('Paris')
    expect(france.b?.output).toBe('Paris, of course.')
    expect(france.assertionChanges).toEqual([
      { name: 'EqualsExpected', a: true, b: false },
      { name: 'MatchesCity', a: true, b: false },
    ])
    expect(france.scoreChanges).toHaveLength(1)
    expect(france.scoreChanges[0]!.name).toBe('conciseness')
    expect(france.scoreChanges[0]!.delta).toBeCloseTo(0.333 - 1, 9)
    expect(france.labelChanges).toEqual([{ name: 'answer_form', a: 'city', b: 'sentence' }])

    const spain = body.cases[1]!
    expect(spain.assertionChanges).toEqual([
      { name: 'EqualsExpected', a: false, b: true },
      { name: 'MatchesCity', a: false, b: true },
    ])
    expect(spain.scoreChanges).toEqual([])

    const atlantis = body.cases[2]!
    expect(atlantis.a).toBeNull()
    expect(atlantis.b?.outcome).toBe('error')

    expect(body.scoreAverages).toHaveLength(1)
    expect(body.scoreAverages[0]!.a).toBe(1)
    expect(body.scoreAverages[0]!.delta).toBeCloseTo((0.333 + 1) / 2 - 1, 9)
  })

  it('cli lists shows and diffs', async () => {
    const data = ['--data', loupe.dataDir]
    const list = await runCli(['evals', '--json', ...data])
    expect(list.code).toBe(0)
    const listed = JSON.parse(list.stdout) as ExperimentSummary[]
    expect(listed.map((e) => e.id)).toEqual([v2.experiment.id, v1.experiment.id])

    const table = await runCli(['evals', ...data])
    expect(table.stdout).toMatch(/capitals v1/)
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STARTED\s+CASES/)

    const show = await runCli(['evals', 'show', 'capitals v1', ...data])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain("spain: MatchesCity failed: expected 'Madrid', got 'Barcelona'")
    expect(show.stdout).toContain('spain: EqualsExpected failed')
    expect(show.stdout).toMatch(/^spain\s+FAILED\s+"Spain"\s+"Madrid"\s+"Barcelona"\s+0\/2/m)

    const showJson = await runCli(['evals', 'show', v1.experiment.id, '--json', ...data])
    expect(JSON.parse(showJson.stdout)).toEqual(v1)

    const diff = await runCli(['evals', 'diff', 'capitals v1', 'capitals v2', ...data])
    expect(diff.code).toBe(0)
    expect(diff.stdout).toMatch(/^france\s+changed\s+passed\s+FAILED\s+output "Paris" -> /m)
    expect(diff.stdout).toMatch(/^atlantis\s+only in B\s+-\s+ERROR/m)
    expect(diff.stdout).toContain('Regressions (passed in A, not in B): france')
    expect(diff.stdout).toContain('Fixes (failed in A, passed in B): spain')

    const gate = await runCli([
      'evals',
      'diff',
      'capitals v1',
      'capitals v2',
      '--fail-on-regression',
      ...data,
    ])
    expect(gate.code).toBe(1)
    const noRegression = await runCli([
      'evals',
      'diff',
      'capitals v2',
      'capitals v2',
      '--fail-on-regression',
      ...data,
    ])
    expect(noRegression.code).toBe(0)

    const missing = await runCli(['evals', 'show', 'capitals v9', ...data])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('loupe: no experiment "capitals v9"')
  })

  it('running experiment shows its ended cases', async () => {
    const holdDir = makeDataDir('loupe-evals-hold-')
    const holdFile = join(holdDir, 'release')
    try {
      const running = runExperiment(loupe, python!, '1', ['france', 'spain'], {
        EVAL_HOLD_FILE: holdFile,
      })
      const list = async () =>
        (await apiJson<ExperimentSummary[]>(loupe, '/api/evals/experiments')).body
      let runningExperiment: ExperimentSummary | undefined
      const deadline = Date.now() + 30_000
      while (runningExperiment === undefined && Date.now() < deadline) {
        runningExperiment = (await list()).find((e) => e.running && e.totals.cases === 2)
        if (runningExperiment === undefined)
          await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(
        runningExperiment,
        'a running experiment with france ended and spain running',
      ).toBeDefined()
      const detail = await waitForExperiment(loupe, runningExperiment!.id, () => true)
      expect(detail.cases.map((c) => [c.name, c.outcome])).toEqual([
        ['france', 'passed'],
        ['spain', 'running'],
      ])
      expect(detail.experiment.totals.running).toBe(1)
      expect(detail.experiment.totals.assertionPassRate).toBe(1)

      writeFileSync(holdFile, '')
      const ended = await running
      const final = await waitForExperiment(
        loupe,
        runningExperiment!.id,
        (d) => !d.experiment.running,
      )
      expect(final.experiment.traceId).toBe(ended.report.traceId)
      expect(final.cases.map((c) => [c.name, c.outcome])).toEqual([
        ['france', 'passed'],
        ['spain', 'failed'],
      ])
    } finally {
      removeDir(holdDir)
    }
  })

  it('trace with two experiments', async () => {
    const traceId = '0e7a0e7a0e7a0e7a0e7a0e7a0e7a0e7a'
    const hourAgoNs = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n
    const { status } = await postOtlp(
      loupe.otlpHttpUrl,
      '/v1/traces',
      JSON.stringify(twoExperimentsTrace(traceId, hourAgoNs)),
      { 'Content-Type': 'application/json' },
    )
    expect(status).toBe(200)

    const both = await apiJson<{ error: string }>(loupe, `/api/evals/experiments/${traceId}?wait=1`)
    expect(both.status).toBe(404)
    expect(both.body.error).toBe(
      `trace ${traceId} contains 2 experiments (e000000000000001, e000000000000002); give one of their ids`,
    )
    for (const [id, name, output] of [
      ['e000000000000001', 'first', 'Paris'],
      ['e000000000000002', 'second', 'Lyon'],
    ]) {
      const { status: found, body } = await apiJson<ExperimentDetail>(
        loupe,
        `/api/evals/experiments/${id}`,
      )
      expect(found).toBe(200)
      expect(body.experiment.name).toBe(name)
      expect(body.cases.map((c) => c.output)).toEqual([output])
      expect(body.experiment.runId).toBeNull()
    }
  })

  it('cli reads the folder without a core', async () => {
    await loupe.stop()
    stopped = true
    const data = ['--data', loupe.dataDir]
    const list = await runCli(['evals', '--json', ...data])
    expect(list.code).toBe(0)
    const listed = JSON.parse(list.stdout) as ExperimentSummary[]
    expect(listed.map((e) => e.name)).toEqual([
      'capitals v1',
      'capitals v2',
      'capitals v1',
      'second',
      'first',
    ])
    const show = await runCli(['evals', 'show', v1.experiment.id, '--json', ...data])
    expect(JSON.parse(show.stdout)).toEqual(v1)
    const diff = await runCli([
      'evals',
      'diff',
      v1.experiment.id,
      v2.experiment.id,
      '--json',
      ...data,
    ])
    const comparison = JSON.parse(diff.stdout) as ExperimentComparison
    expect(comparison.regressions).toEqual(['france'])
  })
})

/** Returns whether `span` descends from the span `ancestorId`. */
function isUnder(span: SpanJson, ancestorId: string, byId: Map<string, SpanJson>): boolean {
  let parent = span.parentSpanId
  for (let depth = 0; parent !== null && depth < 100; depth++) {
    if (parent === ancestorId) return true
    parent = byId.get(parent)?.parentSpanId ?? null
  }
  return false
}
