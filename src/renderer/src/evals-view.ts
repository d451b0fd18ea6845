// Text of the evals pages: rates, scores, deltas and one-line previews of
// case values. Pure, so that unit tests run it without a DOM.

import type { JsonValue } from '../../shared/api'
import type { CaseOutcome, ExperimentSummary } from '../../shared/evals'

/** Maximum characters of a value's preview in a table cell, and of the cell's tooltip. */
const MAX_PREVIEW_CHARS = 80
const MAX_TOOLTIP_CHARS = 2000

export const OUTCOME_LABELS: Record<CaseOutcome, string> = {
  passed: 'passed',
  failed: 'failed',
  error: 'error',
  running: 'running',
}

/** Formats a share from 0 to 1 as a percentage, or "—" for null. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '—'
  return `${Number((rate * 100).toFixed(1))}%`
}

/** Formats a score: integers as they are, other numbers with three decimals at most. */
export function formatScore(value: number): string {
  return String(Number(value.toFixed(3)))
}

/** Formats a difference with its sign, or "" when it is zero. */
export function formatDelta(
  delta: number,
  format: (value: number) => string = formatScore,
): string {
  if (delta === 0) return ''
  return delta > 0 ? `+${format(delta)}` : `−${format(-delta)}`
}

/** Formats the change of a rate in percentage points, or "" when a side has none or it is unchanged. */
export function formatRateDelta(a: number | null, b: number | null): string {
  if (a === null || b === null) return ''
  return formatDelta(Number(((b - a) * 100).toFixed(1)), (points) => `${points} pp`)
}

/** Returns a value as one line of text: strings as they are, anything else as compact JSON. */
export function valueText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Returns the start of a value's text for a table cell, with an ellipsis when cut. */
export function valuePreview(value: JsonValue): string {
  return cut(valueText(value).replace(/\s+/g, ' '), MAX_PREVIEW_CHARS)
}

/** Returns a value's indented JSON for a tooltip, cut at MAX_TOOLTIP_CHARS. */
export function valueTooltip(value: JsonValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
  return cut(text, MAX_TOOLTIP_CHARS)
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * Orders two experiments for a comparison: the one that started first is A,
 * so that B shows what changed since.
 */
export function comparisonOrder(
  first: ExperimentSummary,
  second: ExperimentSummary,
): [ExperimentSummary, ExperimentSummary] {
  return BigInt(first.startTimeUnixNano) <= BigInt(second.startTimeUnixNano)
    ? [first, second]
    : [second, first]
}
