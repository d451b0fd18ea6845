import type { SessionSummary } from '../../../shared/sessions'
import { useApi } from '../api-context'
import { formatCount, formatLocalTime, pluralize } from '../format'
import { useCursorPages } from '../hooks/use-cursor-pages'
import { useDebouncedText } from '../hooks/use-debounced-text'
import { useSessionState } from '../hooks/use-session-state'
import { navigate } from '../navigation'
import { sessionCost, sessionTokens } from '../session-figures'
import { sessionHash } from '../route'
import { listSessions } from '../tail-logs-sessions-api'
import { CursorPageList } from './CursorPageList'
import '../tail-logs-sessions.css'

interface SessionFilters {
  text: string
  /** Hide sessions of a single run, such as pydantic-ai runs given no conversation id. */
  multiRunOnly: boolean
}

const NO_SESSION_FILTERS: SessionFilters = { text: '', multiRunOnly: false }
const PAGE_SIZE = 100

/** Lists sessions (conversations), the one active most recently first, with their totals. */
export function SessionsPage() {
  const { client } = useApi()
  const [filters, setFilters] = useSessionState<SessionFilters>(
    'loupe.sessionFilters',
    NO_SESSION_FILTERS,
    isSessionFilters,
  )
  const [text, setText] = useDebouncedText(filters, setFilters)

  const pages = useCursorPages<SessionSummary>(JSON.stringify(filters), async (before, signal) => {
    const page = await listSessions(
      client,
      {
        text: filters.text.trim() || undefined,
        minRuns: filters.multiRunOnly ? 2 : 1,
        before: before ?? undefined,
        limit: PAGE_SIZE,
      },
      signal,
    )
    return { items: page.sessions, nextBefore: page.nextBefore }
  })

  return (
    <main className="page list-page">
      <div className="list-toolbar">
        <h1>Sessions</h1>
        <button type="button" onClick={pages.reload} title="Load the sessions again">
          Refresh
        </button>
      </div>
      <p className="muted">
        Runs (traces) grouped by the session id their spans carry: <code>session.id</code>,{' '}
        <code>session_id</code>, <code>ai.telemetry.metadata.sessionId</code> or{' '}
        <code>gen_ai.conversation.id</code>.
      </p>
      <div className="trace-filters" role="search">
        <input
          type="search"
          className="trace-text-filter"
          aria-label="Filter sessions by id"
          placeholder="Filter by session id"
          value={text}
          onChange={(event) => setText(event.target.value)}
          spellCheck={false}
        />
        <label>
          <input
            type="checkbox"
            checked={filters.multiRunOnly}
            onChange={(event) => setFilters({ ...filters, multiRunOnly: event.target.checked })}
          />
          Two or more runs
        </label>
      </div>
      <CursorPageList
        pages={pages}
        noun="sessions"
        empty={
          <p className="muted" data-testid="sessions-empty">
            No sessions. A trace joins a session when one of its spans carries a session id, such as
            pydantic-ai&apos;s <code>conversation_id</code>.
          </p>
        }
        olderLabel="Load older sessions"
      >
        {(sessions) => <SessionTable sessions={sessions} />}
      </CursorPageList>
    </main>
  )
}

function SessionTable({ sessions }: { sessions: SessionSummary[] }) {
  return (
    <table className="trace-table">
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col" className="number">
            Runs
          </th>
          <th scope="col">First run</th>
          <th scope="col">Last activity</th>
          <th scope="col">Agents</th>
          <th scope="col" className="number">
            Tokens
          </th>
          <th scope="col" className="number">
            Cost
          </th>
          <th scope="col" className="number">
            Errors
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <SessionRow key={session.sessionId} session={session} />
        ))}
      </tbody>
    </table>
  )
}

function SessionRow({ session }: { session: SessionSummary }) {
  const href = sessionHash(session.sessionId)
  return (
    <tr
      className={session.errors > 0 ? 'trace-row failed' : 'trace-row'}
      tabIndex={0}
      onClick={(event) => {
        if (!(event.target instanceof HTMLAnchorElement)) navigate(href)
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') navigate(href)
      }}
      data-testid="session-row"
      data-session-id={session.sessionId}
    >
      <td className="trace-name" title={`${session.sessionId} (from ${session.source})`}>
        <a href={href} tabIndex={-1}>
          {session.sessionId}
        </a>
      </td>
      <td className="number" data-testid="session-runs">
        {formatCount(session.runs)}
      </td>
      <td>
        <time dateTime={session.firstTime}>{formatLocalTime(session.firstTime)}</time>
      </td>
      <td>
        <time dateTime={session.lastTime}>{formatLocalTime(session.lastTime)}</time>
      </td>
      <td>{session.agents.join(', ')}</td>
      <td className="number">{sessionTokens(session)}</td>
      <td className="number">{sessionCost(session)}</td>
      <td className="number">
        {session.errors > 0 ? (
          <span className="error-count">{pluralize(session.errors, 'error')}</span>
        ) : (
          '0'
        )}
      </td>
    </tr>
  )
}

function isSessionFilters(value: unknown): value is SessionFilters {
  return (
    typeof value === 'object' &&
    value !== null &&
    'text' in value &&
    typeof value.text === 'string' &&
    'multiRunOnly' in value &&
    typeof value.multiRunOnly === 'boolean'
  )
}
