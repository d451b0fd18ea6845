import type { SpanStatus } from '../../../shared/api'

const TITLES: Record<SpanStatus, string> = {
  error: 'The span (for a trace: its root span) ended with status ERROR',
  ok: 'Status OK',
  unset: 'No status was set, which OpenTelemetry treats as success',
}

export function StatusBadge({ status }: { status: SpanStatus }) {
  return (
    <span className={`badge status-${status}`} title={TITLES[status]}>
      {status}
    </span>
  )
}
