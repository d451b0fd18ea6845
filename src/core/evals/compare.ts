// Compares two experiments case by case. Cases match by name, so two runs of
// the same dataset line up even when their cases ran in another order.

import { isDeepStrictEqual } from 'node:util'
import type {
  CaseComparison,
  ChangedValue,
  EvalCase,
  EvalResult,
  ExperimentComparison,
  ExperimentDetail,
  ScoreChange,
} from '../../shared/evals'

export function compareExperiments(a: ExperimentDetail, b: ExperimentDetail): ExperimentComparison {
  const casesA = byName(a.cases)
  const casesB = byName(b.cases)
  const names = [...casesA.keys(), ...[...casesB.keys()].filter((name) => !casesA.has(name))]
  const cases = names.map((name) => compareCase(name, casesA.get(name), casesB.get(name)))
  return {
    a: a.experiment,
    b: b.experiment,
    cases,
    regressions: cases.filter((c) => isPass(c.a) && isFailure(c.b)).map((c) => c.name),
    fixes: cases.filter((c) => isFailure(c.a) && isPass(c.b)).map((c) => c.name),
    scoreAverages: scoreChanges(
      Object.entries(a.experiment.totals.scoreAverages),
      Object.entries(b.experiment.totals.scoreAverages),
    ),
  }
}

/**
 * Maps each case name to its case. pydantic_evals rejects duplicate case
 * names in a dataset, so a name seen twice (a span stored twice) keeps its
 * first case.
 */
function byName(cases: readonly EvalCase[]): Map<string, EvalCase> {
  const map = new Map<string, EvalCase>()
  for (const c of cases) if (!map.has(c.name)) map.set(c.name, c)
  return map
}

function compareCase(
  name: string,
  a: EvalCase | undefined,
  b: EvalCase | undefined,
): CaseComparison {
  if (a === undefined || b === undefined) {
    return {
      name,
      change: a === undefined ? 'only_b' : 'only_a',
      a: a ?? null,
      b: b ?? null,
      outputChanged: false,
      assertionChanges: [],
      scoreChanges: [],
      labelChanges: [],
    }
  }
  const outputChanged = !isDeepStrictEqual(a.output, b.output)
  const assertionChanges = valueChanges(a.assertions, b.assertions)
  const scoreChanges = scoreChangesOf(a, b)
  const labelChanges = valueChanges(a.labels, b.labels)
  const changed =
    a.outcome !== b.outcome ||
    outputChanged ||
    assertionChanges.length > 0 ||
    scoreChanges.length > 0 ||
    labelChanges.length > 0
  return {
    name,
    change: changed ? 'changed' : 'same',
    a,
    b,
    outputChanged,
    assertionChanges,
    scoreChanges,
    labelChanges,
  }
}

/** Results whose value differs between the sides, or that only one side has. */
function valueChanges<T>(
  a: readonly EvalResult<T>[],
  b: readonly EvalResult<T>[],
): ChangedValue<T>[] {
  const valuesB = new Map(b.map((result) => [result.name, result.value]))
  const namesA = new Set(a.map((result) => result.name))
  const changes: ChangedValue<T>[] = []
  for (const result of a) {
    const other = valuesB.get(result.name)
    if (other === undefined || other !== result.value)
      changes.push({ name: result.name, a: result.value, b: other ?? null })
  }
  for (const result of b) {
    if (!namesA.has(result.name)) changes.push({ name: result.name, a: null, b: result.value })
  }
  return changes
}

function scoreChangesOf(a: EvalCase, b: EvalCase): ScoreChange[] {
  const entries = (c: EvalCase) =>
    c.scores.map((score): [string, number] => [score.name, score.value])
  return scoreChanges(entries(a), entries(b)).filter((change) => change.delta !== 0)
}

/** Pairs scores by name: every name of either side, with b minus a. */
function scoreChanges(
  a: readonly [string, number][],
  b: readonly [string, number][],
): ScoreChange[] {
  const valuesA = new Map(a)
  const valuesB = new Map(b)
  const names = [...valuesA.keys(), ...[...valuesB.keys()].filter((name) => !valuesA.has(name))]
  return names.map((name): ScoreChange => {
    const valueA = valuesA.get(name) ?? null
    const valueB = valuesB.get(name) ?? null
    const delta = valueA === null || valueB === null ? null : valueB - valueA
    return { name, a: valueA, b: valueB, delta }
  })
}

function isPass(c: EvalCase | null): boolean {
  return c !== null && c.outcome === 'passed'
}

function isFailure(c: EvalCase | null): boolean {
  return c !== null && (c.outcome === 'failed' || c.outcome === 'error')
}
