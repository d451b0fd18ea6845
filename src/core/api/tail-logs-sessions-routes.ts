// API routes of the live tail, the logs view and sessions:
//   GET /api/tail                 server-sent events of new spans (TailMessage)
//   GET /api/logs                 a page of log records (LogPage)
//   GET /api/sessions             a page of sessions (SessionPage)
//   GET /api/sessions/:id         a session and its runs (SessionDetail)
//   GET /api/traces/:id/session   the session of a trace (TraceSessionJson)
// The API server has checked the host, origin and token before these run.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TraceSessionJson } from '../../shared/sessions'
import { parseLogCursor, type LogFilter, type LogSearch } from '../store/log-search'
import { parseSessionCursor, type SessionQueries } from '../store/session-queries'
import { MAX_TAIL_STREAMS, type TailFeed } from '../tail/feed'
import { sendJson } from './http-json'

export interface TailLogsSessionsApi {
  tail: TailFeed
  logs: LogSearch
  sessions: SessionQueries
}

/** A query parameter that could not be read; the request gets 400 with this message. */
class InvalidParameterError extends Error {
  override name = 'InvalidParameterError'
}

/**
 * Handles the request and returns true when it is one of the routes above.
 * Returns false for any other path, so that the caller routes it.
 */
export function routeTailLogsSessions(
  api: TailLogsSessionsApi,
  method: string,
  parts: string[],
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  // parts[0] is "api".
  const isTail = parts[1] === 'tail' && parts.length === 2
  const isLogs = parts[1] === 'logs' && parts.length === 2
  const isSessions = parts[1] === 'sessions' && (parts.length === 2 || parts.length === 3)
  const isTraceSession = parts[1] === 'traces' && parts[3] === 'session' && parts.length === 4
  if (!isTail && !isLogs && !isSessions && !isTraceSession) return false
  if (method !== 'GET') {
    sendJson(response, 405, { error: `${method} is not allowed on ${url.pathname}; use GET` })
    return true
  }
  const query = url.searchParams
  try {
    if (isTail) {
      const opened = api.tail.open(request, response, {
        feedId: query.get('feed'),
        after: optionalInteger(query, 'after', 0, Number.MAX_SAFE_INTEGER),
        backlog: optionalInteger(query, 'backlog', 0, api.tail.capacity) ?? 0,
      })
      if (!opened) {
        sendJson(response, 503, {
          error: `${MAX_TAIL_STREAMS} live tail streams are open already; close a Live tail page and retry`,
        })
      }
    } else if (isLogs) {
      sendJson(response, 200, api.logs.search(logFilter(query)))
    } else if (isTraceSession) {
      const body: TraceSessionJson = { session: api.sessions.ofTrace(parts[2]!) }
      sendJson(response, 200, body)
    } else if (parts.length === 3) {
      const detail = api.sessions.detail(parts[2]!)
      if (detail) sendJson(response, 200, detail)
      else sendJson(response, 404, { error: `session ${parts[2]} not found` })
    } else {
      const before = query.get('before')
      const cursor = before === null ? null : parseSessionCursor(before)
      if (before !== null && cursor === null) {
        throw new InvalidParameterError(
          `invalid before=${before}: pass the nextBefore value of the previous page`,
        )
      }
      sendJson(
        response,
        200,
        api.sessions.list({
          text: nonEmpty(query.get('text')),
          minRuns: optionalInteger(query, 'minRuns', 1, Number.MAX_SAFE_INTEGER) ?? 1,
          before: cursor,
          limit: optionalInteger(query, 'limit', 1, 1000) ?? 100,
        }),
      )
    }
  } catch (error) {
    if (!(error instanceof InvalidParameterError)) throw error
    sendJson(response, 400, { error: error.message })
  }
  return true
}

function logFilter(query: URLSearchParams): LogFilter {
  const traceId = nonEmpty(query.get('trace'))?.toLowerCase() ?? null
  if (traceId !== null && !/^[0-9a-f]{32}$/.test(traceId)) {
    throw new InvalidParameterError(`invalid trace=${traceId}: expected 32 hex digits`)
  }
  const before = query.get('before')
  const cursor = before === null ? null : parseLogCursor(before)
  if (before !== null && cursor === null) {
    throw new InvalidParameterError(
      `invalid before=${before}: pass the cursor of the last record of the previous page`,
    )
  }
  return {
    minSeverity: optionalInteger(query, 'minSeverity', 0, 24),
    text: nonEmpty(query.get('text')),
    service: nonEmpty(query.get('service')),
    traceId,
    sinceNs: optionalTime(query, 'since'),
    untilNs: optionalTime(query, 'until'),
    before: cursor,
    limit: optionalInteger(query, 'limit', 1, 1000) ?? 100,
  }
}

function nonEmpty(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value
}

function optionalInteger(
  query: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | null {
  const text = query.get(name)
  if (text === null || text === '') return null
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new InvalidParameterError(
      `invalid ${name}=${text}: expected a whole number from ${min} to ${max}`,
    )
  }
  return value
}

/** Reads an ISO 8601 time parameter as Unix nanoseconds. */
function optionalTime(query: URLSearchParams, name: string): bigint | null {
  const text = query.get(name)
  if (text === null || text === '') return null
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) {
    throw new InvalidParameterError(
      `invalid ${name}=${text}: expected an ISO 8601 time such as 2026-12-04T10:00:00Z`,
    )
  }
  return BigInt(ms) * 1_000_000n
}
