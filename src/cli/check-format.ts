// Plain-text report of `loupe check`: the checks grouped by result, worst
// first, each with its finding and the spans it came from.

import {
  CHECK_RESULTS,
  type CheckEvidence,
  type CheckFinding,
  type CheckReport,
  type CheckResult,
} from '../shared/check'
import { printable } from './format'

const HEADINGS: Record<CheckResult, string> = {
  fail: 'FAILED',
  warn: 'WARNINGS',
  not_checkable: 'NOT CHECKABLE (review these yourself)',
  pass: 'PASSED',
}

/** Evidence lines shown per check; `--json` has up to 50. */
const SHOWN_EVIDENCE: Record<CheckResult, number> = {
  fail: 10,
  warn: 10,
  not_checkable: 3,
  pass: 3,
}

function scopeLine(report: CheckReport): string {
  const traces = `${report.tracesChecked} ${report.tracesChecked === 1 ? 'trace' : 'traces'}`
  const spans = `${report.spansChecked} ${report.spansChecked === 1 ? 'span' : 'spans'}`
  if (report.traceId !== null)
    return `Production-readiness check of trace ${report.traceId} (${spans})`
  return `Production-readiness check of ${traces} (${spans}) that started in the last ${report.since}, since ${report.windowStart}`
}

function evidenceLines(item: CheckEvidence): string[] {
  const where: string[] = []
  if (item.traceId !== null) where.push(`trace ${item.traceId}`)
  if (item.spanId !== null) where.push(`span ${item.spanId}`)
  if (item.spanName !== null) where.push(`(${printable(item.spanName)})`)
  const value =
    item.attribute !== null ? `${printable(item.attribute)} = ${printable(item.value ?? '')}: ` : ''
  return [`    - ${where.join(' ')}`, `      ${value}${printable(item.note)}`]
}

function findingLines(finding: CheckFinding): string[] {
  const lines = [`  ${finding.id}: ${finding.title}`, `    ${printable(finding.finding)}`]
  const shownEvidence = finding.evidence.slice(0, SHOWN_EVIDENCE[finding.result])
  for (const item of shownEvidence) lines.push(...evidenceLines(item))
  const more = finding.evidence.length - shownEvidence.length + finding.omittedEvidence
  if (more > 0) lines.push(`    … ${more} more (loupe check --json lists up to 50 per check)`)
  return lines
}

export function formatCheckReport(report: CheckReport): string {
  const lines = [scopeLine(report)]
  if (report.tracesSkipped > 0) {
    lines.push(
      `note: ${report.tracesSkipped} older traces in the window were not checked; use a shorter --since`,
    )
  }
  if (report.unnormalizedSpans > 0) {
    lines.push(
      `note: ${report.unnormalizedSpans} spans were not normalized yet, so their kind and error class were unknown`,
    )
  }
  for (const result of CHECK_RESULTS) {
    const findings = report.checks.filter((finding) => finding.result === result)
    if (findings.length === 0) continue
    lines.push('', HEADINGS[result])
    for (const finding of findings) lines.push(...findingLines(finding))
  }
  const { counts } = report
  lines.push(
    '',
    `${counts.fail} failed, ${counts.warn} ${counts.warn === 1 ? 'warning' : 'warnings'}, ` +
      `${counts.not_checkable} not checkable, ${counts.pass} passed`,
  )
  return lines.join('\n')
}
