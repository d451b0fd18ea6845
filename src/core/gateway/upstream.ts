// Record mode. The gateway forwards each model call of a record run to the
// real provider (or any OpenAI-compatible server), with the user's key in
// place of the run's gateway key. The response goes back to the agent byte
// for byte as it arrives, and its bytes and timings are kept for the
// recording. The key goes only into the outgoing request headers.

import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { ServerResponse } from 'node:http'
import { isClosed } from './http'

/** Upstream of one provider: the base URL its calls go to, and the key they carry. */
export interface Upstream {
  /** The provider's base URL as its SDK takes it: https://api.openai.com/v1, https://api.anthropic.com */
  baseUrl: string
  apiKey: string
}

export type Upstreams = Partial<Record<'openai' | 'anthropic', Upstream>>

export const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
} as const

/** Headers that belong to one connection, or that carry keys or local trace context. */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'accept-encoding',
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'traceparent',
  'tracestate',
  'baggage',
])

const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'set-cookie',
])

/** Headers kept in a recording: everything but the ones that may carry a secret. */
export function recordableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (['authorization', 'x-api-key', 'api-key', 'cookie', 'set-cookie'].includes(name)) continue
    kept[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return kept
}

/** Returns the URL that a gateway path forwards to: the base URL plus the path after the provider's `/v1`. */
export function upstreamUrl(provider: 'openai' | 'anthropic', baseUrl: string, path: string): URL {
  const base = baseUrl.replace(/\/+$/, '')
  // OpenAI base URLs end in /v1 and Anthropic's do not, as each SDK expects.
  return new URL(provider === 'openai' ? `${base}${path}` : `${base}/v1${path}`)
}

/** Outcome of a forwarded call, for its span and its recording. */
export interface ForwardedExchange {
  url: string
  requestHeaders: Record<string, string>
  /** Null when no response arrived. */
  status: number | null
  responseHeaders: Record<string, string> | null
  responseBody: Buffer
  /** [milliseconds since the call started, bytes] for each chunk received. */
  chunkTimings: [number, number][]
  firstByteMs: number | null
  /** Reason the exchange did not complete, or null. */
  failure: { type: string; message: string } | null
}

export interface ForwardOptions {
  provider: 'openai' | 'anthropic'
  url: URL
  apiKey: string
  /** The agent's request headers, to pass on without its key. */
  headers: IncomingHttpHeaders
  body: Buffer
  /** Runs once the whole upstream response is in, before the agent's response ends. */
  beforeEnd: (exchange: ForwardedExchange) => Promise<void>
  /** Sends an error in the provider's shape when the upstream cannot be reached. */
  sendUnreachable: (message: string) => void
}

/**
 * Forwards one call and streams the upstream response to the agent as it
 * arrives. Resolves once the agent's response has ended, with the exchange.
 */
export function forward(
  response: ServerResponse,
  options: ForwardOptions,
): Promise<ForwardedExchange> {
  const started = performance.now()
  const outgoing: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.headers)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue
    outgoing[name] = Array.isArray(value) ? value.join(', ') : value
  }
  // Uncompressed bytes, so that the recording contains the response as the agent reads it.
  outgoing['accept-encoding'] = 'identity'
  outgoing['content-length'] = String(options.body.length)
  const recorded = { ...outgoing }
  // A local OpenAI-compatible server (Ollama, vLLM) may take no key at all.
  if (options.apiKey !== '') {
    if (options.provider === 'openai') outgoing.authorization = `Bearer ${options.apiKey}`
    else outgoing['x-api-key'] = options.apiKey
  }

  const exchange: ForwardedExchange = {
    url: options.url.toString(),
    requestHeaders: recorded,
    status: null,
    responseHeaders: null,
    responseBody: Buffer.alloc(0),
    chunkTimings: [],
    firstByteMs: null,
    failure: null,
  }
  const send = options.url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    let settled = false
    const finish = async () => {
      if (settled) return
      settled = true
      await options.beforeEnd(exchange)
      if (!isClosed(response) && !response.writableEnded) {
        await new Promise<void>((done) => response.end(done))
      }
      resolve(exchange)
    }
    const upstream = send(options.url, { method: 'POST', headers: outgoing }, (reply) => {
      receive(reply)
    })
    const receive = (reply: IncomingMessage) => {
      exchange.status = reply.statusCode ?? 502
      exchange.responseHeaders = recordableHeaders(reply.headers)
      const passed: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(reply.headers)) {
        if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) passed[name] = value
      }
      response.writeHead(exchange.status, passed)
      response.flushHeaders()
      const chunks: Buffer[] = []
      reply.on('data', (chunk: Buffer) => {
        const at = performance.now() - started
        exchange.firstByteMs ??= at
        exchange.chunkTimings.push([Math.round(at * 1000) / 1000, chunk.length])
        chunks.push(chunk)
        if (!isClosed(response)) response.write(chunk)
      })
      reply.on('end', () => {
        exchange.responseBody = Buffer.concat(chunks)
        void finish()
      })
      // When the upstream drops the connection mid-response, the agent's connection is cut too.
      reply.on('error', () => undefined)
      reply.on('close', () => {
        if (reply.complete || settled) return
        exchange.responseBody = Buffer.concat(chunks)
        exchange.failure = {
          type: 'upstream_closed',
          message: `The upstream ${options.url.origin} closed the connection before the response was complete.`,
        }
        void finish().then(() => response.destroy())
      })
    }
    upstream.on('error', (error) => {
      if (settled || exchange.status !== null) return
      exchange.failure = {
        type: 'upstream_unreachable',
        message: `Loupe could not reach the upstream ${options.url.origin}: ${error.message}.`,
      }
      void options.beforeEnd(exchange).then(() => {
        settled = true
        if (!response.headersSent) options.sendUnreachable(exchange.failure!.message)
        resolve(exchange)
      })
    })
    // When the agent closes its connection, the upstream call stops too, so no more tokens are spent.
    response.on('close', () => {
      if (settled || response.writableFinished) return
      exchange.failure = {
        type: 'client_closed',
        message: `The client closed the connection after ${Math.round(performance.now() - started)} ms, before the answer was complete.`,
      }
      upstream.destroy()
      void finish()
    })
    upstream.end(options.body)
  })
}

/** The base URL and key a run was started with for one provider; each one left out comes from the environment. */
export interface UpstreamRequest {
  baseUrl?: string
  apiKey?: string
}

/** An upstream setting that cannot work, found when a record run starts. */
export class UpstreamConfigError extends Error {
  override name = 'UpstreamConfigError'
}

const ENV_NAMES = {
  openai: { baseUrl: 'OPENAI_BASE_URL', apiKey: 'OPENAI_API_KEY' },
  anthropic: { baseUrl: 'ANTHROPIC_BASE_URL', apiKey: 'ANTHROPIC_API_KEY' },
} as const

/**
 * Resolves where a record run's calls go: the base URL and key given at run
 * start, else the core's environment, else the provider's own URL. A
 * provider with neither a key nor a base URL of its own is left out, so its
 * calls get a clear error. A base URL that points back at this gateway is
 * rejected, since its calls would loop.
 */
export function resolveUpstreams(
  requested: Partial<Record<'openai' | 'anthropic', UpstreamRequest>>,
  env: NodeJS.ProcessEnv,
  gatewayOrigin: string | null,
): Upstreams {
  const upstreams: Upstreams = {}
  for (const provider of ['openai', 'anthropic'] as const) {
    const names = ENV_NAMES[provider]
    const apiKey = requested[provider]?.apiKey ?? env[names.apiKey] ?? ''
    const ownBaseUrl = requested[provider]?.baseUrl ?? env[names.baseUrl]
    if (apiKey === '' && !ownBaseUrl) continue
    const baseUrl = ownBaseUrl ?? DEFAULT_BASE_URLS[provider]
    let url: URL
    try {
      url = new URL(baseUrl)
    } catch {
      throw new UpstreamConfigError(
        `${names.baseUrl} ${JSON.stringify(baseUrl)} is not a URL: set it to the provider's base URL, such as ${DEFAULT_BASE_URLS[provider]}.`,
      )
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UpstreamConfigError(
        `${names.baseUrl} ${JSON.stringify(baseUrl)} must be an http or https URL.`,
      )
    }
    if (gatewayOrigin !== null && sameOrigin(url, gatewayOrigin)) {
      throw new UpstreamConfigError(
        `${names.baseUrl} ${JSON.stringify(baseUrl)} points at this Loupe's own gateway, so recorded calls would loop: ` +
          `unset it, or set it to the provider's base URL (${DEFAULT_BASE_URLS[provider]}).`,
      )
    }
    upstreams[provider] = { baseUrl, apiKey }
  }
  return upstreams
}

function sameOrigin(url: URL, origin: string): boolean {
  const own = new URL(origin)
  const loopback = (host: string) => ['127.0.0.1', 'localhost', '[::1]', '0.0.0.0'].includes(host)
  const hostsMatch =
    url.hostname === own.hostname || (loopback(url.hostname) && loopback(own.hostname))
  return hostsMatch && (url.port || defaultPort(url)) === (own.port || defaultPort(own))
}

function defaultPort(url: URL): string {
  return url.protocol === 'https:' ? '443' : '80'
}
