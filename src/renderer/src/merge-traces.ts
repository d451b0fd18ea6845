import type { TraceSummary } from '../../shared/api'

/**
 * Compares two Unix-nanosecond decimal strings without BigInt: a longer
 * number is larger, and numbers of equal length compare as text.
 */
export function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return compareText(a, b)
}

/** Orders traces newest first by start time, then by trace id so that the order is stable. */
export function compareNewestFirst(a: TraceSummary, b: TraceSummary): number {
  const byStart = compareNanos(b.startTimeUnixNano, a.startTimeUnixNano)
  if (byStart !== 0) return byStart
  return compareText(a.traceId, b.traceId)
}

function compareText(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

/**
 * Returns `current` with `updates` applied: a known trace id is replaced by
 * its new summary, an unknown one is inserted at its place, newest first.
 */
export function mergeTraces(
  current: readonly TraceSummary[],
  updates: readonly TraceSummary[],
): TraceSummary[] {
  if (updates.length === 0) return current as TraceSummary[]
  const byId = new Map<string, TraceSummary>()
  for (const trace of current) byId.set(trace.traceId, trace)
  for (const trace of updates) byId.set(trace.traceId, trace)
  return [...byId.values()].sort(compareNewestFirst)
}
