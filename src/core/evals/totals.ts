// Experiment totals over the stored cases. The assertion pass rate, score
// averages and label shares follow `ReportCaseAggregate.average` of
// pydantic_evals 2.62 (pydantic_evals/reporting/__init__.py): they cover the
// cases whose task finished, so cases that raised or still run are left out.

import type { EvalCase, ExperimentTotals } from '../../shared/evals'

export function experimentTotals(cases: readonly EvalCase[]): ExperimentTotals {
  const finished = cases.filter((c) => c.outcome === 'passed' || c.outcome === 'failed')
  const assertions = finished.flatMap((c) => c.assertions)
  const passedAssertions = assertions.filter((assertion) => assertion.value).length
  const taskDurations = finished
    .map((c) => c.taskDurationMs)
    .filter((duration) => duration !== null)
  return {
    cases: cases.length,
    passed: countOutcome(cases, 'passed'),
    failed: countOutcome(cases, 'failed'),
    errors: countOutcome(cases, 'error'),
    running: countOutcome(cases, 'running'),
    assertions: assertions.length,
    passedAssertions,
    assertionPassRate: assertions.length === 0 ? null : passedAssertions / assertions.length,
    scoreAverages: scoreAverages(finished),
    labelShares: labelShares(finished),
    averageTaskDurationMs:
      taskDurations.length === 0 ? null : sum(taskDurations) / taskDurations.length,
  }
}

function countOutcome(cases: readonly EvalCase[], outcome: EvalCase['outcome']): number {
  return cases.filter((c) => c.outcome === outcome).length
}

function scoreAverages(cases: readonly EvalCase[]): Record<string, number> {
  const values = new Map<string, number[]>()
  for (const c of cases) {
    for (const score of c.scores) {
      const list = values.get(score.name) ?? []
      list.push(score.value)
      values.set(score.name, list)
    }
  }
  const averages: Record<string, number> = {}
  for (const [name, list] of values) averages[name] = sum(list) / list.length
  return averages
}

function labelShares(cases: readonly EvalCase[]): Record<string, Record<string, number>> {
  const counts = new Map<string, Map<string, number>>()
  for (const c of cases) {
    for (const label of c.labels) {
      const byValue = counts.get(label.name) ?? new Map<string, number>()
      byValue.set(label.value, (byValue.get(label.value) ?? 0) + 1)
      counts.set(label.name, byValue)
    }
  }
  const shares: Record<string, Record<string, number>> = {}
  for (const [name, byValue] of counts) {
    const total = sum([...byValue.values()])
    shares[name] = Object.fromEntries([...byValue].map(([value, n]) => [value, n / total]))
  }
  return shares
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0)
}
