// Builds an experiment's cases from its `case: {case_name}` spans, as
// pydantic_evals 2.62 writes them in `_run_task_and_evaluators`
// (pydantic_evals/dataset.py). The span starts with `case_name`, `inputs`,
// `metadata` and `expected_output`. Once the task and its evaluators have
// run, it gets `output`, `task_duration` (seconds), `metrics`, `attributes`,
// `assertions`, `scores` and `labels`. When the task raises, those are left
// out, and the span records the exception and ends with status error.

import type { AttributeMap, JsonValue } from '../../shared/api'
import type { CaseError, CaseOutcome, EvalCase, EvalResult } from '../../shared/evals'
import type { ErrorClass } from '../../shared/genai'
import { nsDurationMs, nsToIso, type StoredEvent } from '../store/queries'
import { isObject, LogfireAttributes } from './logfire-values'

/** The stored columns of an experiment or case span that experiments are built from. */
export interface EvalSpan {
  traceId: string
  spanId: string
  parentSpanId: string | null
  startNs: bigint
  endNs: bigint
  statusCode: number
  statusMessage: string
  attributes: AttributeMap
  events: StoredEvent[]
  /** True for a Logfire pending span: a start marker whose parent is the real, running span. */
  pending: boolean
  /** The error class GenAI normalization gave the span, or null before it ran. */
  errorClass: ErrorClass | null
}

const SPAN_STATUS_ERROR = 2

/** Builds the case that a `case: {case_name}` span records. */
export function caseFromSpan(span: EvalSpan): EvalCase {
  const attributes = new LogfireAttributes(span.attributes)
  const unreadable: string[] = []
  const read = (key: string): JsonValue => {
    const decoded = attributes.read(key)
    if (!decoded.unreadable) return decoded.value
    unreadable.push(key)
    return null
  }
  const assertions = evaluationResults(read('assertions'), isBoolean)
  const taskSeconds = attributes.number('task_duration')
  const error = spanError(span)
  return {
    name: attributes.string('case_name') ?? titleName(span, 'case: '),
    sourceCaseName: attributes.string('logfire.experiment.source_case_name'),
    traceId: span.traceId,
    spanId: span.pending ? (span.parentSpanId ?? span.spanId) : span.spanId,
    outcome: caseOutcome(span, error, assertions),
    inputs: read('inputs'),
    expectedOutput: read('expected_output'),
    output: read('output'),
    metadata: read('metadata'),
    assertions,
    scores: evaluationResults(read('scores'), isFiniteNumber),
    labels: evaluationResults(read('labels'), isString),
    metrics: numberRecord(read('metrics')),
    attributes: jsonRecord(read('attributes')),
    startTime: nsToIso(span.startNs),
    startTimeUnixNano: span.startNs.toString(),
    taskDurationMs: taskSeconds === null ? null : taskSeconds * 1000,
    durationMs: span.pending ? 0 : nsDurationMs(span.startNs, span.endNs),
    error,
    unreadable,
  }
}

function caseOutcome(
  span: EvalSpan,
  error: CaseError | null,
  assertions: EvalResult<boolean>[],
): CaseOutcome {
  if (span.pending) return 'running'
  if (error !== null) return 'error'
  return assertions.every((assertion) => assertion.value) ? 'passed' : 'failed'
}

/**
 * Returns the exception that a failed span recorded (its last `exception`
 * event), or its status message when it recorded none. Returns null for a
 * span that did not fail.
 */
export function spanError(span: EvalSpan): CaseError | null {
  if (span.pending || span.statusCode !== SPAN_STATUS_ERROR) return null
  const exception = span.events.findLast((event) => event.name === 'exception')
  const type = exception?.attributes['exception.type']
  const message = exception?.attributes['exception.message']
  return {
    type: typeof type === 'string' ? type : null,
    message: typeof message === 'string' ? message : span.statusMessage,
    errorClass: span.errorClass ?? 'internal',
  }
}

/**
 * Returns the name in Logfire's formatted message (`logfire.msg`) after its
 * fixed prefix, for a span that lacks its name attribute.
 */
export function titleName(span: EvalSpan, prefix: string): string {
  const message = span.attributes['logfire.msg']
  if (typeof message === 'string' && message.startsWith(prefix)) return message.slice(prefix.length)
  return span.spanId
}

/**
 * Reads pydantic_evals' `{name: {name, value, reason, source}}` mapping of
 * one result type into a list, keeping the entries whose value has that
 * type. `source` is the evaluator spec, `{name, arguments}`.
 */
function evaluationResults<T>(
  mapping: JsonValue,
  hasType: (value: unknown) => value is T,
): EvalResult<T>[] {
  if (!isObject(mapping)) return []
  const results: EvalResult<T>[] = []
  for (const [key, entry] of Object.entries(mapping)) {
    if (!isObject(entry) || !hasType(entry.value)) continue
    const source = entry.source
    results.push({
      name: typeof entry.name === 'string' ? entry.name : key,
      value: entry.value,
      reason: typeof entry.reason === 'string' ? entry.reason : null,
      evaluator: isObject(source) && typeof source.name === 'string' ? source.name : null,
    })
  }
  return results
}

function numberRecord(value: JsonValue): Record<string, number> {
  const record: Record<string, number> = {}
  if (!isObject(value)) return record
  for (const [key, entry] of Object.entries(value)) {
    if (isFiniteNumber(entry)) record[key] = entry
  }
  return record
}

function jsonRecord(value: JsonValue): Record<string, JsonValue> {
  return isObject(value) ? (value as Record<string, JsonValue>) : {}
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean'
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function isString(value: unknown): value is string {
  return typeof value === 'string'
}
