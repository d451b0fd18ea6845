import { DASHBOARDS_HASH, SQL_HASH } from '../explorer-route'
import type { PushChannelState } from '../hooks/use-push-channel'
import {
  ALERTS_HASH,
  checkHash,
  EVALS_HASH,
  LOGS_HASH,
  PLAYGROUND_HASH,
  PRICES_HASH,
  SESSIONS_HASH,
  SETTINGS_HASH,
  TAIL_HASH,
  type Route,
} from '../route'

const PUSH_LABELS: Record<PushChannelState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
}

/** App title bar with links to the app's pages, and the push channel's state. */
export function TopBar({
  pushState,
  page,
}: {
  pushState: PushChannelState | null
  page?: Route['page']
}) {
  return (
    <header className="top-bar">
      <a className="brand" href="#/">
        Loupe
      </a>
      <nav>
        <a href="#/" aria-current={page === 'list' ? 'page' : undefined}>
          Traces
        </a>
        <a
          href={PLAYGROUND_HASH}
          aria-current={
            page === 'playground' || page === 'replay' || page === 'call' ? 'page' : undefined
          }
        >
          Playground
        </a>
        <a href={TAIL_HASH} aria-current={page === 'tail' ? 'page' : undefined}>
          Live tail
        </a>
        <a href={LOGS_HASH} aria-current={page === 'logs' ? 'page' : undefined}>
          Logs
        </a>
        <a
          href={SESSIONS_HASH}
          aria-current={page === 'sessions' || page === 'session' ? 'page' : undefined}
        >
          Sessions
        </a>
        <a href={DASHBOARDS_HASH} aria-current={page === 'dashboards' ? 'page' : undefined}>
          Dashboards
        </a>
        <a href={SQL_HASH} aria-current={page === 'sql' ? 'page' : undefined}>
          SQL
        </a>
        <a href={PRICES_HASH} aria-current={page === 'prices' ? 'page' : undefined}>
          Prices
        </a>
        <a href={checkHash()} aria-current={page === 'check' ? 'page' : undefined}>
          Check
        </a>
        <a href={EVALS_HASH} aria-current={page === 'evals' ? 'page' : undefined}>
          Evals
        </a>
        <a href={ALERTS_HASH} aria-current={page === 'alerts' ? 'page' : undefined}>
          Alerts
        </a>
        <a href={SETTINGS_HASH} aria-current={page === 'settings' ? 'page' : undefined}>
          Settings
        </a>
      </nav>
      {pushState !== null && (
        <span
          className={`push-state push-${pushState}`}
          title="Updates from the core arrive over this server-sent events connection"
        >
          {PUSH_LABELS[pushState]}
        </span>
      )}
    </header>
  )
}
