// The budget of OTLP request bytes held at once by the requests that the
// receivers are still reading, decoding or storing. One budget is shared by
// the OTLP/HTTP and OTLP/gRPC receivers, so an HTTP request and a gRPC call
// draw on the same bytes.

/** Default budget of request bytes in flight: four bodies of the default 64 MiB cap. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 256 * 1024 * 1024

/**
 * Counts the body bytes of the requests in flight, so that many large
 * concurrent requests cannot grow memory without bound: the body cap alone
 * bounds one request, not the sum.
 */
export class InFlightBudget {
  private heldBytes = 0

  constructor(readonly maxBytes: number) {}

  get held(): number {
    return this.heldBytes
  }

  /** Takes bytes for a request that already has `alreadyHeld`; returns false when past the budget. */
  tryTake(bytes: number, alreadyHeld: number): boolean {
    const others = this.heldBytes - alreadyHeld
    if (others > 0 && this.heldBytes + bytes > this.maxBytes) return false
    this.heldBytes += bytes
    return true
  }

  release(bytes: number): void {
    this.heldBytes -= bytes
  }
}

/** Formats bytes as mebibytes with one decimal, for messages. */
export function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}
