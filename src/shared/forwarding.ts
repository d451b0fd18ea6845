// The forwarding part of `GET /api/status`: where received telemetry is
// forwarded and how the upstream keeps up.

export interface ForwardingStatus {
  /** The upstream base URL, without its query string. */
  endpoint: string
  /** Names of the headers sent with each request. Their values are never served. */
  headerNames: string[]
  /** Requests waiting or being sent. */
  queuedRequests: number
  queuedBytes: number
  /** Requests the upstream accepted (any 2xx status). */
  sentRequests: number
  /** Attempts repeated after a network error, a timeout or a retryable status. */
  retries: number
  /** Requests given up, by reason; `total` is their sum. */
  dropped: ForwardingDrops
  /** The last failed attempt, or null when none failed. */
  lastError: { time: string; message: string } | null
}

export interface ForwardingDrops {
  total: number
  /** The queue was full when the request arrived. */
  queueFull: number
  /** The upstream responded with a status that retrying cannot fix, such as 400 or 401. */
  rejected: number
  /** Every attempt failed. */
  retriesExhausted: number
  /** Still queued when Loupe stopped. */
  shutdown: number
}
