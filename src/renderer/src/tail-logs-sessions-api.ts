// Calls of the live tail, logs and sessions API, over the ApiClient's
// connection. The tail stream is read with fetch, which, unlike
// EventSource, sends the token as a header and lets the caller resume from
// its own cursor.

import type { LogPage, LogQuery } from '../../shared/logs'
import type { SessionDetail, SessionPage, TraceSessionJson } from '../../shared/sessions'
import type { TailMessage } from '../../shared/tail'
import { ApiError, isAbortError, type ApiClient } from './api'
import { readEventStream } from './event-stream'

export interface SessionListQuery {
  text?: string
  minRuns?: number
  before?: string
  limit?: number
}

export interface TailStreamQuery {
  /** Resume this feed after `after`; both come from earlier messages of the stream. */
  feedId: string | null
  after: number | null
  /** Spans already kept by the core that a new stream starts with. */
  backlog: number
}

export function getLogPage(
  client: ApiClient,
  query: LogQuery,
  signal?: AbortSignal,
): Promise<LogPage> {
  const params = new URLSearchParams()
  if (query.minSeverity !== undefined) params.set('minSeverity', String(query.minSeverity))
  if (query.text) params.set('text', query.text)
  if (query.service) params.set('service', query.service)
  if (query.traceId) params.set('trace', query.traceId)
  if (query.since) params.set('since', query.since)
  if (query.until) params.set('until', query.until)
  if (query.before) params.set('before', query.before)
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  return getJson(client, `api/logs?${params.toString()}`, signal)
}

export function listSessions(
  client: ApiClient,
  query: SessionListQuery,
  signal?: AbortSignal,
): Promise<SessionPage> {
  const params = new URLSearchParams()
  if (query.text) params.set('text', query.text)
  if (query.minRuns !== undefined) params.set('minRuns', String(query.minRuns))
  if (query.before) params.set('before', query.before)
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  return getJson(client, `api/sessions?${params.toString()}`, signal)
}

/** Returns a session with its runs; rejects with status 404 when no trace names it. */
export function getSession(
  client: ApiClient,
  sessionId: string,
  signal?: AbortSignal,
): Promise<SessionDetail> {
  return getJson(client, `api/sessions/${encodeURIComponent(sessionId)}`, signal)
}

export function getTraceSession(
  client: ApiClient,
  traceId: string,
  signal?: AbortSignal,
): Promise<TraceSessionJson> {
  return getJson(client, `api/traces/${encodeURIComponent(traceId)}/session`, signal)
}

/**
 * Reads `GET /api/tail` and calls `onMessage` for each message. Resolves
 * when the core ends the stream and rejects when it cannot be opened or
 * breaks off; an abort through `signal` resolves.
 */
export async function streamTail(
  client: ApiClient,
  query: TailStreamQuery,
  onMessage: (message: TailMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const params = new URLSearchParams({ backlog: String(query.backlog) })
  if (query.feedId !== null && query.after !== null) {
    params.set('feed', query.feedId)
    params.set('after', String(query.after))
  }
  const url = new URL(`api/tail?${params.toString()}`, client.connection.baseUrl)
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${client.connection.token}` },
      signal,
    })
    if (!response.ok || response.body === null) throw await failure(response)
    await readEventStream(response.body, (data) => onMessage(JSON.parse(data) as TailMessage))
  } catch (error) {
    if (isAbortError(error)) return
    throw error
  }
}

async function getJson<T>(client: ApiClient, path: string, signal?: AbortSignal): Promise<T> {
  const url = new URL(path, client.connection.baseUrl)
  let response: Response
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${client.connection.token}`, Accept: 'application/json' },
      signal,
    })
  } catch (error) {
    if (isAbortError(error)) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new ApiError(
      `Could not reach Loupe at ${client.connection.baseUrl} (${reason}). Is the core still running?`,
      0,
    )
  }
  if (!response.ok) throw await failure(response)
  return (await response.json()) as T
}

/** Reads the core's `{ error }` body of a failed response into an ApiError. */
async function failure(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '')
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body === 'object' && body !== null && 'error' in body) {
      return new ApiError(String(body.error), response.status)
    }
  } catch {
    // Not JSON: show the status line below.
  }
  return new ApiError(`Request failed: ${response.status} ${response.statusText}`, response.status)
}
