import { useState } from 'react'
import type { CoreStatus } from '../../../shared/api'
import { errorMessage } from '../api'
import { useApi } from '../api-context'
import { CommandLine } from './CommandLine'
import { ErrorNotice } from './ErrorNotice'

/** Shows how to point an agent at Loupe, and offers the demo, while no trace has arrived. */
export function EmptyState({
  status,
  onDemoLoaded,
}: {
  status: CoreStatus
  onDemoLoaded: () => void
}) {
  const httpUrl = status.otlpHttpUrl
  const grpcUrl = status.otlpGrpcUrl

  return (
    <section className="empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">No traces yet</h2>
      <p>
        Loupe receives OpenTelemetry traces on this machine. Start your agent with one of these
        environment settings; its runs appear here as they happen. No code changes are needed.
      </p>
      {httpUrl === null ? (
        <ErrorNotice
          title="The OTLP/HTTP receiver is not listening"
          message="Loupe could not open its OTLP/HTTP port. See the message above, and restart Loupe with --port set to a free port."
        />
      ) : (
        <>
          <h3>Pydantic AI or any app using the Logfire Python SDK</h3>
          <CommandLine
            command={`OTEL_EXPORTER_OTLP_ENDPOINT=${httpUrl} LOGFIRE_SEND_TO_LOGFIRE=false python agent.py`}
          />
          <p className="muted">or, with the Logfire token and base URL:</p>
          <CommandLine
            command={`LOGFIRE_TOKEN=loupe LOGFIRE_BASE_URL=${httpUrl} python agent.py`}
          />
          <h3>Any OpenTelemetry SDK (OTLP over HTTP)</h3>
          <CommandLine command={`OTEL_EXPORTER_OTLP_ENDPOINT=${httpUrl}`} />
        </>
      )}
      {grpcUrl !== null && (
        <>
          <h3>Any OpenTelemetry SDK (OTLP over gRPC)</h3>
          <CommandLine
            command={`OTEL_EXPORTER_OTLP_ENDPOINT=${grpcUrl} OTEL_EXPORTER_OTLP_PROTOCOL=grpc`}
          />
        </>
      )}
      <h3>Or look at a sample first</h3>
      <DemoButton onLoaded={onDemoLoaded} />
    </section>
  )
}

function DemoButton({ onLoaded }: { onLoaded: () => void }) {
  const { client } = useApi()
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const load = () => {
    setLoading(true)
    setError(null)
    client.loadDemo().then(
      () => {
        setLoading(false)
        onLoaded()
      },
      (caught: unknown) => {
        setLoading(false)
        setError(errorMessage(caught))
      },
    )
  }

  return (
    <div className="demo">
      <button type="button" className="primary" onClick={load} disabled={loading}>
        {loading ? 'Loading demo traces…' : 'Load demo traces'}
      </button>
      <span className="muted">
        A sample agent run against the mock model: one that succeeds and one that fails.
      </span>
      {error !== null && <ErrorNotice title="Could not load the demo traces" message={error} />}
    </div>
  )
}
