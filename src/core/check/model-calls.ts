// Checks of how model calls are made: each has a timeout shorter than the
// SDK's default, and a response with status 429 is retried after a wait. The
// evidence comes from span attributes (the gateway records the SDK's
// x-stainless-* request headers and the Retry-After of its responses), from the
// gateway's stored exchanges in record and live modes, and from the AI SDK's
// ai.settings.*.

import type { CheckSpan, StoredExchange } from './traces'
import { EvidenceList, plural, type ReadinessCheck, type Verdict } from './check'
import {
  attributeText,
  httpStatus,
  isGatewaySpan,
  isLoupeSpan,
  spanEvidence,
  type TraceView,
} from './trace-view'

/** Default timeout of the openai SDKs (Python 3.60, Node 6.49) and the anthropic Python SDK (2.17): 10 minutes. */
const SDK_DEFAULT_TIMEOUT_S = 600

/** Request headers in which the Stainless-generated SDKs send their timeout, in seconds. */
const TIMEOUT_HEADERS = ['x-stainless-read-timeout', 'x-stainless-timeout']

interface TimeoutSetting {
  seconds: number
  attribute: string
}

/** Reads the timeout a model call was made with, from its headers or the AI SDK's settings. */
function timeoutOf(trace: TraceView, span: CheckSpan): TimeoutSetting | null {
  const exchange = trace.exchange(span)
  for (const header of TIMEOUT_HEADERS) {
    const attribute = `http.request.header.${header}`
    const text =
      attributeText(span.attributes[attribute]) ?? exchange?.requestHeaders[header] ?? null
    const seconds = text === null ? NaN : Number(text)
    if (Number.isFinite(seconds) && seconds > 0) return { seconds, attribute }
  }
  const aiSdkMs = span.attributes['ai.settings.timeout']
  if (typeof aiSdkMs === 'number' && aiSdkMs > 0) {
    return { seconds: aiSdkMs / 1000, attribute: 'ai.settings.timeout' }
  }
  return null
}

/** Names a model call for the evidence: its model, and the service of the app span above it. */
function callLabel(trace: TraceView, span: CheckSpan): string {
  const model = attributeText(span.attributes['gen_ai.request.model']) ?? span.name
  const app = [span, ...trace.ancestors(span)].find((candidate) => !isLoupeSpan(candidate))
  return app?.resource.serviceName ? `${app.resource.serviceName} → ${model}` : model
}

export class ModelTimeoutsCheck implements ReadinessCheck {
  readonly id = 'model-timeouts'
  readonly title = 'Model requests have timeouts'
  private readonly set = new EvidenceList()
  private readonly defaulted = new EvidenceList()
  private readonly fired = new EvidenceList()
  private readonly seen = new Set<string>()
  private defaultedCalls = 0
  private setCalls = 0

  observe(trace: TraceView): void {
    for (const span of trace.spans) {
      if (
        span.kind === 'model' &&
        span.errorClass === 'timeout' &&
        span.error?.spanId === span.spanId
      ) {
        const note = `A timeout ended this model call: ${span.error?.message ?? span.statusMessage}`
        this.fired.add(spanEvidence(span, note, 'error.type', span.error?.exceptionType ?? null))
      }
      const timeout = timeoutOf(trace, span)
      if (timeout === null) continue
      const isDefault = timeout.seconds >= SDK_DEFAULT_TIMEOUT_S
      if (isDefault) this.defaultedCalls++
      else this.setCalls++
      const label = callLabel(trace, span)
      const key = `${label}\n${timeout.seconds}`
      if (this.seen.has(key)) continue
      this.seen.add(key)
      const note = isDefault
        ? `${label} waits up to ${timeout.seconds} s, the SDK's default; set a timeout in the model settings.`
        : `${label} times out after ${timeout.seconds} s.`
      const list = isDefault ? this.defaulted : this.set
      list.add(spanEvidence(span, note, timeout.attribute, String(timeout.seconds)))
    }
  }

  verdict(): Verdict {
    if (this.defaultedCalls > 0) {
      return {
        result: 'warn',
        finding: `${plural(this.defaultedCalls, 'model call')} ran with the SDK's default timeout of ${SDK_DEFAULT_TIMEOUT_S} s or more.`,
        evidence: [this.defaulted, this.set, this.fired],
      }
    }
    if (this.setCalls > 0 || this.fired.size > 0) {
      return {
        result: 'pass',
        finding:
          this.setCalls > 0
            ? `Every model call with a known timeout (${this.setCalls}) uses less than the SDK's default.`
            : 'A timeout ended a model call, so timeouts are in effect.',
        evidence: [this.set, this.fired],
      }
    }
    return {
      result: 'not_checkable',
      finding:
        "No span or stored gateway exchange shows a model call's timeout; model calls through Loupe's gateway record the SDK's timeout header.",
      evidence: [],
    }
  }
}

/**
 * Minimum wait between a 429 and its retry that counts as backing off when
 * the 429 set no Retry-After. NOTE: a chosen threshold, below the first delay
 * of the openai and anthropic Python SDKs (0.375 to 0.5 s) and of the AI SDK
 * (2 s), and far above an immediate retry loop.
 */
const MIN_BACKOFF_MS = 100
/** Allowed early wake-up of a client's timer against the Retry-After it was given. */
const TIMER_TOLERANCE_MS = 5

interface Attempt {
  span: CheckSpan
  status: number
  /** The wait that the response requested in Retry-After, in milliseconds, or null without one. */
  retryAfterMs: number | null
}

function retryAfterOf(span: CheckSpan, exchange: StoredExchange | null): number | null {
  const ms =
    attributeText(span.attributes['http.response.header.retry-after-ms']) ??
    exchange?.responseHeaders['retry-after-ms'] ??
    null
  if (ms !== null && Number.isFinite(Number(ms))) return Number(ms)
  const seconds =
    attributeText(span.attributes['http.response.header.retry-after']) ??
    exchange?.responseHeaders['retry-after'] ??
    null
  // An HTTP-date Retry-After is not a number, and is left out.
  if (seconds !== null && Number.isFinite(Number(seconds))) return Number(seconds) * 1000
  return null
}

/**
 * Returns the HTTP attempts of model calls: the gateway's spans, and HTTP
 * client spans under a model call that have no gateway span below them.
 */
function attemptsOf(trace: TraceView): Attempt[] {
  const attempts: Attempt[] = []
  for (const span of trace.spans) {
    const status = httpStatus(span)
    if (status === null) continue
    const gateway = isGatewaySpan(span)
    if (!gateway) {
      if (span.spanKind !== 'client' || isLoupeSpan(span)) continue
      const underModelCall = trace.ancestors(span).some((above) => above.kind === 'model')
      const coveredByGateway = trace.children(span).some(isGatewaySpan)
      if (!underModelCall || coveredByGateway) continue
    }
    attempts.push({
      span,
      status: status.status,
      retryAfterMs: retryAfterOf(span, trace.exchange(span)),
    })
  }
  return attempts
}

/**
 * Groups attempts by the model call they belong to: the nearest model-call
 * span above them, or else the same request (a retry sends the same messages
 * to the same path).
 */
function callKey(trace: TraceView, attempt: Attempt): string {
  const modelCall = trace
    .ancestors(attempt.span)
    .find((above) => above.kind === 'model' && !isGatewaySpan(above))
  if (modelCall) return `call ${modelCall.spanId}`
  const attributes = attempt.span.attributes
  const path = attributeText(attributes['url.path']) ?? attributeText(attributes['http.url']) ?? ''
  const messages =
    attributeText(attributes['gen_ai.input.messages']) ?? attempt.span.parentSpanId ?? ''
  return `request ${path}\n${messages}`
}

export class RateLimitRetriesCheck implements ReadinessCheck {
  readonly id = 'rate-limit-retries'
  readonly title = '429 responses are retried with backoff'
  private readonly backedOff = new EvidenceList()
  private readonly tooSoon = new EvidenceList()
  private readonly notRetried = new EvidenceList()
  private readonly unseenAttempts = new EvidenceList()
  private rateLimited = 0

  observe(trace: TraceView): void {
    const chains = new Map<string, Attempt[]>()
    for (const attempt of attemptsOf(trace)) {
      const key = callKey(trace, attempt)
      const chain = chains.get(key) ?? []
      chain.push(attempt)
      chains.set(key, chain)
    }
    let seen429 = false
    for (const chain of chains.values()) {
      chain.sort((a, b) => (a.span.startNs < b.span.startNs ? -1 : 1))
      chain.forEach((attempt, index) => {
        if (attempt.status !== 429) return
        seen429 = true
        this.rateLimited++
        this.judgeRetry(attempt, chain[index + 1] ?? null, index)
      })
    }
    if (!seen429) this.noteUnseenAttempts(trace)
  }

  private judgeRetry(attempt: Attempt, next: Attempt | null, index: number): void {
    if (next === null) {
      // The last of several attempts is the client giving up, which is expected after retries.
      if (index > 0) return
      const note = 'This 429 was not retried: the model call failed on its first attempt.'
      this.notRetried.add(spanEvidence(attempt.span, note, 'http status', '429'))
      return
    }
    const waitedMs = Number(next.span.startNs - attempt.span.endNs) / 1e6
    const requiredMs = attempt.retryAfterMs ?? MIN_BACKOFF_MS
    const requested =
      attempt.retryAfterMs === null ? 'no Retry-After' : `Retry-After ${attempt.retryAfterMs} ms`
    const waited = `${waitedMs.toFixed(1)} ms`
    if (waitedMs + TIMER_TOLERANCE_MS >= requiredMs) {
      const note = `Retried after ${waited} (${requested}) as ${next.span.spanId}.`
      this.backedOff.add(spanEvidence(attempt.span, note, 'retry wait', waited))
    } else {
      const note = `Retried after only ${waited} (${requested}; at least ${requiredMs} ms expected) as ${next.span.spanId}.`
      this.tooSoon.add(spanEvidence(attempt.span, note, 'retry wait', waited))
    }
  }

  /** Notes model calls that failed with a provider 429 when no span records their single attempts. */
  private noteUnseenAttempts(trace: TraceView): void {
    for (const span of trace.spans) {
      if (span.kind !== 'model' || span.error?.providerStatus !== 429) continue
      if (span.error.spanId !== span.spanId) continue
      const note =
        'A 429 ended this model call, but no span records its HTTP attempts; instrument the HTTP client (logfire.instrument_httpx()) or call the model through Loupe.'
      this.unseenAttempts.add(spanEvidence(span, note, 'error', span.error.message))
    }
  }

  verdict(): Verdict {
    const bad = this.tooSoon.size + this.notRetried.size
    if (bad > 0) {
      return {
        result: 'fail',
        finding: `Answers with status 429 retried too soon or not at all: ${bad} of ${this.rateLimited}.`,
        evidence: [this.notRetried, this.tooSoon, this.backedOff],
      }
    }
    if (this.backedOff.size > 0) {
      return {
        result: 'pass',
        finding: `Every retried 429 (${this.backedOff.size}) waited before the next attempt.`,
        evidence: [this.backedOff, this.unseenAttempts],
      }
    }
    return {
      result: 'not_checkable',
      finding:
        this.unseenAttempts.size > 0
          ? 'Model calls failed with 429, but their single HTTP attempts are not in the traces.'
          : 'No model call got a 429 in these traces, so no retry could be timed.',
      evidence: [this.unseenAttempts],
    }
  }
}
