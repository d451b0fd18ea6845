// The built-in panels of the dashboards page. Each one is SQL over the
// documented views (docs/sql.md) with the time range written in, so that
// the page can show it and the SQL explorer can run it as is.

import type { ChartSpec, PanelJson, TimeBucket } from '../../shared/dashboards'
import { bucketExpression, sqlTimestamp, type TimeRange } from './time-range'

/** A built-in panel before its query ran. */
export type PanelDefinition = Omit<PanelJson, 'result' | 'error'>

/** Returns the SQL condition that a view's start time is in the range. */
function inRange(range: TimeRange, column = 'start_timestamp'): string {
  return `${column} >= ${sqlTimestamp(range.fromMs)} AND ${column} < ${sqlTimestamp(range.toMs)}`
}

/** Builds the SQL and chart of a cost series split by one column, bucketed by start time. */
function costSeries(
  range: TimeRange,
  from: string,
  group: { name: string; expression: string },
  where: string[],
): { sql: string; chart: ChartSpec } {
  const bucket = range.bucket
  const sql = [
    `SELECT ${bucketExpression(bucket, 'start_timestamp')} AS ${bucket},`,
    `       ${group.expression} AS ${group.name},`,
    `       sum(cost_usd) AS cost_usd`,
    `FROM ${from}`,
    `WHERE ${[...where, inRange(range)].join('\n  AND ')}`,
    `GROUP BY ${bucket}, ${group.name}`,
    `ORDER BY ${bucket}, ${group.name}`,
  ].join('\n')
  return {
    sql,
    chart: { type: 'area', x: bucket, y: ['cost_usd'], series: group.name, unit: 'usd' },
  }
}

const PER_BUCKET: Record<TimeBucket, string> = {
  minute: 'per minute',
  hour: 'per hour',
  day: 'per day',
}

const COUNTED_CALLS =
  'Model calls recorded twice (by two instrumentations, or by the agent and the gateway) count once.'

function costPanels(range: TimeRange): PanelDefinition[] {
  const per = PER_BUCKET[range.bucket]
  const noCost = 'No priced model calls in this time range.'
  return [
    {
      id: 'cost-by-provider',
      title: `Cost ${per} by provider`,
      description: `US dollars of the model calls that started in each ${range.bucket}. ${COUNTED_CALLS}`,
      emptyText: noCost,
      ...costSeries(
        range,
        'model_calls',
        { name: 'provider', expression: "coalesce(provider, 'unknown')" },
        ['counted = 1'],
      ),
    },
    {
      id: 'cost-by-model',
      title: `Cost ${per} by model`,
      description: `US dollars of the model calls that started in each ${range.bucket}, by the response model. ${COUNTED_CALLS}`,
      emptyText: noCost,
      ...costSeries(
        range,
        'model_calls',
        { name: 'model', expression: "coalesce(model, 'unknown')" },
        ['counted = 1'],
      ),
    },
    {
      id: 'cost-by-agent',
      title: `Cost ${per} by agent`,
      description: `US dollars of the traces that started in each ${range.bucket}, by the trace's top-most agent.`,
      emptyText: noCost,
      ...costSeries(
        range,
        'traces',
        { name: 'agent', expression: "coalesce(agent_name, 'no agent')" },
        ['cost_usd IS NOT NULL'],
      ),
    },
    {
      id: 'cost-by-route',
      title: `Cost ${per} by HTTP route`,
      description: `US dollars of the traces that started in each ${range.bucket}, by the http.route attribute of the trace's first server span that has one (such as /chat).`,
      emptyText: noCost,
      ...costSeries(
        range,
        'traces t',
        {
          name: 'route',
          expression: `coalesce((SELECT r.attributes->>'http.route' FROM records r
                  WHERE r.trace_id = t.trace_id AND r.span_kind = 'server'
                    AND r.attributes->>'http.route' IS NOT NULL
                  ORDER BY r.start_ns LIMIT 1), 'no route')`,
        },
        ['cost_usd IS NOT NULL'],
      ),
    },
  ]
}

/** Builds the SQL of p50, p95 and p99 durations in milliseconds by one column. */
function latencySql(range: TimeRange, from: string, group: string, where: string[]): string {
  return [
    `SELECT ${group},`,
    `       count(*) AS calls,`,
    `       percentile(duration, 50) * 1000 AS p50_ms,`,
    `       percentile(duration, 95) * 1000 AS p95_ms,`,
    `       percentile(duration, 99) * 1000 AS p99_ms`,
    `FROM ${from}`,
    `WHERE ${[...where, inRange(range)].join('\n  AND ')}`,
    `GROUP BY 1`,
    `ORDER BY p95_ms DESC`,
  ].join('\n')
}

const PERCENTILES: Omit<ChartSpec, 'x'> = {
  type: 'bar',
  y: ['p50_ms', 'p95_ms', 'p99_ms'],
  series: null,
  unit: 'ms',
}

function latencyPanels(range: TimeRange): PanelDefinition[] {
  const interpolation = 'Percentiles interpolate linearly between the two nearest durations.'
  return [
    {
      id: 'latency-by-agent',
      title: 'Agent run latency by agent',
      description: `p50, p95 and p99 duration of the agent runs that started in the range. ${interpolation}`,
      emptyText: 'No agent runs in this time range.',
      sql: latencySql(range, 'agent_runs', "coalesce(agent_name, 'unnamed') AS agent", []),
      chart: { ...PERCENTILES, x: 'agent' },
    },
    {
      id: 'latency-by-model',
      title: 'Model call latency by model',
      description: `p50, p95 and p99 duration of the model calls that started in the range. ${interpolation} ${COUNTED_CALLS}`,
      emptyText: 'No model calls in this time range.',
      sql: latencySql(range, 'model_calls', "coalesce(model, 'unknown') AS model", ['counted = 1']),
      chart: { ...PERCENTILES, x: 'model' },
    },
  ]
}

function failurePanels(range: TimeRange): PanelDefinition[] {
  const bucket = range.bucket
  return [
    {
      id: 'tool-failure-rate',
      title: 'Tool failure rate by tool',
      description:
        'Share of the tool calls in the range whose error ended the agent run. A tool that asked the model to try again (ModelRetry) did not fail.',
      emptyText: 'No tool calls in this time range.',
      sql: [
        `SELECT coalesce(tool_name, 'unnamed') AS tool,`,
        `       count(*) AS calls,`,
        `       sum(error_class <> 'none') AS failures,`,
        `       100.0 * sum(error_class <> 'none') / count(*) AS failure_rate`,
        `FROM tool_calls`,
        `WHERE ${inRange(range)}`,
        `GROUP BY tool`,
        `ORDER BY failure_rate DESC, calls DESC`,
      ].join('\n'),
      chart: { type: 'bar', x: 'tool', y: ['failure_rate'], series: null, unit: 'percent' },
    },
    {
      id: 'error-classes',
      title: 'Error classes over time',
      description: `Failed traces that started in each ${bucket}, by the error class that ended their root span. The own trace of a loupe run is left out, because the agent's traces name the cause.`,
      emptyText: 'No failed traces in this time range.',
      sql: [
        `SELECT ${bucketExpression(bucket, 'start_timestamp')} AS ${bucket},`,
        `       error_class,`,
        `       count(*) AS traces`,
        `FROM traces`,
        `WHERE error_class <> 'none'`,
        `  -- The own trace of a \`loupe run\` fails whenever its command does; the agent's traces name the cause.`,
        `  AND service_name IS NOT 'loupe'`,
        `  AND ${inRange(range)}`,
        `GROUP BY ${bucket}, error_class`,
        `ORDER BY ${bucket}, error_class`,
      ].join('\n'),
      chart: { type: 'area', x: bucket, y: ['traces'], series: 'error_class', unit: 'count' },
    },
  ]
}

function tokenPanel(range: TimeRange): PanelDefinition {
  const bucket = range.bucket
  return {
    id: 'tokens',
    title: 'Tokens over time',
    description: `Input tokens (cache reads and writes included) and output tokens (reasoning included) of the model calls that started in each ${bucket}. ${COUNTED_CALLS}`,
    emptyText: 'No model calls in this time range.',
    sql: [
      `SELECT ${bucketExpression(bucket, 'start_timestamp')} AS ${bucket},`,
      `       sum(input_tokens) AS input_tokens,`,
      `       sum(output_tokens) AS output_tokens`,
      `FROM model_calls`,
      `WHERE counted = 1`,
      `  AND ${inRange(range)}`,
      `GROUP BY ${bucket}`,
      `ORDER BY ${bucket}`,
    ].join('\n'),
    chart: {
      type: 'area',
      x: bucket,
      y: ['input_tokens', 'output_tokens'],
      series: null,
      unit: 'tokens',
    },
  }
}

/** Returns the built-in panels for a time range, in the order the page shows them. */
export function builtInPanels(range: TimeRange): PanelDefinition[] {
  return [...costPanels(range), ...latencyPanels(range), ...failurePanels(range), tokenPanel(range)]
}
