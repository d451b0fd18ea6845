// OTLP/HTTP receiver: POST /v1/traces, /v1/logs and /v1/metrics with
// protobuf or JSON bodies, optionally gzip- or deflate-compressed, and the
// GET /v1/info probe that the Logfire SDK makes at start-up. Status codes and
// bodies follow the OTLP/HTTP specification: 200 with partial success for
// partly invalid batches, 400 with a google.rpc.Status for undecodable
// bodies, 413 past the size cap (checked again after decompression), 415 for
// other content types and encodings, 503 with Retry-After when overloaded or
// when the store cannot take the batch (full disk, locked, damaged).
// Overloaded covers a full write queue and request bodies past the budget
// of bytes held at once by requests still being read, decoded or stored
// (a budget shared with the OTLP/gRPC receiver).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { Logger } from 'pino'
import type { ReceivedExport } from '../forward/forwarder'
import type { Ingestor } from '../ingest'
import { StoreWriteError } from '../store/failures'
import { OverloadedError } from '../store/writer'
import { InFlightBudget, mebibytes } from './in-flight-budget'
import { OtlpDecodeError } from './model'
import { exportResponse, GrpcCode, statusBody, type BodyEncoding, type Signal } from './responses'

const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)
const inflateRaw = promisify(zlib.inflateRaw)

export interface OtlpHttpOptions {
  ingestor: Ingestor
  log: Logger
  /** Largest request body, before and after decompression, in bytes. */
  maxBodyBytes: number
  /**
   * Budget of body bytes (as received plus decompressed) held at once by
   * requests not yet responded to, shared with the OTLP/gRPC receiver. Past
   * it, new requests get 503 with Retry-After. A request is always admitted
   * when no other request or call is in flight.
   */
  inFlightBudget: InFlightBudget
  /** Returns the URL of Loupe's UI, shown by the Logfire SDK as the project URL. */
  uiUrl: () => string
  /** Returns false for requests whose Host header is not one Loupe serves. */
  isAllowedHost: (host: string | undefined) => boolean
  /**
   * The model gateway, which shares this port. It returns true when the path
   * is a gateway path, after taking over the response.
   */
  gateway?: (request: IncomingMessage, response: ServerResponse) => boolean
  /** Called with each request's body as received (still compressed) once it is stored. */
  onStored?: (request: ReceivedExport) => void
}

const SIGNAL_PATHS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
}

/** Origins a browser exporter runs on during local development. */
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export function createOtlpHttpHandler(options: OtlpHttpOptions) {
  const budget = options.inFlightBudget
  return (request: IncomingMessage, response: ServerResponse): void => {
    handle(options, budget, request, response).catch((error: unknown) => {
      options.log.error({ err: error }, 'OTLP/HTTP handler failed')
      if (!response.headersSent) sendText(response, 500, 'internal error')
      else response.destroy()
    })
  }
}

async function handle(
  options: OtlpHttpOptions,
  budget: InFlightBudget,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!options.isAllowedHost(request.headers.host)) {
    sendText(response, 421, `Host ${JSON.stringify(request.headers.host ?? '')} is not served here`)
    return
  }
  const url = new URL(request.url ?? '/', 'http://loupe.invalid')
  const origin = request.headers.origin
  if (origin && LOOPBACK_ORIGIN.test(origin)) {
    response.setHeader('Access-Control-Allow-Origin', origin)
    response.setHeader('Vary', 'Origin')
  }
  if (options.gateway?.(request, response)) return
  if (request.method === 'OPTIONS') {
    response.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS')
    response.setHeader(
      'Access-Control-Allow-Headers',
      'Content-Type, Content-Encoding, Authorization',
    )
    response.setHeader('Access-Control-Max-Age', '600')
    response.writeHead(204).end()
    return
  }
  if (url.pathname === '/v1/info' && request.method === 'GET') {
    sendJson(response, 200, { project_name: 'loupe', project_url: options.uiUrl() })
    return
  }
  const signal = SIGNAL_PATHS[url.pathname]
  if (!signal) {
    sendText(
      response,
      404,
      `no OTLP endpoint at ${url.pathname}; use POST /v1/traces, /v1/logs or /v1/metrics`,
    )
    return
  }
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST')
    sendText(response, 405, `${url.pathname} accepts POST only`)
    return
  }
  await receiveExport(options, budget, signal, request, response)
}

async function receiveExport(
  options: OtlpHttpOptions,
  budget: InFlightBudget,
  signal: Signal,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const encoding = bodyEncoding(request.headers['content-type'])
  if (!encoding) {
    request.resume()
    sendText(
      response,
      415,
      `unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; ` +
        'send application/x-protobuf or application/json',
    )
    return
  }
  // Bytes this request takes from the budget, released once it is responded to.
  let held = 0
  const take = (bytes: number): boolean => {
    if (!budget.tryTake(bytes, held)) return false
    held += bytes
    return true
  }
  try {
    await readAndStore(options, signal, encoding, take, budget, request, response)
  } finally {
    budget.release(held)
  }
}

async function readAndStore(
  options: OtlpHttpOptions,
  signal: Signal,
  encoding: BodyEncoding,
  take: (bytes: number) => boolean,
  budget: InFlightBudget,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  let raw: Buffer
  let body: Buffer
  try {
    raw = await readBody(request, options.maxBodyBytes, take, budget)
    body = await decompress(raw, request.headers['content-encoding'], options.maxBodyBytes)
    if (body !== raw && !take(body.length)) throw overBudget(budget)
  } catch (error) {
    if (error instanceof HttpError) {
      // A rejection for load means nothing is wrong with the request, so like a
      // full write queue it is not recorded as an ingest problem.
      if (error.status === 503) response.setHeader('Retry-After', '1')
      else options.ingestor.reportRejectedRequest(signal, 'http', error.message)
      sendStatus(response, encoding, error.status, error.message)
      return
    }
    throw error
  }
  try {
    const outcome = await options.ingestor.ingest(signal, encoding, body, 'http')
    send(response, 200, encoding, exportResponse(signal, encoding, outcome.partial))
    options.onStored?.({
      signal,
      body: raw,
      contentType: request.headers['content-type']!,
      contentEncoding: request.headers['content-encoding'] ?? null,
    })
  } catch (error) {
    if (error instanceof OtlpDecodeError) {
      sendStatus(
        response,
        encoding,
        400,
        error.message.startsWith('invalid')
          ? error.message
          : `invalid OTLP ${encodingName(encoding)}: ${error.message}`,
      )
    } else if (error instanceof OverloadedError) {
      response.setHeader('Retry-After', '1')
      sendStatus(response, encoding, 503, error.message)
    } else if (error instanceof StoreWriteError) {
      // The writer has logged the failure; the client keeps the batch and retries later.
      options.log.debug({ signal, kind: error.kind }, 'an OTLP request was not stored')
      response.setHeader('Retry-After', String(error.retryAfterSeconds))
      const code = error.kind === 'full' ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.UNAVAILABLE
      sendStatus(response, encoding, 503, error.message, code)
    } else {
      // A store failure: the client keeps the batch and retries later.
      options.log.error({ err: error, signal }, 'storing an OTLP request failed')
      response.setHeader('Retry-After', '5')
      sendStatus(response, encoding, 503, `storing failed: ${(error as Error).message}`)
    }
  }
}

/** Map a Content-Type header to a body encoding, ignoring parameters such as charset. */
export function bodyEncoding(contentType: string | undefined): BodyEncoding | null {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf')
    return 'protobuf'
  if (mediaType === 'application/json') return 'json'
  return null
}

function encodingName(encoding: BodyEncoding): string {
  return encoding === 'json' ? 'JSON' : 'protobuf'
}

/**
 * Reads the body, taking its bytes from the in-flight budget: the declared
 * Content-Length up front, or each chunk as it arrives for a chunked body.
 */
function readBody(
  request: IncomingMessage,
  maxBytes: number,
  take: (bytes: number) => boolean,
  budget: InFlightBudget,
): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  const hasLength = request.headers['content-length'] !== undefined && Number.isFinite(declared)
  if (hasLength && declared > maxBytes) {
    request.resume()
    return Promise.reject(tooLarge(maxBytes, 'before decompression'))
  }
  if (hasLength && !take(declared)) {
    request.resume()
    return Promise.reject(overBudget(budget))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stopReading = (error: HttpError): void => {
      request.removeAllListeners('data')
      request.resume()
      reject(error)
    }
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        stopReading(tooLarge(maxBytes, 'before decompression'))
        return
      }
      // A body longer than its Content-Length is cut by Node's parser, so
      // only chunked bodies take their bytes here.
      if (!hasLength && !take(chunk.length)) {
        stopReading(overBudget(budget))
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks, size)))
    request.on('error', reject)
  })
}

async function decompress(
  raw: Buffer,
  header: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const contentEncoding = (header ?? '').trim().toLowerCase()
  const limits = { maxOutputLength: maxBytes }
  try {
    switch (contentEncoding) {
      case '':
      case 'identity':
        return raw
      case 'gzip':
      case 'x-gzip':
        return await gunzip(raw, limits)
      case 'deflate':
        // HTTP's "deflate" is zlib-wrapped; some clients send raw deflate.
        return await inflate(raw, limits).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ERR_BUFFER_TOO_LARGE') throw error
          return inflateRaw(raw, limits)
        })
      default:
        throw new HttpError(
          415,
          `unsupported Content-Encoding ${JSON.stringify(header)}; send gzip, deflate or identity`,
        )
    }
  } catch (error) {
    if (error instanceof HttpError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw tooLarge(maxBytes, 'after decompression')
    }
    throw new HttpError(
      400,
      `the body is not valid ${contentEncoding} data (Content-Encoding: ${header}): ${(error as Error).message}`,
    )
  }
}

function tooLarge(maxBytes: number, when: string): HttpError {
  return new HttpError(
    413,
    `request body exceeds ${maxBytes} bytes ${when}; send smaller batches ` +
      '(for example lower the exporter batch size) or raise the limit with --max-body-mb',
  )
}

function overBudget(budget: InFlightBudget): HttpError {
  return new HttpError(
    503,
    `Loupe is busy: the request bodies in flight (${mebibytes(budget.held)} MiB) and this one ` +
      `exceed the limit of ${mebibytes(budget.maxBytes)} MiB held at once; ` +
      'retry after the Retry-After delay, or send smaller batches or fewer at once',
  )
}

const HTTP_TO_GRPC: Record<number, number> = {
  400: GrpcCode.INVALID_ARGUMENT,
  413: GrpcCode.RESOURCE_EXHAUSTED,
  415: GrpcCode.INVALID_ARGUMENT,
  503: GrpcCode.UNAVAILABLE,
}

function sendStatus(
  response: ServerResponse,
  encoding: BodyEncoding,
  status: number,
  message: string,
  code = HTTP_TO_GRPC[status] ?? GrpcCode.INTERNAL,
): void {
  send(response, status, encoding, statusBody(encoding, code, message))
}

function send(
  response: ServerResponse,
  status: number,
  encoding: BodyEncoding,
  body: Buffer,
): void {
  response.writeHead(status, {
    'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    'Content-Length': body.length,
  })
  response.end(body)
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value))
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length })
  response.end(body)
}

function sendText(response: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(`${message}\n`)
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
  })
  response.end(body)
}
