import type { PushChannelState } from '../hooks/use-push-channel'

const PUSH_LABELS: Record<PushChannelState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
}

/** App title bar with the link back to the trace list and the push channel's state. */
export function TopBar({ pushState }: { pushState: PushChannelState | null }) {
  return (
    <header className="top-bar">
      <a className="brand" href="#/">
        Loupe
      </a>
      <nav>
        <a href="#/">Traces</a>
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
