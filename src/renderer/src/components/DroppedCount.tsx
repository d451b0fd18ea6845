import { pluralize } from '../format'

/** "N attributes dropped" when the SDK reported dropping any; nothing otherwise. */
export function DroppedCount({ count, noun }: { count: number; noun: string }) {
  if (count <= 0) return null
  return (
    <p
      className="dropped"
      title="The SDK dropped these before export, usually because of its limits"
    >
      {pluralize(count, noun)} dropped
    </p>
  )
}
