// Forwarding of received OTLP requests to an upstream OTLP/HTTP endpoint.
// Each request goes out with the bytes, Content-Type and Content-Encoding it
// arrived with, after Loupe has stored it. A bounded queue decouples the
// receivers from the upstream, so a slow or unreachable upstream never
// delays or fails local ingest: requests past the bound are dropped and
// counted. Failed attempts are retried with exponential backoff, as the
// OTLP specification recommends for exporters (429, 502, 503, 504 and network
// errors, honouring Retry-After).

import type { Logger } from 'pino'
import type { ForwardingDrops, ForwardingStatus } from '../../shared/forwarding'
import type { Signal } from '../otlp/responses'
import { displayUrl, type ForwardConfig } from './config'

/** An OTLP export request as a receiver got it, before decompression. */
export interface ReceivedExport {
  signal: Signal
  body: Buffer
  contentType: string
  /** The Content-Encoding header as received, or null when there was none. */
  contentEncoding: string | null
}

const DEFAULTS = {
  maxQueuedRequests: 2000,
  maxQueuedBytes: 128 * 1024 * 1024,
  maxAttempts: 6,
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  timeoutMs: 10_000,
  concurrency: 4,
}

/** Statuses the OTLP/HTTP specification lists as retryable. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504])

/** Minimum time between two warnings about failed attempts; the rest go to the debug log. */
const WARNING_INTERVAL_MS = 30_000

type Attempt =
  | { outcome: 'sent' }
  | { outcome: 'retry'; message: string; retryAfterMs: number | null }
  | { outcome: 'rejected'; message: string }

export class Forwarder {
  private readonly settings: typeof DEFAULTS
  private readonly queue: ReceivedExport[] = []
  private readonly endpoint: string
  private readonly abort = new AbortController()
  private active = 0
  private queuedBytes = 0
  private sent = 0
  private retries = 0
  private readonly dropped: ForwardingDrops = {
    total: 0,
    queueFull: 0,
    rejected: 0,
    retriesExhausted: 0,
    shutdown: 0,
  }
  private lastError: ForwardingStatus['lastError'] = null
  private lastWarningMs = 0
  private suppressedWarnings = 0
  private closed = false
  private idleWaiters: (() => void)[] = []

  constructor(
    private readonly config: ForwardConfig,
    private readonly log: Logger,
  ) {
    this.settings = { ...DEFAULTS }
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const value = config[key]
      if (value !== undefined) this.settings[key] = value
    }
    this.endpoint = displayUrl(config.url)
    log.info(
      { endpoint: this.endpoint, headers: Object.keys(config.headers) },
      `forwarding received telemetry to ${this.endpoint}`,
    )
  }

  /** Queues a stored request for the upstream, or counts it as dropped when the queue is full. */
  enqueue(request: ReceivedExport): void {
    if (this.closed) return
    const full =
      this.queue.length + this.active >= this.settings.maxQueuedRequests ||
      this.queuedBytes + request.body.length > this.settings.maxQueuedBytes
    if (full) {
      this.drop('queueFull', request, 'the forwarding queue is full')
      return
    }
    this.queue.push(request)
    this.queuedBytes += request.body.length
    this.pump()
  }

  status(): ForwardingStatus {
    return {
      endpoint: this.endpoint,
      headerNames: Object.keys(this.config.headers),
      queuedRequests: this.queue.length + this.active,
      queuedBytes: this.queuedBytes,
      sentRequests: this.sent,
      retries: this.retries,
      dropped: { ...this.dropped },
      lastError: this.lastError,
    }
  }

  /**
   * Stops accepting requests and waits up to `drainMs` for the queue to
   * empty. Requests still queued then are dropped and counted.
   */
  async close(drainMs = 2000): Promise<void> {
    if (this.closed) return
    this.closed = true
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.whenIdle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
    ])
    clearTimeout(timer)
    const left = this.queue.length + this.active
    for (const request of this.queue.splice(0)) {
      this.queuedBytes -= request.body.length
      this.countDrop('shutdown')
    }
    this.abort.abort()
    if (left > 0) {
      this.log.warn(
        { endpoint: this.endpoint, requests: left },
        `forwarding stopped with ${left} requests not sent`,
      )
    }
  }

  /** Resolves once nothing is queued or being sent. */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    while (this.active < this.settings.concurrency && this.queue.length > 0) {
      const request = this.queue.shift()!
      this.active++
      void this.deliver(request).finally(() => {
        this.active--
        this.queuedBytes -= request.body.length
        this.pump()
        if (this.queue.length === 0 && this.active === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve()
        }
      })
    }
  }

  /** Sends one request, retrying until it is sent, rejected, or out of attempts. */
  private async deliver(request: ReceivedExport): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(request)
      if (result.outcome === 'sent') {
        this.sent++
        return
      }
      if (this.abort.signal.aborted) {
        this.countDrop('shutdown')
        return
      }
      this.noteFailure(request, result.message)
      if (result.outcome === 'rejected') {
        this.drop('rejected', request, result.message)
        return
      }
      if (attempt >= this.settings.maxAttempts) {
        this.drop('retriesExhausted', request, `${result.message}, after ${attempt} attempts`)
        return
      }
      this.retries++
      await this.sleep(this.backoff(attempt, result.retryAfterMs))
    }
  }

  private async attempt(request: ReceivedExport): Promise<Attempt> {
    const headers: Record<string, string> = {
      ...this.config.headers,
      'Content-Type': request.contentType,
    }
    if (request.contentEncoding !== null) headers['Content-Encoding'] = request.contentEncoding
    let response: Response
    try {
      response = await fetch(signalUrl(this.config.url, request.signal), {
        method: 'POST',
        headers,
        body: request.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
      })
      // Read the body so that the connection can be reused.
      await response.arrayBuffer()
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `timed out after ${this.settings.timeoutMs} ms`
          : (cause?.message ?? (error as Error).message)
      return { outcome: 'retry', message: `request failed: ${reason}`, retryAfterMs: null }
    }
    if (response.ok) return { outcome: 'sent' }
    const message = `the upstream responded with HTTP ${response.status}`
    if (RETRYABLE_STATUSES.has(response.status)) {
      return {
        outcome: 'retry',
        message,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      }
    }
    return { outcome: 'rejected', message }
  }

  /** Returns the wait before the next attempt: Retry-After when given, else doubling with jitter. */
  private backoff(attempt: number, retryAfter: number | null): number {
    const max = this.settings.maxBackoffMs
    if (retryAfter !== null) return Math.min(retryAfter, max)
    const base = Math.min(this.settings.initialBackoffMs * 2 ** (attempt - 1), max)
    // Up to 20% less, so that requests that failed together do not retry together.
    return base * (1 - Math.random() * 0.2)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const signal = this.abort.signal
      function done() {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done)
    })
  }

  private drop(
    reason: Exclude<keyof ForwardingDrops, 'total'>,
    request: ReceivedExport,
    message: string,
  ): void {
    this.countDrop(reason)
    this.warn(
      { signal: request.signal, bytes: request.body.length, reason },
      `dropped a forwarded ${request.signal} request: ${message}`,
    )
  }

  private countDrop(reason: Exclude<keyof ForwardingDrops, 'total'>): void {
    this.dropped[reason]++
    this.dropped.total++
  }

  private noteFailure(request: ReceivedExport, message: string): void {
    this.lastError = { time: new Date().toISOString(), message }
    this.warn(
      { signal: request.signal },
      `forwarding a ${request.signal} request failed: ${message}`,
    )
  }

  /** Logs at warn level at most once per interval, with the number of messages held back since. */
  private warn(context: Record<string, unknown>, message: string): void {
    const now = Date.now()
    if (now - this.lastWarningMs < WARNING_INTERVAL_MS) {
      this.suppressedWarnings++
      this.log.debug({ ...context, endpoint: this.endpoint }, message)
      return
    }
    const suppressed = this.suppressedWarnings
    this.lastWarningMs = now
    this.suppressedWarnings = 0
    this.log.warn(
      { ...context, endpoint: this.endpoint, dropped: this.dropped.total, suppressed },
      suppressed > 0 ? `${message} (and ${suppressed} similar messages in the last 30 s)` : message,
    )
  }
}

/** Returns the URL of a signal under the base URL, keeping its query string. */
export function signalUrl(baseUrl: string, signal: Signal): string {
  const url = new URL(baseUrl)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/${signal}`
  return url.href
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds, or null when absent or invalid. */
function retryAfterMs(header: string | null): number | null {
  if (header === null) return null
  const seconds = Number(header)
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now())
}
