import { describe, expect, it } from 'vitest'
import type { EvalCase, ExperimentDetail } from '../../../src/shared/evals'
import { compareExperiments } from '../../../src/core/evals/compare'
import { experimentTotals } from '../../../src/core/evals/totals'

function evalCase(name: string, overrides: Partial<EvalCase> = {}): EvalCase {
  return {
    name,
    sourceCaseName: null,
    traceId: '01a2430881d32409260569410c98e689',
    spanId: `${name}`.padEnd(16, '0').slice(0, 16),
    outcome: 'passed',
    inputs: name,
    expectedOutput: 'x',
    output: 'x',
    metadata: null,
    assertions: [{ name: 'equals', value: true, reason: null, evaluator: 'EqualsExpected' }],
    scores: [],
    labels: [],
    metrics: {},
    attributes: {},
    startTime: '2026-12-04T21:49:20.723Z',
    startTimeUnixNano: '1796420960723723617',
    taskDurationMs: 10,
    durationMs: 12,
    error: null,
    unreadable: [],
    ...overrides,
  }
}

function failed(name: string, overrides: Partial<EvalCase> = {}): EvalCase {
  return evalCase(name, {
    outcome: 'failed',
    output: 'y',
    assertions: [
      { name: 'equals', value: false, reason: 'y is not x', evaluator: 'EqualsExpected' },
    ],
    ...overrides,
  })
}

function errored(name: string): EvalCase {
  return evalCase(name, {
    outcome: 'error',
    output: null,
    assertions: [],
    taskDurationMs: null,
    error: { type: 'ValueError', message: 'boom', errorClass: 'internal' },
  })
}

function experiment(id: string, cases: EvalCase[]): ExperimentDetail {
  return {
    experiment: {
      id,
      traceId: id.padEnd(32, '0'),
      name: `experiment ${id}`,
      datasetName: 'capitals',
      taskName: 'ask_capital',
      serviceName: 'eval-experiment',
      runId: null,
      startTime: '2026-12-04T21:49:20.723Z',
      startTimeUnixNano: '1796420960723723617',
      endTimeUnixNano: '1796420960802315731',
      durationMs: 78.6,
      running: false,
      datasetCases: cases.length,
      repeat: 1,
      metadata: null,
      error: null,
      totals: experimentTotals(cases),
    },
    cases,
  }
}

describe('compareExperiments', () => {
  it('matches cases by name', () => {
    const a = experiment('a', [evalCase('one'), evalCase('two')])
    const b = experiment('b', [evalCase('two'), evalCase('one')])
    const comparison = compareExperiments(a, b)
    expect(comparison.cases.map((c) => [c.name, c.change])).toEqual([
      ['one', 'same'],
      ['two', 'same'],
    ])
    expect(comparison.regressions).toEqual([])
    expect(comparison.fixes).toEqual([])
  })

  it('lists cases only one side has', () => {
    const comparison = compareExperiments(
      experiment('a', [evalCase('one'), evalCase('gone')]),
      experiment('b', [evalCase('new'), evalCase('one')]),
    )
    expect(comparison.cases.map((c) => [c.name, c.change])).toEqual([
      ['one', 'same'],
      ['gone', 'only_a'],
      ['new', 'only_b'],
    ])
    expect(comparison.cases[1]!.b).toBeNull()
    expect(comparison.cases[2]!.a).toBeNull()
  })

  it('marks regressions and fixes', () => {
    const comparison = compareExperiments(
      experiment('a', [evalCase('broken'), failed('fixed'), evalCase('raised'), failed('still')]),
      experiment('b', [failed('broken'), evalCase('fixed'), errored('raised'), failed('still')]),
    )
    expect(comparison.regressions).toEqual(['broken', 'raised'])
    expect(comparison.fixes).toEqual(['fixed'])
    const broken = comparison.cases[0]!
    expect(broken.change).toBe('changed')
    expect(broken.outputChanged).toBe(true)
    expect(broken.assertionChanges).toEqual([{ name: 'equals', a: true, b: false }])
    expect(comparison.cases[3]!.change).toBe('same')
  })

  it('compares outputs by value', () => {
    const comparison = compareExperiments(
      experiment('a', [evalCase('one', { output: { city: 'Paris', days: [1, 2] } })]),
      experiment('b', [evalCase('one', { output: { days: [1, 2], city: 'Paris' } })]),
    )
    expect(comparison.cases[0]!.outputChanged).toBe(false)
    expect(comparison.cases[0]!.change).toBe('same')
  })

  it('gives score deltas', () => {
    const score = (name: string, value: number) => ({ name, value, reason: null, evaluator: null })
    const comparison = compareExperiments(
      experiment('a', [evalCase('one', { scores: [score('accuracy', 0.5), score('gone', 1)] })]),
      experiment('b', [evalCase('one', { scores: [score('accuracy', 0.75), score('new', 2)] })]),
    )
    expect(comparison.cases[0]!.scoreChanges).toEqual([
      { name: 'accuracy', a: 0.5, b: 0.75, delta: 0.25 },
      { name: 'gone', a: 1, b: null, delta: null },
      { name: 'new', a: null, b: 2, delta: null },
    ])
    expect(comparison.scoreAverages).toEqual([
      { name: 'accuracy', a: 0.5, b: 0.75, delta: 0.25 },
      { name: 'gone', a: 1, b: null, delta: null },
      { name: 'new', a: null, b: 2, delta: null },
    ])
  })

  it('leaves out unchanged scores', () => {
    const score = { name: 'accuracy', value: 1, reason: null, evaluator: null }
    const comparison = compareExperiments(
      experiment('a', [evalCase('one', { scores: [score] })]),
      experiment('b', [evalCase('one', { scores: [score] })]),
    )
    expect(comparison.cases[0]!.scoreChanges).toEqual([])
    expect(comparison.scoreAverages).toEqual([{ name: 'accuracy', a: 1, b: 1, delta: 0 }])
  })

  it('lists label and assertion changes', () => {
    const label = (value: string) => ({ name: 'form', value, reason: null, evaluator: null })
    const comparison = compareExperiments(
      experiment('a', [evalCase('one', { labels: [label('city')] })]),
      experiment('b', [
        evalCase('one', {
          labels: [label('sentence')],
          assertions: [
            { name: 'equals', value: true, reason: null, evaluator: null },
            { name: 'short', value: true, reason: null, evaluator: null },
          ],
        }),
      ]),
    )
    const one = comparison.cases[0]!
    expect(one.labelChanges).toEqual([{ name: 'form', a: 'city', b: 'sentence' }])
    expect(one.assertionChanges).toEqual([{ name: 'short', a: null, b: true }])
    expect(one.change).toBe('changed')
  })
})

describe('experimentTotals', () => {
  it('leaves raised and running cases out of averages', () => {
    const score = (value: number) => [{ name: 'accuracy', value, reason: null, evaluator: null }]
    const label = (value: string) => [{ name: 'form', value, reason: null, evaluator: null }]
    const totals = experimentTotals([
      evalCase('one', { scores: score(1), labels: label('city'), taskDurationMs: 10 }),
      failed('two', { scores: score(0.5), labels: label('sentence'), taskDurationMs: 30 }),
      evalCase('three', { scores: score(0), labels: label('city'), taskDurationMs: 20 }),
      errored('four'),
      evalCase('five', { outcome: 'running', assertions: [], taskDurationMs: null }),
    ])
    expect(totals.cases).toBe(5)
    expect(totals.passed).toBe(2)
    expect(totals.failed).toBe(1)
    expect(totals.errors).toBe(1)
    expect(totals.running).toBe(1)
    expect(totals.assertions).toBe(3)
    expect(totals.passedAssertions).toBe(2)
    expect(totals.assertionPassRate).toBeCloseTo(2 / 3, 12)
    expect(totals.scoreAverages).toEqual({ accuracy: 0.5 })
    expect(totals.labelShares['form']!['city']).toBeCloseTo(2 / 3, 12)
    expect(totals.labelShares['form']!['sentence']).toBeCloseTo(1 / 3, 12)
    expect(totals.averageTaskDurationMs).toBe(20)
  })

  it('has no rate without assertions', () => {
    const totals = experimentTotals([evalCase('one', { assertions: [] })])
    expect(totals.assertionPassRate).toBeNull()
    expect(experimentTotals([]).averageTaskDurationMs).toBeNull()
  })
})
