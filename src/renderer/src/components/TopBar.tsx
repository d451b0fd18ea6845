import { DASHBOARDS_HASH, SQL_HASH } from '../explorer-route'
import type { PushChannelState } from '../hooks/use-push-channel'
import { PLAYGROUND_HASH, PRICES_HASH, type Route } from '../route'

const PUSH_LABELS: Record<PushChannelState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
}

/** App title bar with links to the trace list, playground, dashboards, SQL explorer and prices pages, and the push channel's state. */
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
        <a href={DASHBOARDS_HASH} aria-current={page === 'dashboards' ? 'page' : undefined}>
          Dashboards
        </a>
        <a href={SQL_HASH} aria-current={page === 'sql' ? 'page' : undefined}>
          SQL
        </a>
        <a href={PRICES_HASH} aria-current={page === 'prices' ? 'page' : undefined}>
          Prices
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
