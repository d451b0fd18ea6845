// One trace as the checks see it: its spans by id, the parent chain of each,
// and the questions several checks ask of a span (is it Loupe's own, an HTTP
// server span, which status did it send).

import type { JsonValue } from '../../shared/api'
import type { CheckEvidence } from '../../shared/check'
import type { CheckSpan, CheckTrace, StoredExchange } from './traces'

/** Scope names of the spans that Loupe itself writes (gateway calls and run roots). */
const LOUPE_SCOPE_PREFIX = 'loupe.'
const GATEWAY_SCOPE = 'loupe.gateway'

export class TraceView {
  readonly traceId: string
  readonly spans: CheckSpan[]
  /** Spans sent by the application, without the ones Loupe wrote. */
  readonly appSpans: CheckSpan[]
  private readonly byId = new Map<string, CheckSpan>()
  private readonly childrenById = new Map<string, CheckSpan[]>()
  private readonly exchangesBySpanId = new Map<string, StoredExchange>()

  constructor(readonly trace: CheckTrace) {
    this.traceId = trace.traceId
    this.spans = trace.spans
    this.appSpans = trace.spans.filter((span) => !isLoupeSpan(span))
    for (const span of trace.spans) {
      if (!this.byId.has(span.spanId)) this.byId.set(span.spanId, span)
      if (span.parentSpanId === null) continue
      const siblings = this.childrenById.get(span.parentSpanId) ?? []
      siblings.push(span)
      this.childrenById.set(span.parentSpanId, siblings)
    }
    for (const exchange of trace.exchanges) this.exchangesBySpanId.set(exchange.spanId, exchange)
  }

  get root(): CheckSpan | null {
    return this.trace.rootSpanId === null ? null : (this.byId.get(this.trace.rootSpanId) ?? null)
  }

  span(spanId: string | null): CheckSpan | null {
    return spanId === null ? null : (this.byId.get(spanId) ?? null)
  }

  /** Returns the span's parent, grandparent and so on up to the root; stops at a missing parent or a cycle. */
  ancestors(span: CheckSpan): CheckSpan[] {
    const chain: CheckSpan[] = []
    const seen = new Set<string>([span.spanId])
    let parent = this.span(span.parentSpanId)
    while (parent !== null && !seen.has(parent.spanId)) {
      chain.push(parent)
      seen.add(parent.spanId)
      parent = this.span(parent.parentSpanId)
    }
    return chain
  }

  /** Returns whether `ancestor` is above `span` in the tree. */
  isBelow(span: CheckSpan, ancestor: CheckSpan): boolean {
    return this.ancestors(span).includes(ancestor)
  }

  /** Returns the direct children of a span. */
  children(span: CheckSpan): CheckSpan[] {
    return this.childrenById.get(span.spanId) ?? []
  }

  /** Returns the gateway's stored exchange of a span, kept in record and live modes only. */
  exchange(span: CheckSpan): StoredExchange | null {
    return this.exchangesBySpanId.get(span.spanId) ?? null
  }
}

export function isLoupeSpan(span: CheckSpan): boolean {
  return span.scopeName.startsWith(LOUPE_SCOPE_PREFIX)
}

export function isGatewaySpan(span: CheckSpan): boolean {
  return span.scopeName === GATEWAY_SCOPE
}

/** Returns the HTTP response status that a span recorded, from the current key or the older `http.status_code`. */
export function httpStatus(span: CheckSpan): { attribute: string; status: number } | null {
  for (const attribute of ['http.response.status_code', 'http.status_code']) {
    const value = span.attributes[attribute]
    const status = typeof value === 'string' ? Number(value) : value
    if (typeof status === 'number' && Number.isInteger(status)) return { attribute, status }
  }
  return null
}

/**
 * True for the span of an HTTP request that the application served: a
 * server span with HTTP attributes that Loupe did not write (the gateway's
 * spans are server spans too).
 */
export function isHttpServerSpan(span: CheckSpan): boolean {
  if (span.spanKind !== 'server' || isLoupeSpan(span)) return false
  const keys = ['http.request.method', 'http.method', 'http.route', 'url.path', 'http.target']
  return keys.some((key) => key in span.attributes)
}

/** Reads an attribute as text: strings as they are, one-element string arrays (headers) by their element. */
export function attributeText(value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'string') return value[0]
  return null
}

/** Builds an evidence item about one span. */
export function spanEvidence(
  span: CheckSpan,
  note: string,
  attribute: string | null = null,
  value: string | null = null,
): CheckEvidence {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    spanName: span.name,
    attribute,
    value,
    note,
  }
}

/** Formats an attribute value for a report as JSON, cut at 120 characters. */
export function shownValue(value: JsonValue | undefined): string {
  if (value === undefined) return '(missing)'
  const text = JSON.stringify(value)
  return text.length > 120 ? `${text.slice(0, 119)}…` : text
}
