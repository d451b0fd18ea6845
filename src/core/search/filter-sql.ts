// Translates a TraceFilter into SQL conditions on `traces t` and
// `trace_genai tg`, with named parameters. Conditions on span attributes
// look at the spans of each candidate trace through spans_by_trace_start.

import type { SpanStatus } from '../../shared/api'
import { resolveTimeBound, type TraceFilter } from '../../shared/trace-filter'

export interface FilterSql {
  /** Conditions that must all hold, or an empty list. */
  conditions: string[]
  params: Record<string, string | number | bigint | null>
}

const STATUS_CODES: Record<SpanStatus, number> = { unset: 0, ok: 1, error: 2 }

/** A JSON number or boolean literal, which an attribute may hold as that type. */
const JSON_SCALAR = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false)$/

/** Returns the SQL conditions of every field of `filter` except the text. */
export function filterConditions(filter: TraceFilter, nowMs: number): FilterSql {
  const conditions: string[] = []
  const params: FilterSql['params'] = {}
  const add = (condition: string, values: FilterSql['params'] = {}) => {
    conditions.push(condition)
    Object.assign(params, values)
  }
  if (filter.since) {
    add('t.start_ns >= @sinceNs', { sinceNs: msToNs(resolveTimeBound(filter.since, nowMs)) })
  }
  if (filter.until) {
    add('t.start_ns <= @untilNs', { untilNs: msToNs(resolveTimeBound(filter.until, nowMs)) })
  }
  if (filter.service !== undefined) {
    // The root's service is on the trace row; other services need a look at the spans.
    add(
      `(t.service_name = @service COLLATE NOCASE OR EXISTS (
         SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.resource_id IN
           (SELECT id FROM resources WHERE service_name = @service COLLATE NOCASE)))`,
      { service: filter.service },
    )
  }
  if (filter.agent !== undefined) {
    add(
      `EXISTS (SELECT 1 FROM span_genai g
         WHERE g.trace_id = t.trace_id AND g.agent_name = @agent COLLATE NOCASE)`,
      { agent: filter.agent },
    )
  }
  if (filter.model !== undefined) {
    add('EXISTS (SELECT 1 FROM json_each(tg.models) WHERE value = @model COLLATE NOCASE)', {
      model: filter.model,
    })
  }
  if (filter.errorClass === 'any') {
    add("tg.error_class <> 'none'")
  } else if (filter.errorClass !== undefined) {
    add('tg.error_class IN (SELECT value FROM json_each(@errorClasses))', {
      errorClasses: JSON.stringify(filter.errorClass),
    })
  }
  if (filter.status !== undefined) {
    add('(CASE WHEN t.root_span_id IS NULL THEN 0 ELSE t.root_status END) = @status', {
      status: STATUS_CODES[filter.status],
    })
  }
  addRanges(filter, add)
  // NOTE: route and attr.KEY read the attribute JSON of every span of each
  // trace they test, with no index to help, so on a large store they are the
  // slow filters (docs/benchmarks.md). A time range bounds the traces tested.
  if (filter.route !== undefined) {
    add(
      `EXISTS (SELECT 1 FROM spans s
         WHERE s.trace_id = t.trace_id AND s.attributes ->> '$."http.route"' = @route)`,
      { route: filter.route },
    )
  }
  filter.attributes?.forEach((condition, index) => {
    const path = `attrPath${index}`
    const json = `attrJson${index}`
    const raw = `attrRaw${index}`
    // `->` returns the value as JSON text: "text" for a string, 42 or true for the others.
    add(
      `EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND (
         (s.attributes -> @${path}) IN (@${json}, @${raw}) OR s.resource_id IN
           (SELECT id FROM resources r WHERE (r.attributes -> @${path}) IN (@${json}, @${raw}))))`,
      {
        [path]: `$."${condition.key}"`,
        [json]: JSON.stringify(condition.value),
        [raw]: JSON_SCALAR.test(condition.value) ? condition.value : null,
      },
    )
  })
  return { conditions, params }
}

function addRanges(
  filter: TraceFilter,
  add: (condition: string, values: FilterSql['params']) => void,
): void {
  const duration = 't.end_ns - t.start_ns'
  if (filter.minDurationMs !== undefined) {
    add(`${duration} >= @minDurationNs`, { minDurationNs: msToNs(filter.minDurationMs) })
  }
  if (filter.maxDurationMs !== undefined) {
    add(`${duration} <= @maxDurationNs`, { maxDurationNs: msToNs(filter.maxDurationMs) })
  }
  if (filter.minCostUsd !== undefined) {
    add('tg.cost_usd >= @minCost', { minCost: filter.minCostUsd })
  }
  if (filter.maxCostUsd !== undefined) {
    add('tg.cost_usd <= @maxCost', { maxCost: filter.maxCostUsd })
  }
  const tokens = 'tg.input_tokens + tg.output_tokens'
  if (filter.minTokens !== undefined) {
    add(`${tokens} >= @minTokens`, { minTokens: filter.minTokens })
  }
  if (filter.maxTokens !== undefined) {
    add(`${tokens} <= @maxTokens`, { maxTokens: filter.maxTokens })
  }
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n
}
