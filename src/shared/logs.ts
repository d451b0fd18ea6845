// The logs view's API: `GET /api/logs` pages through OTLP log records and
// Logfire logs together, newest first.

import type { LogRecordJson } from './api'

/**
 * A log record of either kind. The Logfire Python SDK sends
 * `logfire.info(...)` and the other levels as zero-length spans with
 * `logfire.span_type = 'log'`, not as OTLP log records. Such a log is
 * served with its formatted message as `body`, its level number as
 * `severityNumber`, and the span it was logged in as `spanId`.
 */
export interface LogEntryJson extends LogRecordJson {
  source: 'otlp' | 'span'
  /** The Logfire log's own span id; null for an OTLP log record. */
  logSpanId: string | null
  /** Opaque position of this entry, for `before` when paging. */
  cursor: string
}

/** Query of `GET /api/logs`; every field is optional. */
export interface LogQuery {
  /** Lowest severity number shown (OTel: 5 debug, 9 info, 13 warn, 17 error, 21 fatal). */
  minSeverity?: number
  /** Case-insensitive text that the body or the event name contains. */
  text?: string
  /** Exact service name. */
  service?: string
  traceId?: string
  /** Only records at or after this time (ISO 8601). */
  since?: string
  /** Only records before this time (ISO 8601). */
  until?: string
  /** The `cursor` of the last entry of the previous page. */
  before?: string
  /** Entries per page, 100 by default, at most 1,000. */
  limit?: number
}

export interface LogPage {
  records: LogEntryJson[]
  /** The `before` value of the next (older) page, or null when this is the last one. */
  nextBefore: string | null
  /** Every service name Loupe has stored telemetry from, sorted, for the service filter. */
  services: string[]
}
