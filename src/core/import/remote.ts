// Fetches one trace by id from a Tempo or Jaeger query API and returns it
// as an OTLP/JSON request body, ready for the ingest path that `loupe
// import` and the receivers share.

import { decodeTracesJson } from '../otlp/index'
import { OtlpDecodeError } from '../otlp/model'
import { RemoteImportError } from './errors'
import { jaegerToOtlp } from './jaeger'
import { tempoToOtlp } from './tempo'

export type RemoteSource = 'tempo' | 'jaeger'

export const REMOTE_SOURCES: readonly RemoteSource[] = ['tempo', 'jaeger']

export interface RemoteTrace {
  /** OTLP/JSON export request. */
  body: Buffer
  spans: number
  /** Trace ids in the body, in lower-case hex. */
  traceIds: string[]
  /** The URL that returned the trace. */
  url: string
}

export interface FetchOptions {
  /** Time limit of each request, in milliseconds (30 s by default). */
  timeoutMs?: number
  /** Maximum response size in bytes (64 MiB by default). */
  maxBytes?: number
}

const SOURCE_NAMES: Record<RemoteSource, string> = { tempo: 'Tempo', jaeger: 'Jaeger' }

/**
 * Fetches the trace and converts it. Throws RemoteImportError when the
 * trace is not found, the host cannot be reached, or the response is not a
 * trace.
 */
export async function fetchRemoteTrace(
  source: RemoteSource,
  baseUrl: string,
  traceId: string,
  options: FetchOptions = {},
): Promise<RemoteTrace> {
  const id = checkRemoteTraceId(traceId)
  const base = checkBaseUrl(baseUrl)
  const name = SOURCE_NAMES[source]
  // Newer Tempo versions serve the v2 form, older ones only /api/traces/<id>.
  const paths =
    source === 'tempo' ? [`/api/v2/traces/${id}`, `/api/traces/${id}`] : [`/api/traces/${id}`]
  const notFound: string[] = []
  for (const path of paths) {
    const url = joinUrl(base, path)
    const fetched = await getJson(url, options)
    if (fetched === null) {
      notFound.push(path)
      continue
    }
    const request =
      source === 'tempo'
        ? tempoToOtlp(fetched, `${name} at ${url}`)
        : jaegerToOtlp(fetched, `${name} at ${url}`)
    const trace = summarize(JSON.stringify(request), url)
    checkReturnedTraceId(trace, id, `${name} at ${url}`)
    return trace
  }
  throw new RemoteImportError(
    `trace ${id} not found: ${name} at ${base.origin}${base.pathname === '/' ? '' : base.pathname} ` +
      `returned 404 for ${notFound.join(' and ')}. Check the trace id and the base URL.`,
    'not-found',
  )
}

/** Returns a trace id in lower case; throws RemoteImportError unless it is 1 to 32 hex digits. */
export function checkRemoteTraceId(traceId: string): string {
  const id = traceId.trim().toLowerCase()
  if (!/^[0-9a-f]{1,32}$/.test(id)) {
    throw new RemoteImportError(
      `invalid trace id ${JSON.stringify(traceId)}: expected up to 32 hexadecimal digits`,
      'input',
    )
  }
  return id
}

/**
 * Parses the base URL of a query API. Throws RemoteImportError unless it is
 * an http or https URL without a user name or password. No message repeats a
 * password.
 */
export function checkBaseUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl.trim())
  } catch {
    throw new RemoteImportError(
      `invalid base URL ${JSON.stringify(hideUserInfo(baseUrl))}: expected an http or https URL ` +
        'such as http://localhost:3200',
      'input',
    )
  }
  if (url.username !== '' || url.password !== '') {
    throw new RemoteImportError(
      'the base URL contains a user name or password; Loupe does not send credentials to a ' +
        'query API, so give a URL without them, e.g. through a local proxy that adds them',
      'input',
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RemoteImportError(
      `invalid base URL ${JSON.stringify(baseUrl)}: only http and https are supported`,
      'input',
    )
  }
  return url
}

/** Replaces the `user:password@` part of a URL-like string that does not parse. */
function hideUserInfo(text: string): string {
  return text.replace(/\/\/[^/?#]*@/, '//<credentials>@')
}

/**
 * Throws RemoteImportError when the response does not contain the requested
 * trace, so that a proxy or API that returns another trace stores nothing.
 * A requested id shorter than 32 digits, such as a 64-bit Jaeger id, matches
 * the stored id with leading zeros.
 */
function checkReturnedTraceId(trace: RemoteTrace, requestedId: string, source: string): void {
  const expected = requestedId.padStart(32, '0')
  if (trace.traceIds.includes(expected)) return
  const listedIds = trace.traceIds.slice(0, 3).join(', ')
  const more = trace.traceIds.length > 3 ? ` and ${trace.traceIds.length - 3} more` : ''
  throw new RemoteImportError(
    `${source} returned trace ${listedIds}${more} instead of the requested ${expected}, so nothing ` +
      'was imported. Check that the base URL points at the query API itself.',
    'response',
  )
}

function joinUrl(base: URL, path: string): string {
  const url = new URL(base.href)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`
  return url.href
}

/** GETs JSON; returns null on 404. Throws RemoteImportError for other failures. */
async function getJson(url: string, options: FetchOptions): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 30_000
  let response: Response
  try {
    response = await fetch(url, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : (cause?.message ?? (error as Error).message)
    throw new RemoteImportError(`cannot reach ${url}: ${reason}`, 'unreachable')
  }
  const text = await readText(response, url, options.maxBytes ?? 64 * 1024 * 1024)
  if (response.status === 404) return null
  if (!response.ok) {
    throw new RemoteImportError(
      `${url} returned HTTP ${response.status}: ${excerpt(text)}`,
      'response',
    )
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new RemoteImportError(
      `the response of ${url} is not valid JSON (${(error as Error).message}); it starts ${JSON.stringify(excerpt(text))}`,
      'response',
    )
  }
}

/** Reads the body as text, stopping with RemoteImportError past `maxBytes`. */
async function readText(response: Response, url: string, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  if (response.body) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.length
      if (size > maxBytes) {
        throw new RemoteImportError(
          `the response of ${url} is larger than ${maxBytes} bytes`,
          'response',
        )
      }
      chunks.push(chunk)
    }
  }
  return Buffer.concat(chunks).toString('utf8')
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

/** Decodes the converted body once, to count its spans and list its trace ids before storing it. */
function summarize(json: string, url: string): RemoteTrace {
  let decoded
  try {
    decoded = decodeTracesJson(json)
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error
    throw new RemoteImportError(
      `the trace from ${url} is not valid OTLP: ${error.message}`,
      'response',
    )
  }
  const spans = decoded.groups.flatMap((group) => group.spans)
  if (spans.length === 0) {
    const reasons = decoded.errors.slice(0, 3).join('; ')
    throw new RemoteImportError(
      `the trace from ${url} has no valid span${reasons ? `: ${reasons}` : ''}`,
      'response',
    )
  }
  return {
    body: Buffer.from(json),
    spans: spans.length,
    traceIds: [...new Set(spans.map((span) => span.traceId))],
    url,
  }
}
