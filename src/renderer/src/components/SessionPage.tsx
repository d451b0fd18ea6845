import { useEffect, useState } from 'react'
import type { TraceSummary } from '../../../shared/api'
import type { SessionDetail } from '../../../shared/sessions'
import { ApiError, errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'
import { formatCount, formatDuration, formatLocalTime, pluralize } from '../format'
import { costText } from '../genai/figures'
import { navigate } from '../navigation'
import { SESSIONS_HASH, traceHash } from '../route'
import { sessionCost, sessionTokens } from '../session-figures'
import { getSession } from '../tail-logs-sessions-api'
import { ErrorClassBadge } from './ErrorClassBadge'
import { ErrorNotice } from './ErrorNotice'
import { StatusBadge } from './StatusBadge'
import '../tail-logs-sessions.css'

/** Reloads at most this often while new spans arrive, in milliseconds. */
const RELOAD_INTERVAL_MS = 1000

/** Renders one session: its totals and its runs in the order they started. */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const { client, bus } = useApi()
  const [detail, setDetail] = useState<SessionDetail | null>(null)
  const [error, setError] = useState<{ message: string; notFound: boolean } | null>(null)

  useEffect(() => {
    let controller = new AbortController()
    let timer: number | undefined
    const load = () => {
      timer = undefined
      controller.abort()
      controller = new AbortController()
      getSession(client, sessionId, controller.signal).then(
        (loaded) => {
          setDetail(loaded)
          setError(null)
        },
        (caught: unknown) => {
          if (isAbortError(caught)) return
          const notFound = caught instanceof ApiError && caught.isNotFound
          setError({ message: errorMessage(caught), notFound })
        },
      )
    }
    load()
    // New runs of the session arrive as trace changes on the push channel.
    const unsubscribe = bus.subscribe((message) => {
      if (message.type !== 'traces' && message.type !== 'connected') return
      timer ??= window.setTimeout(load, RELOAD_INTERVAL_MS)
    })
    return () => {
      unsubscribe()
      controller.abort()
      window.clearTimeout(timer)
    }
  }, [client, bus, sessionId])

  if (error !== null && detail === null) {
    return (
      <main className="page">
        <ErrorNotice
          title={error.notFound ? `Session ${sessionId} not found` : 'Could not load the session'}
          message={
            error.notFound
              ? 'No stored trace carries this session id; its traces may have been deleted.'
              : error.message
          }
        />
        <a href={SESSIONS_HASH}>All sessions</a>
      </main>
    )
  }
  if (detail === null) return <main className="page muted">Loading session…</main>
  const { session, runs } = detail
  return (
    <main className="page list-page">
      <header className="session-header">
        <div className="list-toolbar">
          <h1>
            Session <span className="session-id">{session.sessionId}</span>
          </h1>
          <a href={SESSIONS_HASH}>All sessions</a>
        </div>
        <dl>
          <div>
            <dt>From</dt>
            <dd>
              <code>{session.source}</code>
            </dd>
          </div>
          <div>
            <dt>Runs</dt>
            <dd data-testid="session-run-count">{formatCount(session.runs)}</dd>
          </div>
          <div>
            <dt>First run</dt>
            <dd>{formatLocalTime(session.firstTime)}</dd>
          </div>
          <div>
            <dt>Last activity</dt>
            <dd>{formatLocalTime(session.lastTime)}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd data-testid="session-tokens">{sessionTokens(session)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd data-testid="session-cost">{sessionCost(session)}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd className={session.errors > 0 ? 'error-count' : undefined}>
              {pluralize(session.errors, 'run')} failed
            </dd>
          </div>
          {session.agents.length > 0 && (
            <div>
              <dt>Agents</dt>
              <dd>{session.agents.join(', ')}</dd>
            </div>
          )}
          {session.services.length > 0 && (
            <div>
              <dt>Services</dt>
              <dd>{session.services.join(', ')}</dd>
            </div>
          )}
        </dl>
      </header>
      <SessionRuns runs={runs} />
      {detail.truncated && (
        <p className="muted">
          Showing the first {formatCount(runs.length)} of {formatCount(session.runs)} runs.
        </p>
      )}
    </main>
  )
}

function SessionRuns({ runs }: { runs: TraceSummary[] }) {
  return (
    <table className="trace-table">
      <thead>
        <tr>
          <th scope="col" className="number">
            #
          </th>
          <th scope="col">Start</th>
          <th scope="col">Run</th>
          <th scope="col">Agent</th>
          <th scope="col" className="number">
            Duration
          </th>
          <th scope="col" className="number">
            Model calls
          </th>
          <th scope="col" className="number">
            Tokens
          </th>
          <th scope="col" className="number">
            Cost
          </th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run, index) => {
          const href = traceHash(run.traceId)
          return (
            <tr
              key={run.traceId}
              className={run.status === 'error' ? 'trace-row failed' : 'trace-row'}
              tabIndex={0}
              onClick={(event) => {
                if (!(event.target instanceof HTMLAnchorElement)) navigate(href)
              }}
              onKeyDown={(event) => {
                if (event.key === 'Enter') navigate(href)
              }}
              data-testid="session-run"
              data-trace-id={run.traceId}
            >
              <td className="number">{index + 1}</td>
              <td>
                <time dateTime={run.startTime}>{formatLocalTime(run.startTime)}</time>
              </td>
              <td className="trace-name">
                <a href={href} tabIndex={-1}>
                  {run.title || run.rootName || '(no name)'}
                </a>
              </td>
              <td>{run.agentName ?? ''}</td>
              <td className="number">{formatDuration(run.durationMs)}</td>
              <td className="number">{formatCount(run.modelCalls)}</td>
              <td className="number">
                {run.modelCalls > 0
                  ? `${formatCount(run.inputTokens)} in / ${formatCount(run.outputTokens)} out`
                  : ''}
              </td>
              <td className="number">
                {run.modelCalls > 0 ? costText(run.costUsd, run.unpricedCalls) : ''}
              </td>
              <td className="trace-status">
                <ErrorClassBadge errorClass={run.errorClass} />
                <StatusBadge status={run.status} />
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
