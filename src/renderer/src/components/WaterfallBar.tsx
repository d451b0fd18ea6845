import type { TreeSpan } from '../../../shared/api'
import { isLogSpan, levelName } from '../genai/logfire'

const SERVICE_HUES = 6
const RUNNING_MIN_PX = 24
/** Half the width of a log line's diamond, so that one at the trace's end stays visible. */
const LOG_MARK_HALF_PX = 5

/**
 * Draws the span's bar, placed by its start offset and duration as a share
 * of the trace's duration. A running span's bar stays open to the right edge.
 */
export function WaterfallBar({ span, totalMs }: { span: TreeSpan; totalMs: number }) {
  if (span.zeroTime) return null
  const left = clampPercent((span.startOffsetMs / totalMs) * 100)
  if (isLogSpan(span)) {
    // A log line has a time and no duration: a tick, colored by its level.
    return (
      <div
        className={`log-mark level-${levelName(span.level!)}`}
        style={{ left: `min(${left}%, calc(100% - ${LOG_MARK_HALF_PX}px))` }}
      />
    )
  }
  const hue =
    span.status !== 'error'
      ? `hue-${serviceHue(span.serviceName)}`
      : span.retried
        ? 'retried'
        : 'error'
  if (span.inProgress) {
    // Open-ended: from the start to the right edge, and never too thin to see
    // when the span started at the trace's last known moment.
    return (
      <div
        className={`bar ${hue} running`}
        style={{
          left: `min(${left}%, calc(100% - ${RUNNING_MIN_PX}px))`,
          right: 0,
        }}
      />
    )
  }
  const right = clampPercent(((span.startOffsetMs + span.durationMs) / totalMs) * 100)
  return (
    <div
      className={`bar ${hue}`}
      style={{ left: `${left}%`, width: `max(${right - left}%, 2px)` }}
    />
  )
}

function clampPercent(value: number): number {
  if (!Number.isFinite(value)) return 0
  return Math.min(100, Math.max(0, value))
}

function serviceHue(serviceName: string | null): number {
  let hash = 0
  for (const char of serviceName ?? '') hash = (hash * 31 + char.charCodeAt(0)) | 0
  return Math.abs(hash) % SERVICE_HUES
}
