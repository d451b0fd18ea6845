// Reads a trace from Grafana Tempo's query API. `GET /api/v2/traces/<id>`
// returns {"trace": {"resourceSpans": [...]}}, and the older
// `GET /api/traces/<id>` returns {"batches": [...]}. Both contain OTLP/JSON
// resource spans with base64 ids and enum names, which Loupe's OTLP/JSON
// decoder accepts as they are.

import { RemoteImportError } from './errors'

/** OTLP/JSON export request body with the resource spans of a Tempo response. */
export interface TempoTraceRequest {
  resourceSpans: unknown[]
}

/**
 * Returns the resource spans of a Tempo trace-by-id response as an OTLP/JSON
 * request. Throws RemoteImportError for another shape or a trace without spans.
 */
export function tempoToOtlp(response: unknown, source: string): TempoTraceRequest {
  const body = (response ?? {}) as Record<string, unknown>
  const trace = (body.trace ?? body) as Record<string, unknown>
  const resourceSpans = trace.resourceSpans ?? trace.batches
  if (resourceSpans === undefined && Object.keys(trace).length === 0) {
    throw new RemoteImportError(`${source} returned an empty trace`, 'not-found')
  }
  if (!Array.isArray(resourceSpans)) {
    throw new RemoteImportError(
      `${source} did not return a Tempo trace: expected {"trace": {"resourceSpans": [...]}} ` +
        'or {"batches": [...]}',
      'response',
    )
  }
  if (resourceSpans.length === 0) {
    throw new RemoteImportError(`${source} returned a trace with no spans`, 'not-found')
  }
  return { resourceSpans }
}
