// Counting new failed runs for the dock or tray badge and the page title:
// traces that failed while the window was not focused, each counted once,
// back to zero when the window is focused again. The counter reads the trace
// summaries that the push channel sends.

import type { TraceSummary } from './api'

/** Failed traces remembered, so that later pushes of the same trace are not counted again. */
const MAX_REMEMBERED = 10_000

export class FailedRunCounter {
  private focused: boolean
  /** When the window last lost focus, in milliseconds since the epoch. */
  private blurredAt: number
  private readonly seen = new Set<string>()
  private readonly counted = new Set<string>()

  constructor(focused: boolean, now: number) {
    this.focused = focused
    this.blurredAt = now
  }

  get count(): number {
    return this.counted.size
  }

  /** Records that the window got focus, which clears the count. */
  focus(): number {
    this.focused = true
    this.counted.clear()
    return 0
  }

  /** Records that the window lost focus at `now`. */
  blur(now: number): number {
    if (this.focused) this.blurredAt = now
    this.focused = false
    return this.count
  }

  /**
   * Counts each trace of `traces` that is failed, was not seen failed
   * before, and was stored after the window lost focus; the last condition
   * leaves out old traces pushed again, for example after repricing.
   * Returns the new count.
   */
  observe(traces: readonly TraceSummary[]): number {
    for (const trace of traces) {
      if (!isFailed(trace) || this.seen.has(trace.traceId)) continue
      this.remember(trace.traceId)
      if (!this.focused && Date.parse(trace.updatedAt) >= this.blurredAt) {
        this.counted.add(trace.traceId)
      }
    }
    return this.count
  }

  private remember(traceId: string): void {
    this.seen.add(traceId)
    if (this.seen.size > MAX_REMEMBERED) {
      const oldest = this.seen.values().next().value
      if (oldest !== undefined) this.seen.delete(oldest)
    }
  }
}

/** True for a trace that an error ended. */
export function isFailed(trace: Pick<TraceSummary, 'errorClass' | 'status'>): boolean {
  return trace.errorClass !== 'none' || trace.status === 'error'
}

/** Returns the tooltip or title text for `count` new failed runs. */
export function failedRunsLabel(count: number): string {
  if (count === 0) return 'Loupe'
  return `Loupe: ${count} new failed ${count === 1 ? 'run' : 'runs'}`
}
