/** A value that Logfire replaced before export, shown as a marker with the reason. */
export function ScrubbedValue({ reason }: { reason: string }) {
  return (
    <span
      className="scrubbed"
      data-testid="scrubbed-value"
      title="The Logfire SDK replaced this value before export because its key or content looked sensitive"
    >
      <span className="scrubbed-label">scrubbed</span> due to {reason}
    </span>
  )
}
