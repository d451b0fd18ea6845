// `POST /api/import`: fetch one trace by id from a Tempo or Jaeger query API
// and store it.

export interface RemoteImportRequest {
  from: 'tempo' | 'jaeger'
  /** Base URL of the query API, e.g. http://localhost:3200 for Tempo or http://localhost:16686 for Jaeger. */
  baseUrl: string
  traceId: string
}

/** Reply of `POST /api/import`; errors get `{ error }` with 400, 404 or 502. */
export interface RemoteImportResult {
  /** Ids of the stored traces (normally the one requested), in lower-case hex. */
  traceIds: string[]
  spans: number
  /** The URL that returned the trace. */
  url: string
  /** Spans rejected while storing, and redaction or truncation notes; null when none. */
  warning: string | null
}
