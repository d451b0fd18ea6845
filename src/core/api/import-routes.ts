// `POST /api/import`: imports one trace by id from a Tempo or Jaeger query
// API into the store. The core fetches it, so the remote API must be
// reachable from the machine Loupe runs on.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { RemoteImportRequest, RemoteImportResult } from '../../shared/import'
import { RemoteImportError } from '../import/errors'
import { readRequestBody, sendJson } from './http-json'

const MAX_BODY_BYTES = 64 * 1024

const importSchema = z.object({
  from: z.enum(['tempo', 'jaeger']),
  baseUrl: z.string().min(1, 'baseUrl must be the base URL of the query API'),
  traceId: z.string().min(1, 'traceId must be the id of the trace to import'),
})

const STATUS_BY_FAILURE: Record<RemoteImportError['kind'], number> = {
  input: 400,
  'not-found': 404,
  response: 502,
  unreachable: 502,
}

/** Handles the request: 200 with the stored trace ids, or an `{ error }` body. */
export async function handleImportRequest(
  request: IncomingMessage,
  response: ServerResponse,
  importTrace: (request: RemoteImportRequest) => Promise<RemoteImportResult>,
  log: Logger,
): Promise<void> {
  let body: unknown
  try {
    const tooLarge = `the body is larger than ${MAX_BODY_BYTES} bytes`
    const raw = await readRequestBody(request, MAX_BODY_BYTES, tooLarge)
    body = JSON.parse(raw.toString('utf8'))
  } catch (error) {
    sendJson(response, 400, { error: `invalid JSON body: ${(error as Error).message}` })
    return
  }
  const parsed = importSchema.safeParse(body)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`,
    )
    sendJson(response, 400, { error: `invalid import request: ${problems.join('; ')}` })
    return
  }
  try {
    const result = await importTrace(parsed.data)
    log.info(
      { from: parsed.data.from, traceIds: result.traceIds, spans: result.spans },
      `imported a trace from ${result.url}`,
    )
    sendJson(response, 200, result)
  } catch (error) {
    if (!(error instanceof RemoteImportError)) throw error
    log.info({ from: parsed.data.from, kind: error.kind }, `trace import failed: ${error.message}`)
    sendJson(response, STATUS_BY_FAILURE[error.kind], { error: error.message })
  }
}
