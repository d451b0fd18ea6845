// The documented views of the SQL explorer (docs/sql.md), created as TEMP
// views on each query connection so the store's schema does not change.
// Unqualified names resolve to the temp schema first, so the `traces` and
// `logs` views hide the tables of the same name. The views read the tables
// through `main.` for that reason.

import type Database from 'better-sqlite3'

/**
 * Unix nanoseconds in `column` as UTC text with millisecond precision, in
 * SQLite's datetime form (ISO 8601 with a space for the T), so that it
 * compares correctly with datetime('now', '-1 day').
 */
function isoTime(column: string): string {
  return `strftime('%Y-%m-%d %H:%M:%f', ${column} / 1000000000.0, 'unixepoch')`
}

/** Seconds between two Unix-nanosecond columns, as a real number. */
function seconds(start: string, end: string): string {
  return `(${end} - ${start}) / 1000000000.0`
}

/** Logfire's level name for a level number (the numbers are OTLP severity numbers). */
function levelName(level: string): string {
  return `CASE
    WHEN ${level} IS NULL THEN NULL
    WHEN ${level} < 5 THEN 'trace'
    WHEN ${level} < 9 THEN 'debug'
    WHEN ${level} < 10 THEN 'info'
    WHEN ${level} < 13 THEN 'notice'
    WHEN ${level} < 17 THEN 'warn'
    WHEN ${level} < 21 THEN 'error'
    ELSE 'fatal' END`
}

const STATUS_NAME = (column: string) =>
  `CASE ${column} WHEN 1 THEN 'ok' WHEN 2 THEN 'error' ELSE 'unset' END`

const SPAN_KIND_NAME = (column: string) =>
  `CASE ${column} WHEN 1 THEN 'internal' WHEN 2 THEN 'server' WHEN 3 THEN 'client'
     WHEN 4 THEN 'producer' WHEN 5 THEN 'consumer' ELSE 'unspecified' END`

/** The first exception event of a span, read from its `events` JSON array. */
const EXCEPTION_ATTRIBUTE = (attribute: string) =>
  `(SELECT json_extract(e.value, '$.attributes."${attribute}"')
     FROM json_each(s.events) e WHERE json_extract(e.value, '$.name') = 'exception' LIMIT 1)`

// A span's level: Logfire's `logfire.level_num` when sent, else error (17)
// for a span with error status and info (9) for the rest.
const SPAN_LEVEL = `coalesce(json_extract(s.attributes, '$."logfire.level_num"'),
  CASE WHEN s.status_code = 2 THEN 17 ELSE 9 END)`

const RECORDS = `
CREATE TEMP VIEW records AS
SELECT
  s.trace_id,
  s.span_id,
  s.parent_span_id,
  s.name AS span_name,
  coalesce(json_extract(s.attributes, '$."logfire.msg"'), s.name) AS message,
  ${isoTime('s.start_ns')} AS start_timestamp,
  ${isoTime('s.end_ns')} AS end_timestamp,
  s.start_ns,
  s.end_ns,
  ${seconds('s.start_ns', 's.end_ns')} AS duration,
  ${SPAN_LEVEL} AS level,
  ${levelName(SPAN_LEVEL)} AS level_name,
  CASE WHEN s.pending = 1 THEN 'pending_span' ELSE 'span' END AS kind,
  ${SPAN_KIND_NAME('s.kind')} AS span_kind,
  ${STATUS_NAME('s.status_code')} AS otel_status_code,
  s.status_message AS otel_status_message,
  s.attributes,
  json_extract(s.attributes, '$."logfire.tags"') AS tags,
  s.events,
  s.events IS NOT NULL AND ${EXCEPTION_ATTRIBUTE('exception.type')} IS NOT NULL AS is_exception,
  CASE WHEN s.events IS NOT NULL THEN ${EXCEPTION_ATTRIBUTE('exception.type')} END AS exception_type,
  CASE WHEN s.events IS NOT NULL THEN ${EXCEPTION_ATTRIBUTE('exception.message')} END
    AS exception_message,
  r.service_name,
  r.attributes AS otel_resource_attributes,
  sc.name AS otel_scope_name,
  sc.version AS otel_scope_version,
  sg.kind AS genai_kind
FROM main.spans s
  JOIN main.resources r ON r.id = s.resource_id
  JOIN main.scopes sc ON sc.id = s.scope_id
  LEFT JOIN main.span_genai sg ON sg.span_row_id = s.id`

// The gateway stores a span for every model call it serves. An
// agent that sends no traceparent with its model requests gets those spans
// in its run's own trace (under the `loupe run` root span), while its own
// instrumentation records the same calls in the agent's trace. Such a
// gateway span is a duplicate when another trace of the same run has a
// model-call span of the agent's own with the same gen_ai.response.id, or
// one whose time range encloses the gateway span's. The enclosure allows
// DUPLICATE_TOLERANCE_NS of slack, because the gateway's clock starts from
// Date.now() and can be up to a millisecond off. A gateway span nested in
// the agent's model-call span in one trace already has counted = 0.
const DUPLICATE_TOLERANCE_NS = 5_000_000
const RESPONSE_ID = (table: string) => `json_extract(${table}.attributes, '$."gen_ai.response.id"')`
const DUPLICATE_GATEWAY_CALLS = `
  SELECT g.span_row_id, g.trace_id
  FROM main.span_genai g
    JOIN main.spans s ON s.id = g.span_row_id
    JOIN main.scopes sc ON sc.id = s.scope_id
    JOIN main.run_traces mine ON mine.trace_id = g.trace_id
  WHERE g.kind = 'model' AND g.counted = 1 AND sc.name = 'loupe.gateway' AND s.pending = 0
    AND EXISTS (
      SELECT 1
      FROM main.run_traces sibling
        JOIN main.span_genai og ON og.trace_id = sibling.trace_id AND og.kind = 'model'
        JOIN main.spans os ON os.id = og.span_row_id
        JOIN main.scopes osc ON osc.id = os.scope_id
      WHERE sibling.run_id = mine.run_id AND sibling.trace_id <> mine.trace_id
        AND osc.name <> 'loupe.gateway' AND os.pending = 0
        AND (${RESPONSE_ID('os')} = ${RESPONSE_ID('s')}
          OR (os.start_ns <= s.start_ns + ${DUPLICATE_TOLERANCE_NS}
            AND os.end_ns >= s.end_ns - ${DUPLICATE_TOLERANCE_NS})))`

// A trace with duplicate gateway calls gets its call totals counted again
// without them, in the `recounted` rows. Every other trace keeps the totals
// that the normalizer stored.
// NOTE: model_retries is not recounted, so failed duplicate gateway calls
// still count as retries of the trace that contains them.
const RECOUNTED = `
recounted AS (
  SELECT d.trace_id,
    count(g.span_row_id) AS model_calls,
    coalesce(sum(g.input_tokens), 0) AS input_tokens,
    coalesce(sum(g.output_tokens), 0) AS output_tokens,
    coalesce(sum(g.cache_read_tokens), 0) AS cache_read_tokens,
    coalesce(sum(g.cache_write_tokens), 0) AS cache_write_tokens,
    coalesce(sum(g.reasoning_tokens), 0) AS reasoning_tokens,
    sum(g.cost_usd) AS cost_usd,
    count(CASE WHEN g.cost_source = 'unpriced' THEN 1 END) AS unpriced_calls,
    json_group_array(DISTINCT g.model) FILTER (WHERE g.model IS NOT NULL) AS models
  FROM (SELECT DISTINCT trace_id FROM duplicate_calls) d
    LEFT JOIN main.span_genai g ON g.trace_id = d.trace_id AND g.kind = 'model' AND g.counted = 1
      AND g.span_row_id NOT IN (SELECT span_row_id FROM duplicate_calls)
  GROUP BY d.trace_id
)`

/** A trace total: the recounted one for a trace with duplicate gateway calls, else the stored one. */
const TRACE_TOTAL = (column: string) =>
  `CASE WHEN rc.trace_id IS NULL THEN tg.${column} ELSE rc.${column} END AS ${column}`

const TRACES = `
CREATE TEMP VIEW traces AS
WITH duplicate_calls AS (${DUPLICATE_GATEWAY_CALLS}),
${RECOUNTED}
SELECT
  t.trace_id,
  t.root_span_id,
  t.name AS trace_name,
  tg.root_title,
  t.service_name,
  ${isoTime('t.start_ns')} AS start_timestamp,
  ${isoTime('t.end_ns')} AS end_timestamp,
  t.start_ns,
  t.end_ns,
  ${seconds('t.start_ns', 't.end_ns')} AS duration,
  ${STATUS_NAME('t.root_status')} AS root_status,
  t.span_count,
  t.error_count,
  t.in_progress_count,
  tg.agent_name,
  CASE WHEN rc.trace_id IS NULL THEN tg.models ELSE coalesce(rc.models, '[]') END AS models,
  ${TRACE_TOTAL('model_calls')},
  tg.tool_calls,
  tg.tool_retries,
  tg.model_retries,
  ${TRACE_TOTAL('input_tokens')},
  ${TRACE_TOTAL('output_tokens')},
  ${TRACE_TOTAL('cache_read_tokens')},
  ${TRACE_TOTAL('cache_write_tokens')},
  ${TRACE_TOTAL('reasoning_tokens')},
  ${TRACE_TOTAL('cost_usd')},
  ${TRACE_TOTAL('unpriced_calls')},
  coalesce(tg.error_class, 'none') AS error_class,
  tg.error,
  (SELECT min(rt.run_id) FROM main.run_traces rt WHERE rt.trace_id = t.trace_id) AS run_id
FROM main.traces t
  LEFT JOIN main.trace_genai tg ON tg.trace_id = t.trace_id
  LEFT JOIN recounted rc ON rc.trace_id = t.trace_id`

// Each agent span with the totals of the model calls and tool calls below
// it. The recursive step walks down from the agent span; UNION (not UNION
// ALL) drops repeated rows, so a parent cycle in bad data ends the walk.
// NOTE: the walk finds children by scanning the spans of the trace, because
// the store has no index on parent_span_id. It is quadratic in a trace's
// span count, so filter on start_timestamp to keep large stores fast.
const AGENT_RUNS = `
CREATE TEMP VIEW agent_runs AS
WITH RECURSIVE below(agent_row, trace_id, span_id) AS (
  SELECT s.id, s.trace_id, s.span_id
  FROM main.spans s JOIN main.span_genai g ON g.span_row_id = s.id
  WHERE g.kind = 'agent' AND s.pending = 0
  UNION
  SELECT below.agent_row, c.trace_id, c.span_id
  FROM below JOIN main.spans c
    ON c.trace_id = below.trace_id AND c.parent_span_id = below.span_id AND c.pending = 0
),
totals AS (
  SELECT
    below.agent_row,
    count(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN 1 END) AS model_calls,
    count(CASE WHEN g.kind = 'tool' THEN 1 END) AS tool_calls,
    coalesce(sum(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.input_tokens END), 0)
      AS input_tokens,
    coalesce(sum(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.output_tokens END), 0)
      AS output_tokens,
    coalesce(sum(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.cache_read_tokens END), 0)
      AS cache_read_tokens,
    coalesce(sum(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.cache_write_tokens END), 0)
      AS cache_write_tokens,
    coalesce(sum(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.reasoning_tokens END), 0)
      AS reasoning_tokens,
    sum(CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.cost_usd END) AS cost_usd,
    count(CASE WHEN g.kind = 'model' AND g.counted = 1 AND g.cost_source = 'unpriced' THEN 1 END)
      AS unpriced_calls,
    json_group_array(DISTINCT CASE WHEN g.kind = 'model' AND g.counted = 1 THEN g.model END)
      AS models_with_null
  FROM below
    JOIN main.spans s ON s.trace_id = below.trace_id AND s.span_id = below.span_id
      AND s.pending = 0
    JOIN main.span_genai g ON g.span_row_id = s.id
  WHERE s.id <> below.agent_row
  GROUP BY below.agent_row
)
SELECT
  s.trace_id,
  s.span_id,
  s.parent_span_id,
  g.agent_name,
  s.name AS span_name,
  g.title AS message,
  ${isoTime('s.start_ns')} AS start_timestamp,
  ${isoTime('s.end_ns')} AS end_timestamp,
  s.start_ns,
  s.end_ns,
  ${seconds('s.start_ns', 's.end_ns')} AS duration,
  coalesce(t.model_calls, 0) AS model_calls,
  coalesce(t.tool_calls, 0) AS tool_calls,
  coalesce(t.input_tokens, 0) AS input_tokens,
  coalesce(t.output_tokens, 0) AS output_tokens,
  coalesce(t.cache_read_tokens, 0) AS cache_read_tokens,
  coalesce(t.cache_write_tokens, 0) AS cache_write_tokens,
  coalesce(t.reasoning_tokens, 0) AS reasoning_tokens,
  t.cost_usd,
  coalesce(t.unpriced_calls, 0) AS unpriced_calls,
  (SELECT json_group_array(m.value) FROM json_each(coalesce(t.models_with_null, '[]')) m
    WHERE m.value IS NOT NULL) AS models,
  g.error_class,
  g.error,
  ${STATUS_NAME('s.status_code')} AS otel_status_code,
  r.service_name,
  (SELECT min(rt.run_id) FROM main.run_traces rt WHERE rt.trace_id = s.trace_id) AS run_id
FROM main.spans s
  JOIN main.span_genai g ON g.span_row_id = s.id
  JOIN main.resources r ON r.id = s.resource_id
  LEFT JOIN totals t ON t.agent_row = s.id
WHERE g.kind = 'agent' AND s.pending = 0`

const MODEL_CALLS = `
CREATE TEMP VIEW model_calls AS
WITH duplicate_calls AS (${DUPLICATE_GATEWAY_CALLS})
SELECT
  s.trace_id,
  s.span_id,
  s.parent_span_id,
  s.name AS span_name,
  g.title AS message,
  ${isoTime('s.start_ns')} AS start_timestamp,
  ${isoTime('s.end_ns')} AS end_timestamp,
  s.start_ns,
  s.end_ns,
  ${seconds('s.start_ns', 's.end_ns')} AS duration,
  g.provider,
  g.model,
  g.agent_name,
  g.input_tokens,
  g.output_tokens,
  g.cache_read_tokens,
  g.cache_write_tokens,
  g.reasoning_tokens,
  g.cost_usd,
  g.cost_source,
  CASE WHEN g.counted = 1 AND s.id NOT IN (SELECT span_row_id FROM duplicate_calls) THEN 1 ELSE 0 END
    AS counted,
  g.retried,
  g.error_class,
  g.error,
  g.convention,
  s.attributes,
  r.service_name
FROM main.spans s
  JOIN main.span_genai g ON g.span_row_id = s.id
  JOIN main.resources r ON r.id = s.resource_id
WHERE g.kind = 'model' AND s.pending = 0`

const TOOL_CALLS = `
CREATE TEMP VIEW tool_calls AS
SELECT
  s.trace_id,
  s.span_id,
  s.parent_span_id,
  s.name AS span_name,
  g.title AS message,
  ${isoTime('s.start_ns')} AS start_timestamp,
  ${isoTime('s.end_ns')} AS end_timestamp,
  s.start_ns,
  s.end_ns,
  ${seconds('s.start_ns', 's.end_ns')} AS duration,
  g.tool_name,
  g.tool_call_id,
  g.agent_name,
  g.retried,
  g.error_class,
  g.error,
  g.convention,
  s.attributes,
  r.service_name
FROM main.spans s
  JOIN main.span_genai g ON g.span_row_id = s.id
  JOIN main.resources r ON r.id = s.resource_id
WHERE g.kind = 'tool' AND s.pending = 0`

const LOGS = `
CREATE TEMP VIEW logs AS
SELECT
  l.trace_id,
  l.span_id,
  ${isoTime('l.time_ns')} AS timestamp,
  ${isoTime('l.observed_time_ns')} AS observed_timestamp,
  l.time_ns,
  l.observed_time_ns,
  l.severity_number AS level,
  ${levelName('nullif(l.severity_number, 0)')} AS level_name,
  l.severity_text,
  CASE WHEN json_type(l.body) = 'text' THEN json_extract(l.body, '$') ELSE l.body END AS body,
  l.event_name,
  l.attributes,
  r.service_name,
  r.attributes AS otel_resource_attributes,
  sc.name AS otel_scope_name
FROM main.logs l
  JOIN main.resources r ON r.id = l.resource_id
  JOIN main.scopes sc ON sc.id = l.scope_id`

/** The names of the documented views, in the order docs/sql.md lists them. */
export const VIEW_NAMES = [
  'records',
  'traces',
  'agent_runs',
  'model_calls',
  'tool_calls',
  'logs',
] as const

const VIEWS = [RECORDS, TRACES, AGENT_RUNS, MODEL_CALLS, TOOL_CALLS, LOGS]

/** Creates the documented TEMP views on a connection to the store. */
export function createViews(db: Database.Database): void {
  for (const view of VIEWS) db.exec(view)
}
