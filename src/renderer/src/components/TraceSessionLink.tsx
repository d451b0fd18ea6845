import { useEffect, useState } from 'react'
import type { SessionSummary } from '../../../shared/sessions'
import { isAbortError } from '../api'
import { useApi } from '../api-context'
import { pluralize } from '../format'
import { sessionHash } from '../route'
import { getTraceSession } from '../tail-logs-sessions-api'
import '../tail-logs-sessions.css'

/**
 * Renders the trace header's line for the session (conversation) of the
 * trace, with a link to the session's page, or nothing for a trace outside
 * sessions. A change of `reloadKey` (the trace's update time) reloads it.
 */
export function TraceSessionLink({ traceId, reloadKey }: { traceId: string; reloadKey: string }) {
  const { client } = useApi()
  const [session, setSession] = useState<SessionSummary | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    getTraceSession(client, traceId, controller.signal).then(
      (loaded) => setSession(loaded.session),
      (error: unknown) => {
        // The header stays usable without the session line.
        if (!isAbortError(error)) console.warn(`Could not load the session of ${traceId}`, error)
      },
    )
    return () => controller.abort()
  }, [client, traceId, reloadKey])

  if (session === null) return null
  return (
    <p className="trace-session" data-testid="trace-session">
      Session{' '}
      <a
        href={sessionHash(session.sessionId)}
        className="session-id"
        title={`From ${session.source}`}
      >
        {session.sessionId}
      </a>{' '}
      <span className="muted">({pluralize(session.runs, 'run')})</span>
    </p>
  )
}
