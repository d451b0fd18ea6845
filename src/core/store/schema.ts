// The SQLite schema, as an ordered list of migrations. `PRAGMA user_version`
// records how many have run; a store opened by an older Loupe is upgraded in
// place, and one written by a newer Loupe is refused rather than damaged.

export const migrations: readonly string[] = [
  // 1: spans, their resources and scopes, per-trace summaries, logs, raw
  // metrics and agent runs.
  `
  CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    service_name TEXT,
    attributes TEXT NOT NULL,
    attribute_types TEXT,
    dropped_attributes_count INTEGER NOT NULL,
    schema_url TEXT NOT NULL
  );

  CREATE TABLE scopes (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    attributes TEXT NOT NULL,
    attribute_types TEXT,
    dropped_attributes_count INTEGER NOT NULL,
    schema_url TEXT NOT NULL
  );

  -- One row per received span. Ids are lower-case hex. Times are Unix
  -- nanoseconds. attributes is the JSON object the API serves;
  -- attribute_types keeps the OTLP type of values that JSON shows lossily.
  -- events and links are JSON arrays in the same two-part form. pending = 1
  -- marks a Logfire pending span (a start marker whose parent is the real,
  -- still running span); it is deleted when the real span arrives.
  -- AUTOINCREMENT keeps row ids rising even after deletes, so the GenAI
  -- normalizer can follow new spans with a cursor on id.
  CREATE TABLE spans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT,
    name TEXT NOT NULL,
    kind INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    status_message TEXT NOT NULL,
    trace_state TEXT NOT NULL,
    flags INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    attribute_types TEXT,
    dropped_attributes_count INTEGER NOT NULL,
    events TEXT,
    dropped_events_count INTEGER NOT NULL,
    links TEXT,
    dropped_links_count INTEGER NOT NULL,
    resource_id INTEGER NOT NULL,
    scope_id INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    received_ms INTEGER NOT NULL
  );
  -- Exporters retry: the same span sent twice is stored once.
  CREATE UNIQUE INDEX spans_identity ON spans (trace_id, span_id, start_ns, pending);
  CREATE INDEX spans_by_trace_start ON spans (trace_id, start_ns);
  CREATE INDEX spans_pending_by_parent ON spans (trace_id, parent_span_id) WHERE pending = 1;

  -- Summary of each trace, kept up to date as its spans arrive in any order.
  CREATE TABLE traces (
    trace_id TEXT PRIMARY KEY,
    root_span_id TEXT,
    root_start_ns INTEGER,
    root_status INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_start_ns INTEGER NOT NULL,
    service_name TEXT,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    span_count INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    in_progress_count INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX traces_by_start ON traces (start_ns DESC);

  CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    trace_id TEXT,
    span_id TEXT,
    time_ns INTEGER NOT NULL,
    observed_time_ns INTEGER NOT NULL,
    severity_number INTEGER NOT NULL,
    severity_text TEXT NOT NULL,
    body TEXT NOT NULL,
    body_type TEXT,
    attributes TEXT NOT NULL,
    attribute_types TEXT,
    dropped_attributes_count INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    resource_id INTEGER NOT NULL,
    scope_id INTEGER NOT NULL,
    received_ms INTEGER NOT NULL
  );
  CREATE INDEX logs_by_span ON logs (trace_id, span_id) WHERE trace_id IS NOT NULL;
  CREATE INDEX logs_by_time ON logs (time_ns);

  -- Metrics are kept as the request bodies that carried them.
  CREATE TABLE metric_batches (
    id INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    encoding TEXT NOT NULL CHECK (encoding IN ('protobuf', 'json')),
    body BLOB NOT NULL,
    resource_metrics INTEGER NOT NULL,
    service_name TEXT
  );

  -- Agent runs started by \`loupe run\` or the playground.
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    cwd TEXT NOT NULL,
    mode TEXT NOT NULL,
    scenario TEXT,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    exit_code INTEGER,
    output TEXT
  );
  -- Traces whose resource carries loupe.run.id, filled at ingest.
  CREATE TABLE run_traces (
    run_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    PRIMARY KEY (run_id, trace_id)
  ) WITHOUT ROWID;
  `,

  // 2: GenAI normalization of spans and traces, and price overrides. Every
  // row here is derived from the raw spans and can be rebuilt from them.
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE span_genai (
    span_row_id INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    convention TEXT NOT NULL,
    title TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    agent_name TEXT,
    tool_name TEXT,
    tool_call_id TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens INTEGER,
    cost_usd REAL,
    cost_source TEXT NOT NULL,
    cost TEXT,
    error_class TEXT NOT NULL,
    error TEXT,
    retried INTEGER NOT NULL,
    -- 0 for a model call nested in another model call (the same call seen by
    -- two instrumentations), which totals leave out.
    counted INTEGER NOT NULL,
    level INTEGER,
    span_type TEXT,
    -- The exception the span recorded (type, message, stack trace) as JSON.
    recorded_error TEXT,
    -- Recorded exception, messages, tool arguments and result, and what the
    -- ingest inspector shows, as JSON.
    detail TEXT NOT NULL
  );
  CREATE INDEX span_genai_by_trace ON span_genai (trace_id);

  CREATE TABLE trace_genai (
    trace_id TEXT PRIMARY KEY,
    -- The root span's display title (Logfire's formatted message, when sent).
    root_title TEXT,
    agent_name TEXT,
    models TEXT NOT NULL,
    model_calls INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    tool_retries INTEGER NOT NULL,
    model_retries INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd REAL,
    unpriced_calls INTEGER NOT NULL,
    error_class TEXT NOT NULL,
    error TEXT,
    normalized_spans INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Prices set by the user, in USD per million tokens; provider '*' matches any.
  CREATE TABLE price_overrides (
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    input_per_mtok REAL NOT NULL,
    output_per_mtok REAL NOT NULL,
    cache_read_per_mtok REAL,
    cache_write_per_mtok REAL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (provider, model)
  ) WITHOUT ROWID;
  `,

  // 3: the scenario text a run was started with, and the model calls that
  // the gateway answered or forwarded, kept byte for byte without API keys.
  `
  ALTER TABLE runs ADD COLUMN scenario_text TEXT;

  CREATE TABLE gateway_exchanges (
    id INTEGER PRIMARY KEY,
    run_id TEXT,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    -- mock, record or live
    mode TEXT NOT NULL,
    provider TEXT NOT NULL,
    api TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    -- Where a record or live call was forwarded; null for the mock.
    upstream_url TEXT,
    -- JSON object of the request headers, without the ones that carry keys.
    request_headers TEXT NOT NULL,
    request_body BLOB NOT NULL,
    -- Null when no response started (a hang, an unreachable upstream).
    status INTEGER,
    response_headers TEXT,
    -- The response bytes as sent: the JSON body, or the whole event stream.
    response_body BLOB,
    -- For a stream, JSON [[milliseconds since the request, bytes], ...] for each chunk sent.
    chunk_timings TEXT,
    started_unix_ms REAL NOT NULL,
    first_byte_ms REAL,
    duration_ms REAL NOT NULL,
    -- Why the response did not reach the client whole, or null.
    failure TEXT
  );
  CREATE INDEX gateway_exchanges_by_run ON gateway_exchanges (run_id, id);
  CREATE INDEX gateway_exchanges_by_trace ON gateway_exchanges (trace_id, span_id);
  `,

  // 4: how each run ended, and the playground's last settings per working
  // folder.
  `
  -- Set when the run ends: 'exited', 'killed' (by a signal that no stop
  -- request sent), 'stopped' (by a stop request) or 'failed' (could not
  -- start). signal is the signal that ended the command.
  ALTER TABLE runs ADD COLUMN end_state TEXT;
  ALTER TABLE runs ADD COLUMN signal TEXT;

  CREATE TABLE playground_settings (
    cwd TEXT PRIMARY KEY,
    command_line TEXT NOT NULL,
    mode TEXT NOT NULL,
    -- The last scenario edited for this folder, kept when another mode runs.
    scenario TEXT,
    updated_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,

  // 5: what a replay run replayed and where it diverged, as JSON.
  `
  ALTER TABLE runs ADD COLUMN replay TEXT;
  `,

  // 6: indexes that let retention find the oldest traces, the logs and
  // metrics that belong to no trace, and the run links of a trace, without
  // scanning their tables. A trace's last activity is the later of its
  // newest span end and the last time Loupe received one of its spans, in
  // Unix nanoseconds.
  `
  CREATE INDEX traces_by_last_activity ON traces (max(end_ns, updated_ms * 1000000));
  CREATE INDEX logs_by_received ON logs (received_ms);
  CREATE INDEX metric_batches_by_received ON metric_batches (received_ms);
  CREATE INDEX run_traces_by_trace ON run_traces (trace_id);
  `,

  // 7: the pydantic_evals experiment spans, so that listing experiments reads
  // only their rows instead of every span. A query uses this partial index
  // only when its WHERE repeats the name literally.
  `
  CREATE INDEX spans_experiments ON spans (start_ns) WHERE name = 'evaluate {name}';
  `,

  // 8: the last state of each alert rule, by rule name, and the recent
  // alerts (a rule starting or stopping to fire) with how their deliveries
  // went. alert and deliveries are JSON, and times are Unix milliseconds.
  `
  CREATE TABLE alert_states (
    rule_name TEXT PRIMARY KEY,
    -- 'ok', 'firing', or 'unknown' while every evaluation so far failed
    state TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    last_evaluated_ms INTEGER,
    last_fired_ms INTEGER,
    last_resolved_ms INTEGER,
    value REAL,
    error TEXT
  ) WITHOUT ROWID;

  CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_name TEXT NOT NULL,
    state TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    alert TEXT NOT NULL,
    deliveries TEXT
  );
  CREATE INDEX alert_events_by_rule ON alert_events (rule_name, id);
  `,

  // 9: the session (conversation) of each trace, for the sessions list, and
  // an index of Logfire log spans, for the logs view. A trace's session is
  // the first usable value among these attributes of its spans or their
  // resources, by rank: session.id (1), session_id (2),
  // ai.telemetry.metadata.sessionId (3), gen_ai.conversation.id (4). Empty
  // values and values that Logfire scrubbed do not count. The writer keeps
  // the table up to date; the INSERT below fills it for spans already stored.
  `
  CREATE TABLE trace_sessions (
    trace_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    -- The attribute the session id came from.
    source TEXT NOT NULL,
    rank INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX trace_sessions_by_session ON trace_sessions (session_id);

  INSERT OR IGNORE INTO trace_sessions (trace_id, session_id, source, rank)
  SELECT trace_id, value, key, rank FROM (
    SELECT s.trace_id, k.key, k.rank, s.id,
      coalesce(json_extract(s.attributes, '$."' || k.key || '"'),
        json_extract(r.attributes, '$."' || k.key || '"')) AS value
    FROM spans s
      JOIN resources r ON r.id = s.resource_id
      JOIN (SELECT 'session.id' AS key, 1 AS rank
        UNION ALL SELECT 'session_id', 2
        UNION ALL SELECT 'ai.telemetry.metadata.sessionId', 3
        UNION ALL SELECT 'gen_ai.conversation.id', 4) k
    WHERE (s.attributes LIKE '%session%' OR s.attributes LIKE '%conversation%'
      OR r.attributes LIKE '%session%' OR r.attributes LIKE '%conversation%')
  )
  WHERE typeof(value) = 'text' AND value <> '' AND value NOT LIKE '[Scrubbed due to %'
  ORDER BY rank, id;

  CREATE INDEX span_genai_log_spans ON span_genai (span_row_id) WHERE span_type = 'log';
  `,

  // 10: SQL charts that users pinned from the SQL explorer to the dashboards
  // page. chart is the ChartSpec as JSON (type, x, y, series, unit).
  `
  CREATE TABLE pinned_charts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    sql TEXT NOT NULL,
    chart TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,

  // 11: full-text search over spans and log records, filled after ingest by
  // the search indexer (core/search/indexer.ts) and emptied by retention.
  `
  -- One row per span (rowid = spans.id) and per log record of a trace
  -- (rowid = -logs.id, so the two never collide). The columns hold text
  -- extracted from the raw rows: span name and Logfire message, messages,
  -- tool arguments and results, exception types and messages, log bodies.
  -- unicode61 splits words at anything but letters and digits, so
  -- "get_forecast" is the two words "get" and "forecast".
  -- Contentless (content = ''): the table keeps only the word index, not a
  -- second copy of the text, so it is smaller and faster to fill (figures in
  -- docs/benchmarks.md). Snippets re-read the text from the span. Deleting
  -- rows (contentless_delete) and reading trace_id and span_id back
  -- (contentless_unindexed) work in the SQLite 3.53 that better-sqlite3 12
  -- bundles; older SQLite builds reject these options.
  CREATE VIRTUAL TABLE search_text USING fts5(
    trace_id UNINDEXED,
    span_id UNINDEXED,
    name,
    messages,
    tool_arguments,
    tool_result,
    error,
    log,
    tokenize = 'unicode61 remove_diacritics 2',
    content = '',
    contentless_delete = 1,
    contentless_unindexed = 1
  );
  `,
]
