import type { TraceSummary } from '../../shared/api'
import { compareNanos, compareNewestFirst } from './merge-traces'

// Sorting of the trace list. Pure, so that unit tests cover it; the table
// applies it to whatever the list hook holds, so live updates land in sorted
// order. Filtering happens on the core (see shared/trace-filter.ts).

export type TraceSortKey =
  | 'name'
  | 'service'
  | 'start'
  | 'duration'
  | 'spans'
  | 'agent'
  | 'model'
  | 'tokens'
  | 'cost'
  | 'errorClass'
  | 'status'

export const TRACE_SORT_KEYS: readonly TraceSortKey[] = [
  'name',
  'service',
  'start',
  'duration',
  'spans',
  'agent',
  'model',
  'tokens',
  'cost',
  'errorClass',
  'status',
]

export type SortDirection = 'asc' | 'desc'

export interface TraceSort {
  key: TraceSortKey
  direction: SortDirection
}

export const DEFAULT_SORT: TraceSort = { key: 'start', direction: 'desc' }

/** Columns whose first click sorts largest first; text columns start A to Z. */
const DESCENDING_FIRST: ReadonlySet<TraceSortKey> = new Set([
  'start',
  'duration',
  'spans',
  'tokens',
  'cost',
])

/** Returns the sort after a click on a column's header: same column flips, another starts fresh. */
export function nextSort(current: TraceSort, key: TraceSortKey): TraceSort {
  if (current.key === key) {
    return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' }
  }
  return { key, direction: DESCENDING_FIRST.has(key) ? 'desc' : 'asc' }
}

/**
 * Returns what the Root span column shows: the formatted title (Logfire's
 * `logfire.msg`, such as `turn What is 2+2?`) when there is one, else the
 * span name, which for Logfire spans is the template (`turn {prompt}`).
 */
export function rootLabel(trace: TraceSummary): string {
  return trace.title || trace.rootName
}

/** True while the core has not normalized every span, so GenAI figures are not final. */
export function isPending(trace: TraceSummary): boolean {
  return trace.unnormalizedSpans > 0
}

type SortValue = string | number | null

/**
 * Returns what a trace sorts by in a column. Null means unknown (figures
 * still pending, no price, no agent); unknown values sort last in both
 * directions.
 */
function sortValue(trace: TraceSummary, key: TraceSortKey): SortValue {
  switch (key) {
    case 'name':
      return rootLabel(trace).toLowerCase()
    case 'service':
      return trace.serviceName?.toLowerCase() ?? null
    case 'start':
      return trace.startTimeUnixNano
    case 'duration':
      return trace.durationMs
    case 'spans':
      return trace.spanCount
    case 'agent':
      return trace.agentName?.toLowerCase() ?? null
    case 'model':
      return trace.models[0]?.toLowerCase() ?? null
    case 'tokens':
      return isPending(trace) ? null : trace.inputTokens + trace.outputTokens
    case 'cost':
      return isPending(trace) ? null : trace.costUsd
    case 'errorClass':
      return isPending(trace) || trace.errorClass === 'none' ? null : trace.errorClass
    case 'status':
      return trace.status
  }
}

function compareValues(a: SortValue, b: SortValue, key: TraceSortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (key === 'start') return compareNanos(String(a), String(b))
  const textA = String(a)
  const textB = String(b)
  if (textA === textB) return 0
  return textA < textB ? -1 : 1
}

/** Returns the traces sorted by `sort`; ties and unknown values keep newest first. */
export function sortTraces<T extends TraceSummary>(traces: readonly T[], sort: TraceSort): T[] {
  const sign = sort.direction === 'asc' ? 1 : -1
  const keyed = traces.map((trace) => ({ trace, value: sortValue(trace, sort.key) }))
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) {
      if (a.value !== b.value) return a.value === null ? 1 : -1
      return compareNewestFirst(a.trace, b.trace)
    }
    return sign * compareValues(a.value, b.value, sort.key) || compareNewestFirst(a.trace, b.trace)
  })
  return keyed.map((entry) => entry.trace)
}
