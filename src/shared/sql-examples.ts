// The queries of the SQL explorer's Examples menu, the same as the examples
// in docs/sql.md, in the same order (test/unit/query/sql-examples.test.ts
// compares them).

export interface SqlExample {
  title: string
  sql: string
}

export const SQL_EXAMPLES: readonly SqlExample[] = [
  {
    title: 'Total cost per agent over the last 24 hours',
    sql: `SELECT agent_name,
       count(*) AS runs,
       sum(cost_usd) AS cost_usd,
       sum(input_tokens) AS input_tokens,
       sum(output_tokens) AS output_tokens
FROM agent_runs
WHERE start_timestamp >= datetime('now', '-1 day')
GROUP BY agent_name
ORDER BY cost_usd DESC`,
  },
  {
    title: 'Cost per hour by model over the last day',
    sql: `SELECT strftime('%Y-%m-%d %H:00', start_timestamp) AS hour,
       model,
       sum(cost_usd) AS cost_usd
FROM model_calls
WHERE counted = 1 AND start_timestamp >= datetime('now', '-1 day')
GROUP BY hour, model
ORDER BY hour`,
  },
  {
    title: 'Slowest model calls, with the 95th percentile per model',
    sql: `SELECT model, count(*) AS calls, median(duration) AS median_s, percentile(duration, 95) AS p95_s
FROM model_calls
GROUP BY model
ORDER BY p95_s DESC`,
  },
  {
    title: 'Failed runs by error class',
    sql: `SELECT error_class, count(*) AS traces
FROM traces
WHERE error_class <> 'none'
GROUP BY error_class`,
  },
  {
    title: 'Spans by an attribute',
    sql: `SELECT start_timestamp, span_name, attributes->>'gen_ai.request.model' AS model
FROM records
WHERE attributes->>'gen_ai.request.model' IS NOT NULL
ORDER BY start_timestamp DESC
LIMIT 20`,
  },
  {
    title: 'Tools that failed most',
    sql: `SELECT tool_name, count(*) AS calls, sum(error_class <> 'none') AS failures
FROM tool_calls
GROUP BY tool_name
ORDER BY failures DESC`,
  },
]
