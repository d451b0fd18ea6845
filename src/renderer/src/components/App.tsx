import { useState } from 'react'
import { ApiContext, type ApiContextValue } from '../api-context'
import type { ApiClient } from '../api'
import { useConnection } from '../hooks/use-connection'
import { useCoreStatus } from '../hooks/use-core-status'
import { useFailedRunBadge } from '../hooks/use-failed-run-badge'
import { usePushChannel } from '../hooks/use-push-channel'
import { useRoute } from '../hooks/use-route'
import { PushBus } from '../push-bus'
import { AlertsPage } from './AlertsPage'
import { AlertToasts } from './AlertToasts'
import { CallPage } from './CallPage'
import { CheckPage } from './CheckPage'
import { DashboardsPage } from './DashboardsPage'
import { DiffPage } from './DiffPage'
import { EvalsPage } from './EvalsPage'
import { ErrorNotice } from './ErrorNotice'
import { PlaygroundPage } from './PlaygroundPage'
import { PortBanner } from './PortBanner'
import { PricesPage } from './PricesPage'
import { SettingsPage } from './SettingsPage'
import { LogsPage } from './LogsPage'
import { SessionPage } from './SessionPage'
import { SessionsPage } from './SessionsPage'
import { TailPage } from './TailPage'
import { SqlExplorerPage } from './SqlExplorerPage'
import { TopBar } from './TopBar'
import { TraceListPage } from './TraceListPage'
import { TraceView } from './TraceView'

/** Root component: finds the core, then shows the page that the hash route selects. */
export function App() {
  const { client, error } = useConnection()

  if (error !== null) {
    return (
      <div className="app">
        <TopBar pushState={null} />
        <main className="page">
          <ErrorNotice title="Cannot connect to Loupe" message={error} />
        </main>
      </div>
    )
  }
  if (client === null) {
    return (
      <div className="app">
        <TopBar pushState={null} />
        <main className="page muted">Connecting…</main>
      </div>
    )
  }
  return <ConnectedApp client={client} />
}

function ConnectedApp({ client }: { client: ApiClient }) {
  const [bus] = useState(() => new PushBus())
  const pushState = usePushChannel(client, bus)
  useFailedRunBadge(bus)
  const [context] = useState<ApiContextValue>(() => ({ client, bus }))

  return (
    <ApiContext.Provider value={context}>
      <Pages pushState={pushState} />
    </ApiContext.Provider>
  )
}

function Pages({ pushState }: { pushState: ReturnType<typeof usePushChannel> }) {
  const route = useRoute()
  const { status, error } = useCoreStatus()

  return (
    <div className="app">
      <TopBar pushState={pushState} page={route.page} />
      {status !== null && <PortBanner status={status} />}
      {error !== null && status === null && (
        <ErrorNotice title="Could not load Loupe's status" message={error} />
      )}
      {route.page === 'sql' ? (
        <SqlExplorerPage route={route.explorer} />
      ) : route.page === 'dashboards' ? (
        <DashboardsPage range={route.range} />
      ) : route.page === 'trace' ? (
        <TraceView key={route.traceId} traceId={route.traceId} spanId={route.spanId} />
      ) : route.page === 'prices' ? (
        <PricesPage />
      ) : route.page === 'settings' ? (
        <SettingsPage />
      ) : route.page === 'playground' || route.page === 'replay' ? (
        // One element for both routes, so that the replay form stays open when its run starts.
        <PlaygroundPage
          runId={route.page === 'playground' ? route.runId : null}
          replaySource={route.page === 'replay' ? route.source : null}
        />
      ) : route.page === 'call' ? (
        <CallPage
          key={`${route.traceId}/${route.spanId}`}
          traceId={route.traceId}
          spanId={route.spanId}
        />
      ) : route.page === 'check' ? (
        <CheckPage key={route.traceId ?? 'window'} traceId={route.traceId} />
      ) : route.page === 'diff' ? (
        <DiffPage key={`${route.a}/${route.b}`} a={route.a} b={route.b} />
      ) : route.page === 'evals' ? (
        <EvalsPage route={route} />
      ) : route.page === 'alerts' ? (
        <AlertsPage rule={route.rule} />
      ) : route.page === 'tail' ? (
        <TailPage />
      ) : route.page === 'logs' ? (
        <LogsPage />
      ) : route.page === 'sessions' ? (
        <SessionsPage />
      ) : route.page === 'session' ? (
        <SessionPage key={route.sessionId} sessionId={route.sessionId} />
      ) : (
        <TraceListPage status={status} />
      )}
      <AlertToasts />
    </div>
  )
}
