import type { CoreStatus } from '../../../shared/api'
import { describeConflict } from '../port-conflicts'

/** Shows one line per port that Loupe could not take: which process uses it and where Loupe listens instead. */
export function PortBanner({ status }: { status: CoreStatus }) {
  const conflicts = status.ports.filter((port) => port.conflict !== null)
  if (conflicts.length === 0) return null
  return (
    <div className="port-banner" role="status">
      {conflicts.map((port) => (
        <p key={port.purpose}>{describeConflict(port, status)}</p>
      ))}
    </div>
  )
}
