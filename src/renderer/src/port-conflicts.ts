import type { CoreStatus, PortStatus } from '../../shared/api'

const PURPOSE_LABELS: Record<PortStatus['purpose'], string> = {
  'otlp-http': 'OTLP/HTTP',
  'otlp-grpc': 'OTLP/gRPC',
  ui: 'UI',
}

/** The `loupe serve` option that sets each port. */
const PORT_OPTIONS: Record<PortStatus['purpose'], string> = {
  'otlp-http': '--port',
  'otlp-grpc': '--grpc-port',
  ui: '--ui-port',
}

/** Builds the banner sentence for one port whose requested number was taken. */
export function describeConflict(port: PortStatus, status: CoreStatus): string {
  const holder = port.conflict?.holder ?? 'another process'
  const label = PURPOSE_LABELS[port.purpose]
  const taken = `Port ${port.requested} (${label}) is in use by ${holder}`
  if (port.actual === null) {
    return `${taken}, and Loupe could not listen on another port. Restart Loupe with ${PORT_OPTIONS[port.purpose]} <free port>.`
  }
  const instead = `${taken}; Loupe listens on ${port.actual} instead.`
  const host = hostForUrl(status.host)
  switch (port.purpose) {
    case 'otlp-http': {
      const url = status.otlpHttpUrl ?? `http://${host}:${port.actual}`
      return `${instead} Point agents at it with OTEL_EXPORTER_OTLP_ENDPOINT=${url}`
    }
    case 'otlp-grpc': {
      const url = status.otlpGrpcUrl ?? `http://${host}:${port.actual}`
      return `${instead} Point gRPC exporters at it with OTEL_EXPORTER_OTLP_ENDPOINT=${url} OTEL_EXPORTER_OTLP_PROTOCOL=grpc`
    }
    case 'ui':
      return `${instead} Open the UI at ${status.uiUrl}`
  }
}

function hostForUrl(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
