// The forwarding target: an OTLP/HTTP base URL and the headers to send with
// each request, checked before the core starts. Error messages name the
// header but never show its value, since it usually is a credential.

import { isLoopbackHost } from '../runner/playground'

export interface ForwardConfig {
  /** Base URL, as in OTEL_EXPORTER_OTLP_ENDPOINT; each signal goes to URL + /v1/<signal>. */
  url: string
  headers: Record<string, string>
  /** Maximum requests waiting or being sent; later ones are dropped (2000 by default). */
  maxQueuedRequests?: number
  /** Maximum bytes of the requests waiting or being sent (128 MiB by default). */
  maxQueuedBytes?: number
  /** Attempts per request before it is dropped (6 by default). */
  maxAttempts?: number
  /** Wait before the first retry, doubled for each later one (1 s by default). */
  initialBackoffMs?: number
  /** Maximum wait between attempts, also the cap of a Retry-After (30 s by default). */
  maxBackoffMs?: number
  /** Time limit of one attempt (10 s by default). */
  timeoutMs?: number
  /** Requests sent at once (4 by default). */
  concurrency?: number
}

export class ForwardConfigError extends Error {
  override name = 'ForwardConfigError'
}

/** Headers that Loupe sets itself from the received request, or that HTTP manages. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
])

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Returns the URL as used for forwarding, its path without trailing slashes. Throws ForwardConfigError
 * for a URL that is not http(s), that carries credentials, or that already
 * names a signal path.
 */
export function checkForwardUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new ForwardConfigError(
      `invalid forwarding URL ${JSON.stringify(value)}: expected an http or https URL such as ` +
        'http://collector.internal:4318',
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ForwardConfigError(
      `invalid forwarding URL ${url.protocol}//${url.host}: only http and https are supported ` +
        '(OTLP/HTTP); for a gRPC collector use its OTLP/HTTP port, usually 4318',
    )
  }
  if (url.username !== '' || url.password !== '') {
    throw new ForwardConfigError(
      'the forwarding URL contains a user name or password; send credentials as a header ' +
        "instead, e.g. --forward-header 'Authorization: Basic <base64>'",
    )
  }
  const path = url.pathname.replace(/\/+$/, '')
  if (/\/v1\/(traces|logs|metrics)$/.test(path)) {
    throw new ForwardConfigError(
      `the forwarding URL ends in ${path.slice(path.lastIndexOf('/v1/'))}; give the base URL ` +
        'without it, because Loupe adds /v1/traces, /v1/logs and /v1/metrics itself',
    )
  }
  url.pathname = path
  return url.href
}

/** Returns why a header cannot be sent, naming it but never its value, or null when it can. */
export function headerProblem(name: string, value: string): string | null {
  if (!TOKEN.test(name)) return `invalid header name ${JSON.stringify(name)}`
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return `the header ${name} cannot be set: Loupe sends it as the received request had it`
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is rejected
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    return `the value of the header ${name} contains a line break or control character`
  }
  return null
}

/** Parses `Name: value` lines (as curl -H takes them) into headers; throws ForwardConfigError. */
export function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) {
      // The line is not echoed: without its colon it may be a bare credential.
      throw new ForwardConfigError(
        "invalid forwarding header: expected 'Name: value', with a colon after the name",
      )
    }
    addHeader(headers, line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return headers
}

/**
 * Parses headers in the form of OTEL_EXPORTER_OTLP_HEADERS: comma-separated
 * name=value pairs with percent-encoded values. Throws ForwardConfigError.
 */
export function parseHeaderList(text: string): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue
    const equals = pair.indexOf('=')
    const name = (equals === -1 ? pair : pair.slice(0, equals)).trim()
    if (equals <= 0) {
      throw new ForwardConfigError(
        `invalid forwarding header ${JSON.stringify(name)}: expected name=value pairs separated by commas`,
      )
    }
    let value: string
    try {
      value = decodeURIComponent(pair.slice(equals + 1).trim())
    } catch {
      throw new ForwardConfigError(
        `the value of the forwarding header ${name} is not valid percent-encoding`,
      )
    }
    addHeader(headers, name, value)
  }
  return headers
}

function addHeader(headers: Record<string, string>, name: string, value: string): void {
  const problem = headerProblem(name, value)
  if (problem) throw new ForwardConfigError(problem)
  mergeHeaders(headers, { [name]: value })
}

/**
 * Adds `added` to `headers`, replacing a header of the same name in any
 * case, since HTTP header names are case-insensitive.
 */
export function mergeHeaders(headers: Record<string, string>, added: Record<string, string>): void {
  for (const [name, value] of Object.entries(added)) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing]
    }
    headers[name] = value
  }
}

/**
 * Throws ForwardConfigError when the URL is Loupe's own OTLP/HTTP receiver,
 * which would forward every request back to itself without end.
 */
export function checkNotSelf(forwardUrl: string, otlpHttpPort: number | null): void {
  const url = new URL(forwardUrl)
  const defaultPort = url.protocol === 'https:' ? 443 : 80
  const port = url.port === '' ? defaultPort : Number(url.port)
  const wildcard = url.hostname === '0.0.0.0' || url.hostname === '[::]'
  // NOTE: a URL that reaches this Loupe under another name (a LAN address,
  // or another Loupe that forwards back here) is not detected.
  if ((isLoopbackHost(url.hostname) || wildcard) && port === otlpHttpPort) {
    throw new ForwardConfigError(
      `the forwarding URL ${url.origin} is this Loupe's own OTLP/HTTP receiver, which would ` +
        'forward every request to itself; give another collector',
    )
  }
}

/** Returns the URL for logs and status: without its query string, which may hold a key. */
export function displayUrl(forwardUrl: string): string {
  const url = new URL(forwardUrl)
  return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`
}
