// The live tail page's memory, with fixed bounds whatever the span rate:
// the spans it shows, the recent spans a changed filter is applied to, and
// the spans that arrived while it was paused.

import type { TailSpan } from '../../shared/tail'
import type { OperationKind } from '../../shared/genai'

/** Matching spans the page shows at most; older ones leave the list. */
export const SHOWN_LIMIT = 1000
/** Spans received last, matching or not, that a changed filter is applied to. */
export const RECENT_LIMIT = 5000

export interface TailFilter {
  /** A service name, or '' for every service. */
  service: string
  /** Case-insensitive text in the name, title, service, agent, model, tool or trace id. */
  text: string
  errorsOnly: boolean
  kind: OperationKind | 'all'
}

export const NO_TAIL_FILTER: TailFilter = { service: '', text: '', errorsOnly: false, kind: 'all' }

export function matchesTailFilter(span: TailSpan, filter: TailFilter): boolean {
  if (filter.service !== '' && span.serviceName !== filter.service) return false
  if (filter.kind !== 'all' && span.kind !== filter.kind) return false
  if (filter.errorsOnly && span.status !== 'error' && span.errorClass === 'none') return false
  const text = filter.text.trim().toLowerCase()
  if (text === '') return true
  return [
    span.name,
    span.title,
    span.serviceName,
    span.agentName,
    span.model,
    span.toolName,
    span.traceId,
  ].some((value) => value !== null && value.toLowerCase().includes(text))
}

/**
 * The tail page's spans. `receive` adds each batch of the stream; while
 * paused, matching spans wait in `held` and the list does not change until
 * `resume`. Every array is trimmed to its limit on each change, and what
 * was trimmed from `held` is counted in `heldDropped`.
 */
export class TailBuffer {
  shown: TailSpan[] = []
  recent: TailSpan[] = []
  held: TailSpan[] = []
  /** Spans received while paused, matching the filter or not. */
  heldCount = 0
  /** Matching spans received while paused that did not fit in `held`. */
  heldDropped = 0
  /** Spans received since the page opened. */
  received = 0
  /** Spans the core reported as not sent, because the page fell behind or was away. */
  missed = 0
  paused = false
  /** The sequence number of the last span received before the pause. */
  private pausedAfterSeq = 0
  /** Services seen in the recent spans, for the filter's choices. */
  readonly services = new Set<string>()

  constructor(private filter: TailFilter = NO_TAIL_FILTER) {}

  receive(spans: TailSpan[]): void {
    this.received += spans.length
    this.recent = trimmed(this.recent.concat(spans), RECENT_LIMIT)
    for (const span of spans) if (span.serviceName !== null) this.services.add(span.serviceName)
    const matching = spans.filter((span) => matchesTailFilter(span, this.filter))
    if (this.paused) {
      this.heldCount += spans.length
      const held = this.held.concat(matching)
      this.heldDropped += Math.max(0, held.length - SHOWN_LIMIT)
      this.held = trimmed(held, SHOWN_LIMIT)
    } else if (matching.length > 0) {
      this.shown = trimmed(this.shown.concat(matching), SHOWN_LIMIT)
    }
  }

  pause(): void {
    this.paused = true
    this.pausedAfterSeq = this.recent[this.recent.length - 1]?.seq ?? 0
  }

  /** Shows the spans held while paused and clears the pause counts. */
  resume(): void {
    this.paused = false
    this.shown = trimmed(this.shown.concat(this.held), SHOWN_LIMIT)
    this.held = []
    this.heldCount = 0
    this.heldDropped = 0
  }

  /**
   * Applies a new filter to the spans shown and the recent ones. Spans shown
   * before that match it stay, so rare matches are not lost to the recent
   * window.
   */
  setFilter(filter: TailFilter): void {
    this.filter = filter
    const bySeq = new Map<number, TailSpan>()
    for (const span of this.shown) if (matchesTailFilter(span, filter)) bySeq.set(span.seq, span)
    for (const span of this.recent) if (matchesTailFilter(span, filter)) bySeq.set(span.seq, span)
    const merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq)
    if (this.paused) {
      // Spans that arrived during the pause wait in `held`, not in the list.
      const after = this.pausedAfterSeq
      this.shown = trimmed(
        merged.filter((span) => span.seq <= after),
        SHOWN_LIMIT,
      )
      this.held = trimmed(
        merged.filter((span) => span.seq > after),
        SHOWN_LIMIT,
      )
    } else {
      this.shown = trimmed(merged, SHOWN_LIMIT)
    }
  }
}

function trimmed<T>(items: T[], limit: number): T[] {
  return items.length > limit ? items.slice(items.length - limit) : items
}
