import { formatAxisDuration } from '../format'

const TICKS = [0, 0.25, 0.5, 0.75, 1]

/** Tick labels over the waterfall column, from 0 to the trace's duration. */
export function TimeAxis({ totalMs }: { totalMs: number }) {
  return (
    <div className="time-axis">
      {TICKS.map((fraction) => (
        <span
          key={fraction}
          className="tick"
          style={fraction === 1 ? { right: 0 } : { left: `${fraction * 100}%` }}
        >
          {formatAxisDuration(totalMs * fraction)}
        </span>
      ))}
    </div>
  )
}
