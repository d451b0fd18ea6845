// The model gateway's HTTP entry: routes /gateway/openai/v1/* and
// /gateway/anthropic/v1/* to the provider API modules, finds the run a call
// belongs to from its API key, replies with the mock (automatic or scripted)
// or forwards a record run's call to its provider, and stores one span per
// model call. It shares the OTLP/HTTP port, whose handler calls it first.
// Only calls that carry a record run's key go to another host.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { JsonValue } from '../../shared/api'
import { automaticResponder, type Responder } from './answer'
import {
  anthropicFamily,
  anthropicModels,
  countTokens,
  handleMessages,
  readMessagesCall,
} from './anthropic-messages'
import {
  BodyTooLargeError,
  bearerToken,
  headerValue,
  isClosed,
  isJsonContentType,
  parseTraceparent,
  readBody,
  sendEventStream,
  sendJson,
  sendText,
  waitUnlessClosed,
} from './http'
import type { ModelCall } from './conversation'
import { forwardedErrorMessage, forwardedOutput } from './forwarded-output'
import { handleChatCompletions, readChatCall } from './openai-chat'
import { forward, upstreamUrl, type ForwardedExchange } from './upstream'
import { openaiFamily, openaiModels } from './openai-common'
import { ResponsesApi } from './openai-responses'
import {
  errorResult,
  type ApiContext,
  type ApiResult,
  type GatewayErrorKind,
  type ProviderFamily,
} from './provider-api'
import { uniqueId } from './random'
import { MAX_HANG_MS } from './scenario'
import {
  callSpan,
  newTraceId,
  nowUnixNano,
  pickHeaders,
  RECORDED_REQUEST_HEADERS,
  RECORDED_RESPONSE_HEADERS,
  type CallRecord,
  type GatewayApi,
  type SpanParent,
} from './telemetry'
import type { GatewayContext, GatewayRun } from './types'

export interface GatewayOptions {
  /** Largest request body in bytes. */
  maxBodyBytes?: number
  /** Responder for calls whose key belongs to no run (`loupe mock SCENARIO`); the automatic mock by default. */
  respondOutsideRuns?: Responder
}

/** A model-call endpoint: its mock handler, and its reader of forwarded requests for their spans. */
interface ModelCallRoute {
  api: GatewayApi
  handle: ModelCallHandler
  read: (body: JsonValue) => ModelCall | null
}

/** Returns the path after the provider's `/v1`, such as `/chat/completions`. */
function routePath(url: URL): string {
  return url.pathname.replace(/^\/gateway\/(openai|anthropic)\/v1/, '').replace(/\/$/, '')
}

/** Replaces each secret in a recorded body with a marker. */
function withoutSecrets(body: Buffer, secrets: string[]): Buffer {
  let result = body
  for (const secret of secrets) {
    if (!result.includes(secret)) continue
    result = Buffer.from(result.toString('utf8').split(secret).join('[REDACTED:api-key]'))
  }
  return result
}

/** Reason a response did not reach the client whole, as the call's span records it. */
interface DeliveryFailure {
  type: string
  message: string
}

/** Cuts text in half, so that JSON text is no longer valid. */
function cutInHalf(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)))
}

/** 32 MiB, the request size limit of the OpenAI and Anthropic APIs. */
export const DEFAULT_GATEWAY_MAX_BODY_BYTES = 32 * 1024 * 1024

export const GATEWAY_PREFIX = '/gateway'

type ModelCallHandler = (body: JsonValue, context: ApiContext) => ApiResult

interface Route {
  family: ProviderFamily
  /** The path after the provider's base URL, such as `/chat/completions`. */
  path: string
}

function matchRoute(pathname: string): Route | null {
  const path = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname
  const match = /^\/gateway\/(openai|anthropic)\/v1(\/.*)?$/.exec(path)
  if (!match) return null
  return { family: match[1] === 'openai' ? openaiFamily : anthropicFamily, path: match[2] ?? '' }
}

function requestIdHeader(family: ProviderFamily): string {
  return family.provider === 'openai' ? 'x-request-id' : 'request-id'
}

function sendError(
  response: ServerResponse,
  family: ProviderFamily,
  kind: GatewayErrorKind,
  message: string,
): void {
  const error = family.error(kind, message)
  sendJson(response, error.status, error.body, {
    [requestIdHeader(family)]: uniqueId('req_'),
    ...error.headers,
  })
}

function answerPreflight(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
  // Provider SDKs send their own headers (x-api-key, anthropic-version, x-stainless-*), so the
  // requested ones are allowed. The OTLP handler sets Allow-Origin only for loopback origins.
  const requested = headerValue(request, 'access-control-request-headers')
  response.setHeader('Access-Control-Allow-Headers', requested ?? 'Content-Type, Authorization')
  response.setHeader('Access-Control-Max-Age', '600')
  response.writeHead(204).end()
}

/**
 * Creates the gateway's request handler. It returns true when the request's
 * path is a gateway path, after taking over the response, and false for any
 * other path.
 */
export function createGatewayHandler(
  context: GatewayContext,
  log: Logger,
  options: GatewayOptions = {},
): (request: IncomingMessage, response: ServerResponse) => boolean {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY_BYTES
  const responses = new ResponsesApi()
  const modelCalls: Record<string, ModelCallRoute | undefined> = {
    'openai /chat/completions': {
      api: 'openai.chat_completions',
      handle: handleChatCompletions,
      read: readChatCall,
    },
    'openai /responses': {
      api: 'openai.responses',
      handle: (body, apiContext) => responses.handle(body, apiContext),
      read: (body) => responses.readForwardedCall(body),
    },
    'anthropic /messages': {
      api: 'anthropic.messages',
      handle: handleMessages,
      read: readMessagesCall,
    },
  }

  const serve = async (request: IncomingMessage, response: ServerResponse, route: Route) => {
    const url = new URL(request.url ?? '/', 'http://loupe.invalid')
    const { family, path } = route
    if (request.method === 'OPTIONS') {
      answerPreflight(request, response)
      return
    }
    const modelCall = modelCalls[`${family.provider} ${path}`]
    if (modelCall && request.method === 'POST') {
      const key = family.readKey(request.headers, bearerToken(request))
      const run = key ? context.runByKey(key) : null
      if (!run && key && context.recordRunLive?.()) {
        // The mock would reply, and the record run would quietly record nothing.
        request.resume()
        const variable = family.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'
        const message =
          `This API key belongs to no Loupe run, and a record run is live: its agent must send the ${variable} ` +
          'that `loupe run --record` sets (code that sets its own key, such as load_dotenv(override=True), replaces it). ' +
          'Loupe rejects such calls instead of answering them with the mock, so that nothing goes unrecorded.'
        log.warn(
          { provider: family.provider },
          'call with an unknown key while a record run is live',
        )
        const error = family.statusError(401, message, null)
        sendJson(response, error.status, error.body, error.headers)
        return
      }
      // Only a live run's own key can spend the user's provider key.
      if (
        run &&
        (run.mode === 'record' || run.mode === 'live' || (await goesLive(request, run, modelCall)))
      ) {
        await serveForwarded(request, response, family, modelCall, run, url)
      } else {
        await serveModelCall(
          request,
          response,
          family,
          modelCall.api,
          modelCall.handle,
          url.pathname,
        )
      }
      return
    }
    const modelsMatch = /^\/models(?:\/([^/]+))?$/.exec(path)
    if (modelsMatch && request.method === 'GET') {
      if (!family.readKey(request.headers, bearerToken(request))) {
        sendError(response, family, 'missing_key', missingKeyMessage(family))
        return
      }
      const id = modelsMatch[1] === undefined ? null : decodePathSegment(modelsMatch[1])
      const answer =
        family.provider === 'openai'
          ? { ...openaiModels(id), headers: {} }
          : anthropicModels(id, url.searchParams)
      sendJson(response, answer.status, answer.body, answer.headers)
      return
    }
    if (
      family.provider === 'anthropic' &&
      path === '/messages/count_tokens' &&
      request.method === 'POST'
    ) {
      await serveTokenCount(request, response)
      return
    }
    request.resume()
    sendError(
      response,
      family,
      'not_found',
      `Invalid URL (${request.method} ${url.pathname}): the Loupe gateway serves ` +
        (family.provider === 'openai'
          ? 'POST /chat/completions, POST /responses and GET /models'
          : 'POST /messages, POST /messages/count_tokens and GET /models'),
    )
  }

  /** Reads the call of a replay run that may go live, and returns whether the run sends it to the provider. */
  const goesLive = async (
    request: IncomingMessage,
    run: GatewayRun,
    route: ModelCallRoute,
  ): Promise<boolean> => {
    if (!run.goesLive) return false
    let body: JsonValue = null
    try {
      // readBody keeps the body, so the handler that answers the call reads it again.
      body = JSON.parse((await readBody(request, maxBodyBytes)).toString('utf8')) as JsonValue
    } catch {
      // A body that is too large or not JSON is answered with the mock's error.
    }
    return run.goesLive(route.read(body))
  }

  /** Reads a JSON request body, or returns the kind and message of the error to send. */
  const readJson = async (
    request: IncomingMessage,
    family: ProviderFamily,
  ): Promise<{ body: JsonValue } | { error: GatewayErrorKind; message: string }> => {
    if (!isJsonContentType(request)) {
      request.resume()
      const contentType = headerValue(request, 'content-type') ?? ''
      return {
        error: 'unsupported_media_type',
        message: `Invalid Content-Type header ${JSON.stringify(contentType)}: send the request body as application/json.`,
      }
    }
    let raw: Buffer
    try {
      raw = await readBody(request, maxBodyBytes)
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return { error: 'too_large', message: `Request body exceeds ${maxBodyBytes} bytes.` }
      }
      throw error
    }
    try {
      return { body: JSON.parse(raw.toString('utf8')) as JsonValue }
    } catch (error) {
      return {
        error: 'invalid_json',
        message:
          `The request body is not valid JSON (${(error as Error).message}). ` +
          `send a JSON object as the ${family.provider === 'openai' ? 'OpenAI' : 'Anthropic'} API expects.`,
      }
    }
  }

  const serveTokenCount = async (request: IncomingMessage, response: ServerResponse) => {
    if (!anthropicFamily.readKey(request.headers, bearerToken(request))) {
      sendError(response, anthropicFamily, 'missing_key', missingKeyMessage(anthropicFamily))
      return
    }
    const read = await readJson(request, anthropicFamily)
    if ('error' in read) {
      sendError(response, anthropicFamily, read.error, read.message)
      return
    }
    const answer = countTokens(read.body, {
      seed: 0,
      headers: request.headers,
      respond: automaticResponder,
    })
    sendJson(response, answer.status, answer.body, answer.headers)
  }

  const serveModelCall = async (
    request: IncomingMessage,
    response: ServerResponse,
    family: ProviderFamily,
    api: GatewayApi,
    handle: ModelCallHandler,
    path: string,
  ) => {
    const startNs = nowUnixNano()
    const key = family.readKey(request.headers, bearerToken(request))
    const run = key ? context.runByKey(key) : null
    const result = await answerModelCall(request, family, key, run, handle)
    const { delivery } = result
    /** Set when the answer did not reach the client whole: a fault, or the client leaving. */
    let failure: DeliveryFailure | null = null
    const elapsedMs = () => Math.round(Number(nowUnixNano() - startNs) / 1e6)
    const clientLeft = (): DeliveryFailure => ({
      type: 'client_closed',
      message: `The client closed the connection after ${elapsedMs()} ms, before the answer was complete.`,
    })
    // The span is stored before the response ends, so a client that has read
    // the whole response finds the call in Loupe.
    const storeSpan = async () => {
      if (!failure && isClosed(response)) failure = clientLeft()
      const record: CallRecord = {
        api,
        provider: family.provider,
        mode: run?.mode === 'replay' ? 'replay' : 'mock',
        runId: run?.id ?? null,
        method: request.method ?? 'POST',
        path,
        requestModel: result.requestModel,
        call: result.call,
        output: failure ? null : result.output,
        status: result.status,
        errorType: failure?.type ?? result.errorType,
        errorMessage: failure?.message ?? result.errorMessage,
        failed: failure !== null,
        scenario: delivery.scenario,
        upstream: null,
        replayed: delivery.replayed ?? null,
        requestHeaders: pickHeaders(request.headers, RECORDED_REQUEST_HEADERS),
        responseHeaders: pickHeaders(result.headers, RECORDED_RESPONSE_HEADERS),
        startNs,
        endNs: nowUnixNano(),
      }
      try {
        await context.writeSpans(callSpan(record, spanParent(request, run)))
      } catch (error) {
        log.error({ err: error, api, runId: run?.id ?? null }, 'storing a gateway span failed')
      }
    }
    const headers = { [requestIdHeader(family)]: uniqueId('req_'), ...result.headers }
    const logAnswer = () => {
      const level = result.status >= 400 || failure ? 'info' : 'debug'
      log[level](
        {
          api,
          runId: run?.id ?? null,
          model: result.requestModel,
          status: result.status,
          error: failure?.message ?? result.errorMessage,
          scenario: delivery.scenario,
        },
        'gateway call answered',
      )
    }

    if (delivery.latencyMs > 0 && (await waitUnlessClosed(response, delivery.latencyMs))) {
      failure = clientLeft()
      await storeSpan()
      logAnswer()
      return
    }
    if (delivery.fault === 'hang') {
      const closed = await waitUnlessClosed(response, MAX_HANG_MS)
      failure = {
        type: 'loupe.fault.hang',
        message: closed
          ? `No answer: the scenario's hang fault held the connection until the client closed it after ${elapsedMs()} ms.`
          : `No answer: the scenario's hang fault held the connection for ${MAX_HANG_MS / 60_000} minutes, then closed it.`,
      }
      await storeSpan()
      if (!closed) response.destroy()
      logAnswer()
      return
    }
    if (delivery.fault === 'malformed_json' || delivery.fault === 'cut_stream') {
      failure = {
        type: `loupe.fault.${delivery.fault}`,
        message:
          delivery.fault === 'malformed_json'
            ? "The scenario's malformed_json fault sent a body cut off in the middle of its JSON."
            : "The scenario's cut_stream fault closed the connection half-way through the answer.",
      }
    }
    if (result.events) {
      let events = result.events
      const half = Math.max(1, Math.floor(events.length / 2))
      if (delivery.fault === 'cut_stream') events = events.slice(0, half)
      if (delivery.fault === 'malformed_json') {
        const broken = events[half]!
        events = [...events.slice(0, half), { ...broken, data: cutInHalf(broken.data) }]
      }
      await sendEventStream(response, events, headers, storeSpan, {
        delayMs: delivery.chunkDelayMs,
        cut: delivery.fault === 'cut_stream',
      })
    } else {
      await storeSpan()
      const text = JSON.stringify(result.body)
      if (delivery.fault === 'malformed_json') {
        sendText(response, result.status, cutInHalf(text), headers)
      } else if (delivery.fault === 'cut_stream') {
        // The headers promise the whole body; half of it arrives before the connection drops.
        response.writeHead(result.status, {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
        })
        response.write(cutInHalf(text), () => response.destroy())
      } else {
        sendJson(response, result.status, result.body, headers)
      }
    }
    logAnswer()
  }

  const serveForwarded = async (
    request: IncomingMessage,
    response: ServerResponse,
    family: ProviderFamily,
    route: ModelCallRoute,
    run: GatewayRun,
    url: URL,
  ) => {
    const startNs = nowUnixNano()
    const startedUnixMs = Date.now()
    const upstream = run.upstreams[family.provider]
    const providerName = family.provider === 'openai' ? 'OpenAI' : 'Anthropic'
    if (!upstream) {
      request.resume()
      const variable = family.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'
      const message =
        `Run ${run.id} sends model calls to the real provider, but Loupe has no ${providerName} key: ` +
        `set ${variable} in the environment of \`loupe run\` or \`loupe serve\`.`
      log.warn({ runId: run.id, provider: family.provider }, 'record call without a provider key')
      const error = family.statusError(401, message, null)
      sendJson(response, error.status, error.body, error.headers)
      return
    }
    let body: Buffer
    try {
      body = await readBody(request, maxBodyBytes)
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error
      sendError(response, family, 'too_large', `Request body exceeds ${maxBodyBytes} bytes.`)
      return
    }
    let parsed: JsonValue = null
    try {
      parsed = JSON.parse(body.toString('utf8')) as JsonValue
    } catch {
      // The upstream judges the body and answers with its own error.
    }
    const call = route.read(parsed)
    const secrets = [upstream.apiKey, run.key].filter((secret) => secret.length >= 8)
    const target = upstreamUrl(family.provider, upstream.baseUrl, `${routePath(url)}${url.search}`)

    const record = async (exchange: ForwardedExchange) => {
      const status = exchange.status ?? 502
      const contentType = exchange.responseHeaders?.['content-type'] ?? ''
      const providerError = status >= 400 ? forwardedErrorMessage(exchange.responseBody) : null
      const callRecord: CallRecord = {
        api: route.api,
        provider: family.provider,
        mode: run.mode,
        runId: run.id,
        method: 'POST',
        path: url.pathname,
        requestModel: call?.model ?? null,
        call,
        output: exchange.failure
          ? null
          : forwardedOutput(route.api, status, exchange.responseBody, contentType),
        status,
        errorType: exchange.failure?.type ?? providerError?.type ?? null,
        errorMessage: exchange.failure?.message ?? providerError?.message ?? null,
        failed: exchange.failure !== null,
        scenario: null,
        upstream: target.origin,
        requestHeaders: pickHeaders(request.headers, RECORDED_REQUEST_HEADERS),
        responseHeaders: pickHeaders(exchange.responseHeaders, RECORDED_RESPONSE_HEADERS),
        startNs,
        endNs: nowUnixNano(),
      }
      const traces = callSpan(callRecord, spanParent(request, run))
      const span = traces.groups[0]!.spans[0]!
      try {
        context.storeExchange({
          runId: run.id,
          traceId: span.traceId,
          spanId: span.spanId,
          mode: run.mode,
          provider: family.provider,
          api: route.api,
          method: 'POST',
          path: url.pathname,
          upstreamUrl: exchange.url,
          requestHeaders: exchange.requestHeaders,
          requestBody: withoutSecrets(body, secrets),
          status: exchange.status,
          responseHeaders: exchange.responseHeaders,
          responseBody: withoutSecrets(exchange.responseBody, secrets),
          chunkTimings: exchange.chunkTimings,
          startedUnixMs,
          firstByteMs: exchange.firstByteMs,
          durationMs: Number(nowUnixNano() - startNs) / 1e6,
          failure: exchange.failure?.message ?? null,
        })
        await context.writeSpans(traces)
      } catch (error) {
        log.error({ err: error, runId: run.id, api: route.api }, 'storing a recorded call failed')
      }
      log.info(
        { runId: run.id, api: route.api, upstream: target.origin, status: exchange.status },
        'gateway call forwarded',
      )
    }

    await forward(response, {
      provider: family.provider,
      url: target,
      apiKey: upstream.apiKey,
      headers: request.headers,
      body,
      beforeEnd: record,
      sendUnreachable: (message) => {
        const error = family.statusError(502, message, null)
        sendJson(response, error.status, error.body, error.headers)
      },
    })
  }

  const answerModelCall = async (
    request: IncomingMessage,
    family: ProviderFamily,
    key: string | null,
    run: GatewayRun | null,
    handle: ModelCallHandler,
  ): Promise<ApiResult> => {
    const fail = (kind: GatewayErrorKind, message: string) => {
      const error = family.error(kind, message)
      if (kind === 'not_implemented') error.headers['x-should-retry'] = 'false'
      return errorResult(error, message)
    }
    if (!key) {
      request.resume()
      return fail('missing_key', missingKeyMessage(family))
    }
    const read = await readJson(request, family)
    if ('error' in read) return fail(read.error, read.message)
    const respond = run?.respond ?? options.respondOutsideRuns ?? automaticResponder
    return handle(read.body, { seed: run?.seed ?? 0, headers: request.headers, respond })
  }

  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://loupe.invalid')
    if (url.pathname !== GATEWAY_PREFIX && !url.pathname.startsWith(`${GATEWAY_PREFIX}/`)) {
      return false
    }
    const route = matchRoute(url.pathname)
    if (!route) {
      request.resume()
      sendJson(response, 404, {
        error: {
          message: `Invalid URL (${request.method} ${url.pathname}): the Loupe gateway serves /gateway/openai/v1 and /gateway/anthropic/v1.`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      })
      return true
    }
    serve(request, response, route).catch((error: unknown) => {
      log.error({ err: error, path: url.pathname }, 'gateway handler failed')
      if (!response.headersSent) {
        sendError(
          response,
          route.family,
          'internal',
          'The Loupe gateway failed to handle the request; the Loupe log has the error.',
        )
      } else {
        response.destroy()
      }
    })
    return true
  }
}

/** Decodes a percent-encoded path segment, keeping it as sent when it is malformed. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function missingKeyMessage(family: ProviderFamily): string {
  const header =
    family.provider === 'openai' ? 'an Authorization: Bearer header' : 'an x-api-key header'
  return `Missing API key: send one in ${header}. The mock accepts any key, and \`loupe run\` sets the run's key.`
}

/** Returns the span's parent: the caller's traceparent when sent, else the run's root span, else a new trace. */
function spanParent(request: IncomingMessage, run: GatewayRun | null): SpanParent {
  const traceparent = parseTraceparent(request)
  if (traceparent) return traceparent
  if (run) return { traceId: run.traceId, spanId: run.rootSpanId, traceState: '' }
  return { traceId: newTraceId(), spanId: null, traceState: '' }
}
