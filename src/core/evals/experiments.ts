// Finds pydantic_evals experiments in the store. `Dataset.evaluate` opens a
// Logfire span named by its template, `evaluate {name}`, with the attributes
// `name`, `task_name`, `dataset_name` and `n_cases`, and runs each case in a
// child span `case: {case_name}`. While the experiment runs, the store holds
// only Logfire's pending span for it (whose parent is the real span's id),
// and the cases that have ended.

import type Database from 'better-sqlite3'
import type { AttributeMap } from '../../shared/api'
import type { ExperimentDetail, ExperimentSummary } from '../../shared/evals'
import type { ErrorClass } from '../../shared/genai'
import { nsDurationMs, nsToIso, type StoredEvent } from '../store/queries'
import { caseFromSpan, spanError, titleName, type EvalSpan } from './cases'
import { LogfireAttributes } from './logfire-values'
import { experimentTotals } from './totals'

/**
 * The experiment span's name. It appears in the SQL as a literal because the
 * partial index `spans_experiments` covers exactly the rows with this name,
 * and SQLite uses a partial index only for a query whose WHERE repeats its
 * condition.
 */
export const EXPERIMENT_SPAN_NAME = 'evaluate {name}'
export const CASE_SPAN_NAME = 'case: {case_name}'

const SPAN_COLUMNS = `s.trace_id, s.span_id, s.parent_span_id, s.start_ns, s.end_ns, s.status_code,
  s.status_message, s.attributes, s.events, s.pending, sg.error_class`

const EXPERIMENT_SELECT = `SELECT ${SPAN_COLUMNS}, r.service_name
  FROM spans s JOIN resources r ON r.id = s.resource_id
    LEFT JOIN span_genai sg ON sg.span_row_id = s.id
  WHERE s.name = '${EXPERIMENT_SPAN_NAME}'`

/** The experiment's id is not found, or names several experiments. */
export class ExperimentLookupError extends Error {
  override name = 'ExperimentLookupError'
}

interface SpanRow {
  trace_id: string
  span_id: string
  parent_span_id: string | null
  start_ns: bigint
  end_ns: bigint
  status_code: bigint
  status_message: string
  attributes: string
  events: string | null
  pending: bigint
  error_class: string | null
}

interface ExperimentRow extends SpanRow {
  service_name: string | null
}

/** An experiment span with the rows its summary is built from. */
interface ExperimentSpan {
  span: EvalSpan
  /** The real span's id (for a pending span, its parent). */
  id: string
  serviceName: string | null
}

export class ExperimentQueries {
  private readonly statements

  constructor(db: Database.Database) {
    const prepare = (sql: string) => db.prepare(sql).safeIntegers(true)
    this.statements = {
      list: prepare(`${EXPERIMENT_SELECT} ORDER BY s.start_ns DESC, s.id DESC LIMIT ?`),
      bySpanId: prepare(
        `${EXPERIMENT_SELECT} AND (s.span_id = ? OR (s.pending = 1 AND s.parent_span_id = ?))
         ORDER BY s.pending`,
      ),
      byTrace: prepare(`${EXPERIMENT_SELECT} AND s.trace_id = ? ORDER BY s.start_ns, s.id`),
      byName: prepare(
        `${EXPERIMENT_SELECT} AND json_extract(s.attributes, '$.name') = ?
         ORDER BY s.start_ns DESC, s.id DESC LIMIT 1`,
      ),
      cases: prepare(
        `SELECT ${SPAN_COLUMNS} FROM spans s LEFT JOIN span_genai sg ON sg.span_row_id = s.id
         WHERE s.trace_id = ? AND s.name = '${CASE_SPAN_NAME}' ORDER BY s.start_ns, s.id`,
      ),
      runOfTrace: prepare('SELECT run_id FROM run_traces WHERE trace_id = ? LIMIT 1'),
    }
  }

  /** Lists experiments, newest first, with the totals of their stored cases. */
  list(limit = 100): ExperimentSummary[] {
    const rows = this.statements.list.all(limit) as ExperimentRow[]
    return distinctExperiments(rows).map((experiment) => this.detail(experiment).experiment)
  }

  /**
   * Returns an experiment with its cases. `ref` is the span id of its
   * `evaluate` span, the id of a trace that contains exactly one experiment,
   * or an experiment name (the newest experiment of that name). Throws
   * ExperimentLookupError when none matches or the trace contains several.
   */
  get(ref: string): ExperimentDetail {
    const id = ref.trim()
    const hex = id.toLowerCase()
    if (/^[0-9a-f]{16}$/.test(hex)) {
      const rows = this.statements.bySpanId.all(hex, hex) as ExperimentRow[]
      if (rows.length > 0) return this.detail(distinctExperiments(rows)[0]!)
    }
    if (/^[0-9a-f]{32}$/.test(hex)) {
      const experiments = distinctExperiments(this.statements.byTrace.all(hex) as ExperimentRow[])
      if (experiments.length === 1) return this.detail(experiments[0]!)
      if (experiments.length > 1) {
        const ids = experiments.map((experiment) => experiment.id).join(', ')
        throw new ExperimentLookupError(
          `trace ${hex} contains ${experiments.length} experiments (${ids}); give one of their ids`,
        )
      }
    }
    const named = this.statements.byName.all(id) as ExperimentRow[]
    if (named.length > 0) return this.detail(distinctExperiments(named)[0]!)
    throw new ExperimentLookupError(
      `no experiment ${JSON.stringify(id)}: give an experiment id, a trace id or an experiment name ` +
        'from `loupe evals`',
    )
  }

  private detail(experiment: ExperimentSpan): ExperimentDetail {
    const { span } = experiment
    const caseSpans = this.caseSpansOf(span.traceId, experiment.id)
    const cases = caseSpans.map(caseFromSpan)
    const attributes = new LogfireAttributes(span.attributes)
    const metadata = attributes.read('metadata')
    // A running experiment lasts, so far, until its newest case span ended.
    const endNs = span.pending
      ? caseSpans.reduce((end, c) => (!c.pending && c.endNs > end ? c.endNs : end), span.startNs)
      : span.endNs
    const run = this.statements.runOfTrace.get(span.traceId) as { run_id: string } | undefined
    const summary: ExperimentSummary = {
      id: experiment.id,
      traceId: span.traceId,
      name: attributes.string('name') ?? titleName(span, 'evaluate '),
      datasetName: attributes.string('dataset_name'),
      taskName: attributes.string('task_name'),
      serviceName: experiment.serviceName,
      runId: run?.run_id ?? null,
      startTime: nsToIso(span.startNs),
      startTimeUnixNano: span.startNs.toString(),
      endTimeUnixNano: endNs.toString(),
      durationMs: nsDurationMs(span.startNs, endNs),
      running: span.pending,
      datasetCases: attributes.number('n_cases'),
      repeat: attributes.number('logfire.experiment.repeat') ?? 1,
      metadata: metadata.unreadable ? null : metadata.value,
      error: spanError(span),
      totals: experimentTotals(cases),
    }
    return { experiment: summary, cases }
  }

  /** Returns the case spans (or, while a case runs, its pending span) whose parent is this experiment. */
  private caseSpansOf(traceId: string, experimentId: string): EvalSpan[] {
    const spans = (this.statements.cases.all(traceId) as SpanRow[]).map(evalSpan)
    const ended = new Set(spans.filter((span) => !span.pending).map((span) => span.spanId))
    return spans.filter((span) =>
      span.pending
        ? span.attributes['logfire.pending_parent_id'] === experimentId &&
          !ended.has(span.parentSpanId ?? '')
        : span.parentSpanId === experimentId,
    )
  }
}

/**
 * Turns experiment rows into experiments, one per real span id. The writer
 * replaces a pending span by its real span, so a pending row beside its real
 * span is not expected. Such a row is skipped all the same.
 */
function distinctExperiments(rows: readonly ExperimentRow[]): ExperimentSpan[] {
  const ended = new Set(rows.filter((row) => row.pending === 0n).map((row) => row.span_id))
  const experiments: ExperimentSpan[] = []
  for (const row of rows) {
    const span = evalSpan(row)
    const id = span.pending ? (span.parentSpanId ?? span.spanId) : span.spanId
    if (span.pending && ended.has(id)) continue
    experiments.push({ span, id, serviceName: row.service_name })
  }
  return experiments
}

function evalSpan(row: SpanRow): EvalSpan {
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    startNs: row.start_ns,
    endNs: row.end_ns,
    statusCode: Number(row.status_code),
    statusMessage: row.status_message,
    attributes: JSON.parse(row.attributes) as AttributeMap,
    events: row.events ? (JSON.parse(row.events) as StoredEvent[]) : [],
    pending: row.pending === 1n,
    errorClass: row.error_class as ErrorClass | null,
  }
}
