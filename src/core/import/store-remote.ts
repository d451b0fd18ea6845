// Stores a trace fetched from a remote query API through the ingest path,
// so that it is redacted, truncated and normalized like received traces.

import type { RemoteImportRequest, RemoteImportResult } from '../../shared/import'
import type { Ingestor } from '../ingest'
import { fetchRemoteTrace } from './remote'

/** Fetches and stores the trace. Throws RemoteImportError, or the ingest path's errors. */
export async function importRemoteTrace(
  ingestor: Ingestor,
  request: RemoteImportRequest,
): Promise<RemoteImportResult> {
  const trace = await fetchRemoteTrace(request.from, request.baseUrl, request.traceId)
  const outcome = await ingestor.ingest('traces', 'json', trace.body, 'import')
  return {
    traceIds: trace.traceIds,
    spans: outcome.accepted,
    url: trace.url,
    warning: outcome.partial?.errorMessage || null,
  }
}
