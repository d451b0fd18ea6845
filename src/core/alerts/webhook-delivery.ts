// Delivers an alert as an HTTP POST of its JSON, with a time limit per
// attempt and retries with doubling waits.

import type { DeliveryResult, WebhookDelivery } from '../../shared/alerts'
import { DEFAULT_WEBHOOK_RETRIES, DEFAULT_WEBHOOK_TIMEOUT_MS } from './rules'

/** The wait before the first retry; each later retry waits twice as long. */
export const FIRST_RETRY_DELAY_MS = 1000
/** Maximum wait between attempts, also when a Retry-After header requests a longer one. */
const MAX_RETRY_DELAY_MS = 30_000
/** Maximum bytes of an error response body quoted in the result. */
const MAX_QUOTED_BODY_BYTES = 300

export interface WebhookOptions {
  userAgent: string
  /** Ends the attempts when aborted, as when the core stops. */
  signal?: AbortSignal
}

interface Attempt {
  status: number | null
  error: string | null
  retryable: boolean
  retryAfterMs: number | null
}

/**
 * POSTs `alertJson` to the webhook's URL until it responds with 2xx, or the
 * retries are used up. Network errors, time-outs, 408, 429 and 5xx are
 * retried; other statuses are not. Redirects are not followed. Never
 * rejects: a failure is a result with `ok: false`.
 */
export async function postWebhook(
  delivery: WebhookDelivery,
  alertJson: string,
  options: WebhookOptions,
): Promise<DeliveryResult> {
  const started = performance.now()
  const attempts = 1 + (delivery.retries ?? DEFAULT_WEBHOOK_RETRIES)
  let last: Attempt = { status: null, error: 'not sent', retryable: false, retryAfterMs: null }
  let attemptsMade = 0
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      const backoff = FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1)
      const delay = Math.min(last.retryAfterMs ?? backoff, MAX_RETRY_DELAY_MS)
      if (!(await wait(delay, options.signal))) break
    }
    attemptsMade++
    last = await attemptPost(delivery, alertJson, options)
    if (last.error === null || !last.retryable) break
  }
  if (options.signal?.aborted && last.error !== null)
    last.error = 'stopped because Loupe is stopping'
  return {
    channel: 'webhook',
    ok: last.error === null,
    error:
      last.error === null
        ? null
        : `${last.error} (${attemptsMade} attempt${attemptsMade === 1 ? '' : 's'})`,
    durationMs: performance.now() - started,
    status: last.status,
    attempts: attemptsMade,
  }
}

async function attemptPost(
  delivery: WebhookDelivery,
  alertJson: string,
  options: WebhookOptions,
): Promise<Attempt> {
  const timeoutMs = delivery.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let response: Response
  try {
    response = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': options.userAgent,
        ...delivery.headers,
      },
      body: alertJson,
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    const message = timeout.aborted
      ? `timed out after ${timeoutMs} ms`
      : `the request failed: ${causeMessage(error)}`
    return { status: null, error: message, retryable: true, retryAfterMs: null }
  }
  const status = response.status
  if (status >= 200 && status < 300) {
    await response.body?.cancel()
    return { status, error: null, retryable: false, retryAfterMs: null }
  }
  if (status >= 300 && status < 400) {
    await response.body?.cancel()
    const location = response.headers.get('location') ?? 'no Location header'
    return {
      status,
      error: `HTTP ${status}, a redirect to ${location}; Loupe does not follow redirects, so give the final URL`,
      retryable: false,
      retryAfterMs: null,
    }
  }
  const body = await quoteBody(response)
  return {
    status,
    error: `HTTP ${status}${body === '' ? '' : `: ${body}`}`,
    retryable: status === 408 || status === 429 || status >= 500,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
  }
}

/** fetch reports a network error as "fetch failed" with the reason in `cause`. */
function causeMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof Error) return cause.message
  return error instanceof Error ? error.message : String(error)
}

/** Returns the start of a response body as one line of text. */
async function quoteBody(response: Response): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < MAX_QUOTED_BODY_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } catch {
    // A body cut off mid-way is quoted as far as it came.
  } finally {
    await reader.cancel().catch(() => {})
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_QUOTED_BODY_BYTES)
  return text.replace(/\s+/g, ' ').trim()
}

/** Reads a Retry-After header given in seconds; an HTTP date or anything else is ignored. */
function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d+(\.\d+)?$/.test(header.trim())) return null
  return Number(header) * 1000
}

/** Resolves true after `ms`, or false at once when `signal` is aborted. */
function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
