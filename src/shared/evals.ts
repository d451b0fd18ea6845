// pydantic_evals experiments as the API serves them and the CLI prints them:
// an experiment is an `evaluate {name}` span, each of its cases a child
// `case: {case_name}` span. docs/evals.md lists the attributes read.

import type { JsonValue } from './api'
import type { ErrorClass } from './genai'

/**
 * The result of a case: `passed` when no assertion failed (a case without
 * assertions passes), `failed` when at least one did, `error` when the task
 * raised, and `running` while its span has started but not ended.
 */
export type CaseOutcome = 'passed' | 'failed' | 'error' | 'running'

/** One evaluator result; `evaluator` is the evaluator that produced it, when sent. */
export interface EvalResult<T> {
  name: string
  value: T
  reason: string | null
  evaluator: string | null
}

export type EvalAssertion = EvalResult<boolean>
export type EvalScore = EvalResult<number>
export type EvalLabel = EvalResult<string>

/** The exception that ended a case's task. */
export interface CaseError {
  /** Exception type as recorded, e.g. `pydantic_ai.exceptions.ModelHTTPError`. */
  type: string | null
  message: string
  errorClass: ErrorClass
}

export interface EvalCase {
  /** Name in the report; with `repeat`, the source name plus the run, e.g. `spain [2/3]`. */
  name: string
  /** The case's own name when the experiment ran each case more than once, else null. */
  sourceCaseName: string | null
  traceId: string
  /** Span id of the `case: {case_name}` span, for links to the trace view. */
  spanId: string
  outcome: CaseOutcome
  inputs: JsonValue
  expectedOutput: JsonValue
  /** The task's output; null when the task raised or is still running. */
  output: JsonValue
  metadata: JsonValue
  assertions: EvalAssertion[]
  scores: EvalScore[]
  labels: EvalLabel[]
  /** Metrics counted during the task, such as requests, tokens and cost. */
  metrics: Record<string, number>
  /** Values the task recorded with `set_eval_attribute`. */
  attributes: Record<string, JsonValue>
  startTime: string
  startTimeUnixNano: string
  /** Duration of the task alone, or null when it raised or is still running. */
  taskDurationMs: number | null
  /** Duration of the whole case: the task and its evaluators. */
  durationMs: number
  error: CaseError | null
  /** Attributes that could not be read (cut by the value size cap, or not valid JSON). */
  unreadable: string[]
}

/** Figures over an experiment's stored cases, computed as pydantic_evals computes its averages. */
export interface ExperimentTotals {
  cases: number
  passed: number
  failed: number
  errors: number
  running: number
  assertions: number
  passedAssertions: number
  /** Passed assertions divided by all assertions of the cases that ran; null without assertions. */
  assertionPassRate: number | null
  /** Mean of each score over the cases that have it. */
  scoreAverages: Record<string, number>
  /** Share of each label value among the cases that have the label. */
  labelShares: Record<string, Record<string, number>>
  /** Mean task duration over the cases that finished without an error; null when there are none. */
  averageTaskDurationMs: number | null
}

export interface ExperimentSummary {
  /** Span id of the `evaluate {name}` span: the experiment's id in the API and the CLI. */
  id: string
  traceId: string
  name: string
  datasetName: string | null
  taskName: string | null
  serviceName: string | null
  /** The Loupe run that sent the experiment, when it was started by `loupe run`. */
  runId: string | null
  startTime: string
  startTimeUnixNano: string
  /** Until the experiment ends: the time of its newest case span. */
  endTimeUnixNano: string
  durationMs: number
  /** True while only Logfire's pending span of the experiment has arrived. */
  running: boolean
  /** Number of cases in the dataset (`n_cases`), or null when not sent. */
  datasetCases: number | null
  /** How many times each case ran (`repeat`), 1 when not sent. */
  repeat: number
  /** The experiment metadata passed to `evaluate`. */
  metadata: JsonValue
  /** The exception that ended the experiment itself, outside any case. */
  error: CaseError | null
  totals: ExperimentTotals
}

/** `GET /api/evals/experiments/:id` and `loupe evals show ID --json`. */
export interface ExperimentDetail {
  experiment: ExperimentSummary
  /** In the order the cases started. */
  cases: EvalCase[]
}

/** A value on each side of a comparison; null on a side that lacks it. */
export interface ChangedValue<T> {
  name: string
  a: T | null
  b: T | null
}

export interface ScoreChange extends ChangedValue<number> {
  /** b minus a, or null when a side lacks the score. */
  delta: number | null
}

/**
 * The kind of change of a case: `only_a` and `only_b` for a case one side
 * lacks, `changed` when its outcome, output, an assertion, a score or a
 * label differs, else `same`.
 */
export type CaseChange = 'only_a' | 'only_b' | 'changed' | 'same'

export interface CaseComparison {
  name: string
  change: CaseChange
  a: EvalCase | null
  b: EvalCase | null
  outputChanged: boolean
  /** Assertions whose value differs, or that one side lacks. */
  assertionChanges: ChangedValue<boolean>[]
  /** Scores whose value differs, or that one side lacks. */
  scoreChanges: ScoreChange[]
  /** Labels whose value differs, or that one side lacks. */
  labelChanges: ChangedValue<string>[]
}

/** `GET /api/evals/compare?a=&b=` and `loupe evals diff A B --json`. */
export interface ExperimentComparison {
  a: ExperimentSummary
  b: ExperimentSummary
  /** Cases of A in their order, then the cases only B has. */
  cases: CaseComparison[]
  /** Cases that passed in A and failed or raised in B. */
  regressions: string[]
  /** Cases that failed or raised in A and passed in B. */
  fixes: string[]
  /** Each score average of either side, with B minus A. */
  scoreAverages: ScoreChange[]
}
