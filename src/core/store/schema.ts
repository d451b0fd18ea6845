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
  CREATE TABLE spans (
    id INTEGER PRIMARY KEY,
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
]
