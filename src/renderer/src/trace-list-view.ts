import type { TraceSummary } from '../../shared/api'
import type { ErrorClass } from '../../shared/genai'
import { compareNanos, compareNewestFirst } from './merge-traces'

// Sorting and filtering of the trace list. Pure, so that unit tests cover it;
// the table applies it to whatever the list hook holds, so live updates land
// in sorted order.

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
      return trace.rootName.toLowerCase()
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
export function sortTraces(traces: readonly TraceSummary[], sort: TraceSort): TraceSummary[] {
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

/** 'all', 'errors' (any class but none), or one error class. */
export type ErrorClassFilter = 'all' | 'errors' | ErrorClass

export interface TraceFilter {
  errorClass: ErrorClassFilter
  /** Case-insensitive text that the agent, a model, the root span's name or the service must contain. */
  text: string
}

export const NO_FILTER: TraceFilter = { errorClass: 'all', text: '' }

/**
 * Returns the traces that pass `filter`. A trace whose figures are pending
 * has no error class yet, so it passes only the 'all' class filter.
 */
export function filterTraces(traces: readonly TraceSummary[], filter: TraceFilter): TraceSummary[] {
  const needle = filter.text.trim().toLowerCase()
  if (filter.errorClass === 'all' && needle === '') return traces as TraceSummary[]
  return traces.filter(
    (trace) => matchesErrorClass(trace, filter.errorClass) && matchesText(trace, needle),
  )
}

function matchesErrorClass(trace: TraceSummary, filter: ErrorClassFilter): boolean {
  if (filter === 'all') return true
  if (isPending(trace)) return false
  if (filter === 'errors') return trace.errorClass !== 'none'
  return trace.errorClass === filter
}

function matchesText(trace: TraceSummary, needle: string): boolean {
  if (needle === '') return true
  const fields = [trace.agentName, trace.rootName, trace.serviceName, ...trace.models]
  return fields.some((field) => field !== null && field.toLowerCase().includes(needle))
}
