// HTTP plumbing shared by the gateway's provider APIs: reading the body,
// sending JSON and server-sent events, and reading the API key and the
// W3C trace context from the headers.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JsonValue } from '../../shared/api'

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError'
}

/** Bodies already read, so that a second reader of the same request gets the same bytes. */
const bodies = new WeakMap<IncomingMessage, Promise<Buffer>>()

/** Reads the whole request body, up to `maxBytes`; reading the same request again returns the same body. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const known = bodies.get(request)
  if (known) return known
  const reading = readOnce(request, maxBytes)
  bodies.set(request, reading)
  return reading
}

function readOnce(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume()
    return Promise.reject(new BodyTooLargeError(`request body exceeds ${maxBytes} bytes`))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        request.removeAllListeners('data')
        request.resume()
        reject(new BodyTooLargeError(`request body exceeds ${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks, size)))
    request.on('error', reject)
  })
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: JsonValue,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body))
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': bytes.length,
  })
  response.end(bytes)
}

/** Sends text as a JSON response without checking that it is JSON (the malformed_json fault). */
export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(text)
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': bytes.length,
  })
  response.end(bytes)
}

/** One server-sent event: `event` is the optional event name line. */
export interface SseEvent {
  event?: string
  data: string
}

export interface EventStreamOptions {
  /** Milliseconds to wait between events. */
  delayMs?: number
  /** Close the connection after the last event instead of ending the response: a stream cut short. */
  cut?: boolean
}

/**
 * Sends events as a text/event-stream response, waiting for the socket to
 * drain when its buffer fills, and awaits `beforeEnd` before ending it.
 * When the client disconnects, the remaining events are dropped, but
 * `beforeEnd` still runs.
 */
export async function sendEventStream(
  response: ServerResponse,
  events: SseEvent[],
  headers: Record<string, string>,
  beforeEnd: () => Promise<void>,
  options: EventStreamOptions = {},
): Promise<void> {
  response.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  })
  for (const [index, event] of events.entries()) {
    if (index > 0 && options.delayMs) await waitUnlessClosed(response, options.delayMs)
    if (isClosed(response)) break
    const text = `${event.event ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`
    if (!response.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off('drain', done)
          response.off('close', done)
          resolve()
        }
        response.on('drain', done)
        response.on('close', done)
      })
    }
  }
  await beforeEnd()
  if (isClosed(response)) return
  if (options.cut) {
    // Let the written events reach the client before the connection drops.
    await new Promise<void>((resolve) => response.write('', () => resolve()))
    response.destroy()
    return
  }
  await new Promise<void>((resolve) => response.end(resolve))
}

/**
 * Waits `ms` milliseconds, or less when the client closes the connection
 * first. Resolves true when the client closed it.
 */
export function waitUnlessClosed(response: ServerResponse, ms: number): Promise<boolean> {
  if (response.writableEnded) return Promise.resolve(false)
  if (isClosed(response)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      response.off('close', onClose)
      resolve(false)
    }, ms)
    response.once('close', onClose)
  })
}

/** Whether the client's connection is gone before the response has ended. */
export function isClosed(response: ServerResponse): boolean {
  return response.destroyed || !response.socket || response.socket.destroyed
}

/** Returns the first value of a header. */
export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Returns the token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(request: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(request, 'authorization') ?? '')
  return match ? match[1]! : null
}

export interface TraceParent {
  traceId: string
  spanId: string
  traceState: string
}

/**
 * Reads the W3C `traceparent` header (version 00 or a later version, whose
 * first four fields keep the same layout). Returns null for a missing or
 * invalid header, or for all-zero ids.
 */
export function parseTraceparent(request: IncomingMessage): TraceParent | null {
  const header = headerValue(request, 'traceparent')?.trim().toLowerCase() ?? ''
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(header)
  if (!match) return null
  const [, version, traceId, spanId, , rest] = match
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return null
  return {
    traceId: traceId!,
    spanId: spanId!,
    traceState: headerValue(request, 'tracestate') ?? '',
  }
}

/** True when the Content-Type header names JSON (`application/json`, with or without parameters). */
export function isJsonContentType(request: IncomingMessage): boolean {
  const mediaType = (headerValue(request, 'content-type') ?? '').split(';', 1)[0]!.trim()
  return mediaType.toLowerCase() === 'application/json'
}
