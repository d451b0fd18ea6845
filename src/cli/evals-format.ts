// Plain-text output of `loupe evals`: the experiment table, one experiment's
// case table with its failures, and the comparison of two experiments.

import type { JsonValue } from '../shared/api'
import type {
  CaseChange,
  CaseComparison,
  CaseOutcome,
  EvalCase,
  ExperimentComparison,
  ExperimentDetail,
  ExperimentSummary,
  ExperimentTotals,
  ScoreChange,
} from '../shared/evals'
import { formatDuration, printable } from './format'

/** Widest value shown in a table cell; longer ones end with an ellipsis. */
const MAX_CELL_CHARS = 40

const CHANGE_LABELS: Record<CaseChange, string> = {
  only_a: 'only in A',
  only_b: 'only in B',
  changed: 'changed',
  same: 'same',
}

const OUTCOME_LABELS: Record<CaseOutcome, string> = {
  passed: 'passed',
  failed: 'FAILED',
  error: 'ERROR',
  running: 'running',
}

export function formatExperimentTable(experiments: readonly ExperimentSummary[]): string {
  if (experiments.length === 0) {
    return (
      'No experiments yet. Run a pydantic_evals Dataset.evaluate with Logfire sending to Loupe ' +
      '(OTEL_EXPORTER_OTLP_ENDPOINT set to its OTLP/HTTP address).'
    )
  }
  const header = ['ID', 'STARTED', 'CASES', 'PASSED', 'FAILED', 'ERRORS', 'ASSERTIONS', 'NAME']
  const rows = experiments.map((e) => [
    e.id,
    shortTime(e.startTime),
    e.running ? `${e.totals.cases} (running)` : String(e.totals.cases),
    String(e.totals.passed),
    String(e.totals.failed),
    String(e.totals.errors),
    formatRate(e.totals.assertionPassRate),
    printable(e.name),
  ])
  return table(header, rows)
}

export function formatExperiment(detail: ExperimentDetail): string {
  const { experiment, cases } = detail
  const lines = [...experimentHeading(experiment), '']
  if (cases.length === 0) {
    lines.push(experiment.running ? 'No case has ended yet.' : 'The experiment has no cases.')
    return lines.join('\n')
  }
  const header = [
    'CASE',
    'OUTCOME',
    'INPUTS',
    'EXPECTED',
    'OUTPUT',
    'ASSERTIONS',
    'SCORES',
    'DURATION',
  ]
  const rows = cases.map((c) => [
    printable(c.name),
    OUTCOME_LABELS[c.outcome],
    cell(c.inputs),
    cell(c.expectedOutput),
    c.outcome === 'error' || c.outcome === 'running' ? '-' : cell(c.output),
    c.assertions.length === 0
      ? '-'
      : `${c.assertions.filter((a) => a.value).length}/${c.assertions.length}`,
    c.scores.map((score) => `${printable(score.name)} ${formatNumber(score.value)}`).join(', ') ||
      '-',
    c.outcome === 'running' ? '-' : formatDuration(c.durationMs),
  ])
  lines.push(table(header, rows))
  const failures = cases.flatMap(caseFailures)
  if (failures.length > 0) lines.push('', 'Failures:', ...failures.map((line) => `  ${line}`))
  return lines.join('\n')
}

function experimentHeading(e: ExperimentSummary): string[] {
  const facts = [
    e.datasetName === null ? null : `dataset ${printable(e.datasetName)}`,
    e.taskName === null ? null : `task ${printable(e.taskName)}`,
    e.serviceName === null ? null : `service ${printable(e.serviceName)}`,
    `started ${e.startTime}`,
    e.running ? 'running' : formatDuration(e.durationMs),
  ].filter((fact) => fact !== null)
  const lines = [
    `${printable(e.name)}  experiment ${e.id}, trace ${e.traceId}`,
    facts.join(', '),
    totalsLine(e.totals),
  ]
  if (e.error !== null) lines.push(`ERROR ${errorText(e.error)}`)
  return lines
}

function totalsLine(totals: ExperimentTotals): string {
  const parts = [
    `${totals.cases} ${totals.cases === 1 ? 'case' : 'cases'}: ${totals.passed} passed, ` +
      `${totals.failed} failed, ${totals.errors} ${totals.errors === 1 ? 'error' : 'errors'}` +
      (totals.running > 0 ? `, ${totals.running} running` : ''),
  ]
  if (totals.assertions > 0) {
    parts.push(
      `assertions ${totals.passedAssertions} of ${totals.assertions} passed ` +
        `(${formatRate(totals.assertionPassRate)})`,
    )
  }
  for (const [name, average] of Object.entries(totals.scoreAverages)) {
    parts.push(`${printable(name)} average ${formatNumber(average)}`)
  }
  return parts.join('; ')
}

/** Returns one line per failed assertion of a case, or the error it raised. */
function caseFailures(c: EvalCase): string[] {
  const name = printable(c.name)
  if (c.error !== null) return [`${name}: raised ${errorText(c.error)}`]
  return c.assertions
    .filter((assertion) => !assertion.value)
    .map((assertion) => {
      const reason = assertion.reason === null ? '' : `: ${printable(assertion.reason)}`
      return `${name}: ${printable(assertion.name)} failed${reason}`
    })
}

function errorText(error: NonNullable<EvalCase['error']>): string {
  const type = error.type === null ? '' : `${printable(error.type)} `
  return `${type}(${error.errorClass}): ${printable(error.message)}`
}

export function formatComparison(comparison: ExperimentComparison): string {
  const { a, b } = comparison
  const lines = [
    `A: ${printable(a.name)}  experiment ${a.id}, started ${a.startTime}`,
    `B: ${printable(b.name)}  experiment ${b.id}, started ${b.startTime}`,
    '',
    table(['', 'A', 'B', 'CHANGE'], totalsRows(comparison)),
    '',
  ]
  const header = ['CASE', 'CHANGE', 'A', 'B', 'DETAILS']
  const rows = comparison.cases.map((c) => [
    printable(c.name),
    CHANGE_LABELS[c.change],
    c.a === null ? '-' : OUTCOME_LABELS[c.a.outcome],
    c.b === null ? '-' : OUTCOME_LABELS[c.b.outcome],
    caseDetails(c),
  ])
  lines.push(table(header, rows))
  if (comparison.regressions.length > 0) {
    lines.push(
      '',
      `Regressions (passed in A, not in B): ${comparison.regressions.map(printable).join(', ')}`,
    )
  }
  if (comparison.fixes.length > 0) {
    lines.push(`Fixes (failed in A, passed in B): ${comparison.fixes.map(printable).join(', ')}`)
  }
  return lines.join('\n')
}

function totalsRows(comparison: ExperimentComparison): string[][] {
  const a = comparison.a.totals
  const b = comparison.b.totals
  const count = (label: string, key: 'cases' | 'passed' | 'failed' | 'errors') => [
    label,
    String(a[key]),
    String(b[key]),
    signed(b[key] - a[key], (n) => String(n)),
  ]
  const rateChange =
    a.assertionPassRate === null || b.assertionPassRate === null
      ? ''
      : signed(
          Math.round((b.assertionPassRate - a.assertionPassRate) * 1000) / 10,
          (n) => `${n} pp`,
        )
  return [
    count('cases', 'cases'),
    count('passed', 'passed'),
    count('failed', 'failed'),
    count('errors', 'errors'),
    [
      'assertion pass rate',
      formatRate(a.assertionPassRate),
      formatRate(b.assertionPassRate),
      rateChange,
    ],
    ...comparison.scoreAverages.map((score) => [
      `${printable(score.name)} average`,
      score.a === null ? '-' : formatNumber(score.a),
      score.b === null ? '-' : formatNumber(score.b),
      score.delta === null ? '' : signed(score.delta, formatNumber),
    ]),
  ]
}

/** Lists what changed in one case (output, assertions, scores, labels), separated by semicolons. */
function caseDetails(c: CaseComparison): string {
  if (c.a === null || c.b === null) return ''
  const details: string[] = []
  if (c.outputChanged) details.push(`output ${cell(c.a.output)} -> ${cell(c.b.output)}`)
  for (const change of c.assertionChanges) {
    details.push(`${printable(change.name)} ${change.a ?? '-'} -> ${change.b ?? '-'}`)
  }
  for (const change of c.scoreChanges) details.push(scoreText(change))
  for (const change of c.labelChanges) {
    details.push(
      `${printable(change.name)} ${printable(change.a ?? '-')} -> ${printable(change.b ?? '-')}`,
    )
  }
  return details.join('; ')
}

function scoreText(change: ScoreChange): string {
  const a = change.a === null ? '-' : formatNumber(change.a)
  const b = change.b === null ? '-' : formatNumber(change.b)
  const delta = change.delta === null ? '' : ` (${signed(change.delta, formatNumber)})`
  return `${printable(change.name)} ${a} -> ${b}${delta}`
}

/** Formats a JSON value on one line, cut to MAX_CELL_CHARS. */
function cell(value: JsonValue): string {
  const text = printable(JSON.stringify(value) ?? 'null')
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text
}

function formatRate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3)
}

function signed(value: number, format: (n: number) => string): string {
  if (value === 0) return ''
  return value > 0 ? `+${format(value)}` : format(value)
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/** Formats rows as columns padded to their widest cell, except the last column. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((text, i) => (i === cells.length - 1 ? text : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
