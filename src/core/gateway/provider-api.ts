// The interface between the router and the provider API modules: what a
// module gets for one call and what it returns, for the router to send and
// to record as a span.

import type { IncomingHttpHeaders } from 'node:http'
import type { JsonValue } from '../../shared/api'
import { IMMEDIATE_DELIVERY, type Delivery, type Responder, type ScriptedError } from './answer'
import type { ModelCall } from './conversation'
import type { SseEvent } from './http'
import type { CallOutput } from './telemetry'

export interface ApiContext {
  /** Seed of the automatic mock: the run's, or 0 for a call outside a run. */
  seed: number
  headers: IncomingHttpHeaders
  /** Responder for the call: the automatic mock, or the run's scenario. */
  respond: Responder
}

/** The reply to one call, and what its span records. */
export interface ApiResult {
  status: number
  /** The JSON body, or null for a streamed response. */
  body: JsonValue | null
  /** The events of a streamed response (status 200), or null. */
  events: SseEvent[] | null
  headers: Record<string, string>
  requestModel: string | null
  call: ModelCall | null
  output: CallOutput | null
  errorType: string | null
  errorMessage: string | null
  /** Delivery of the reply by the router: latency, stream pacing, a deliberate fault. */
  delivery: Delivery
}

/** Errors that the router reports itself, before a provider module reads the request. */
export type GatewayErrorKind =
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'missing_key'
  | 'not_found'
  | 'too_large'
  | 'not_implemented'
  | 'internal'

/** The parts of a provider's API outside its model-call endpoints: the key header and the error shape. */
export interface ProviderFamily {
  provider: 'openai' | 'anthropic'
  /** The API key of a request, or null when it sent none. */
  readKey(headers: IncomingHttpHeaders, bearer: string | null): string | null
  /** The status, body and headers of an error in this provider's shape. */
  error(kind: GatewayErrorKind, message: string): ProviderError
  /** An error with any status, in this provider's shape; `type` null picks the provider's type for the status. */
  statusError(status: number, message: string, type: string | null): ProviderError
}

export interface ProviderError {
  status: number
  type: string
  body: JsonValue
  headers: Record<string, string>
}

/** Builds the ApiResult of an error found before or while reading the request. */
export function errorResult(
  error: ProviderError,
  message: string,
  requestModel: string | null = null,
  call: ModelCall | null = null,
  delivery: Delivery = IMMEDIATE_DELIVERY,
): ApiResult {
  return {
    status: error.status,
    body: error.body,
    events: null,
    headers: error.headers,
    requestModel,
    call,
    output: null,
    errorType: error.type,
    errorMessage: message,
    delivery,
  }
}

/** Builds the ApiResult of an error that a scenario scripts, with its Retry-After headers. */
export function scriptedErrorResult(
  family: ProviderFamily,
  scripted: ScriptedError,
  call: ModelCall,
  delivery: Delivery,
): ApiResult {
  const error = family.statusError(scripted.status, scripted.message, scripted.type)
  const headers = { ...error.headers }
  if (scripted.retryAfterSeconds !== null) {
    // The OpenAI and Anthropic SDKs read retry-after-ms first, then Retry-After in seconds.
    headers['retry-after'] = String(Math.ceil(scripted.retryAfterSeconds))
    headers['retry-after-ms'] = String(Math.round(scripted.retryAfterSeconds * 1000))
  }
  const body = scripted.body === undefined ? error.body : scripted.body
  return errorResult({ ...error, body, headers }, scripted.message, call.model, call, delivery)
}
