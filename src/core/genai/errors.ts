// Error classes: what kind of failure ended a span, an agent run or a trace.
// Exception types are matched on their last dotted segment, so
// `pydantic_ai.exceptions.UsageLimitExceeded`, `UsageLimitExceeded` and the
// AI SDK's `AI_RetryError` all match their table entries.

import type { ErrorClass, OperationKind } from '../../shared/genai'

export interface RecordedError {
  /** `exception.type` of the span's last exception event, or `error.type`. */
  type: string | null
  message: string | null
  stacktrace: string | null
  /** The response status of a failed HTTP client span or gateway call, when no exception was recorded. */
  httpStatus?: number | null
}

/** Failures that the Loupe gateway records on its own spans, as `error.type`. */
const GATEWAY_FAILURES: Record<string, ErrorClass> = {
  'loupe.fault.hang': 'timeout',
  // The agent closed the connection: usually its own timeout.
  client_closed: 'timeout',
  'loupe.fault.malformed_json': 'upstream_unavailable',
  'loupe.fault.cut_stream': 'upstream_unavailable',
  upstream_unreachable: 'upstream_unavailable',
  upstream_closed: 'upstream_unavailable',
}

/** Tool failures that the model is asked to retry: the run goes on. */
const RETRY_TYPES = new Set(['ToolRetryError', 'ModelRetry'])

/** Control flow, not failure: deferred or approval-gated tool calls (pydantic-ai). */
const CONTROL_FLOW_TYPES = new Set(['CallDeferred', 'ApprovalRequired'])

const BY_TYPE: Record<string, ErrorClass> = {
  UsageLimitExceeded: 'quota_exceeded',
  ConcurrencyLimitExceeded: 'quota_exceeded',
  MaxTurnsExceeded: 'quota_exceeded',
  UnexpectedModelBehavior: 'model_output_invalid',
  OutputTokenLimitExceeded: 'model_output_invalid',
  IncompleteToolCall: 'model_output_invalid',
  ContentFilterError: 'model_output_invalid',
  ModelBehaviorError: 'model_output_invalid',
  NoObjectGeneratedError: 'model_output_invalid',
  NoOutputGeneratedError: 'model_output_invalid',
  NoContentGeneratedError: 'model_output_invalid',
  InvalidToolInputError: 'model_output_invalid',
  NoSuchToolError: 'model_output_invalid',
  ToolCallRepairError: 'model_output_invalid',
  JSONParseError: 'model_output_invalid',
  InvalidResponseDataError: 'model_output_invalid',
  EmptyResponseBodyError: 'model_output_invalid',
  LengthFinishReasonError: 'model_output_invalid',
  ContentFilterFinishReasonError: 'model_output_invalid',
  ValidationError: 'input_invalid',
  RequestValidationError: 'input_invalid',
  UserError: 'input_invalid',
  InvalidPromptError: 'input_invalid',
  InvalidArgumentError: 'input_invalid',
  InvalidMessageRoleError: 'input_invalid',
  InvalidDataContentError: 'input_invalid',
  MessageConversionError: 'input_invalid',
  UnsupportedFunctionalityError: 'input_invalid',
  TimeoutError: 'timeout',
  RunTimedOut: 'timeout',
  ModelRequestTimeout: 'timeout',
  ReadTimeout: 'timeout',
  WriteTimeout: 'timeout',
  ConnectTimeout: 'timeout',
  PoolTimeout: 'timeout',
  TimeoutException: 'timeout',
  APITimeoutError: 'timeout',
  ModelTimeoutError: 'timeout',
  ToolTimeoutError: 'timeout',
  GatewayTimeoutError: 'timeout',
  ETIMEDOUT: 'timeout',
  RateLimitError: 'upstream_unavailable',
  // pydantic-ai 2.x raises these subclasses of ModelAPIError in place of a bare ModelHTTPError.
  ModelRateLimitError: 'upstream_unavailable',
  ModelQuotaExceededError: 'upstream_unavailable',
  ModelUnavailableError: 'upstream_unavailable',
  ModelOverloadedError: 'upstream_unavailable',
  ModelServerError: 'upstream_unavailable',
  ModelConnectionError: 'upstream_unavailable',
  ModelRequestRejectedError: 'provider_rejected',
  ModelContextWindowExceededError: 'provider_rejected',
  ModelAuthenticationError: 'provider_rejected',
  ModelNotFoundError: 'provider_rejected',
  ToolFailedError: 'tool_failed',
  InternalServerError: 'upstream_unavailable',
  APIConnectionError: 'upstream_unavailable',
  ConnectError: 'upstream_unavailable',
  FallbackExceptionGroup: 'upstream_unavailable',
  GatewayRateLimitError: 'upstream_unavailable',
  GatewayInternalServerError: 'upstream_unavailable',
  GatewayResponseError: 'upstream_unavailable',
  GatewayFailedDependencyError: 'upstream_unavailable',
  ECONNREFUSED: 'upstream_unavailable',
  ECONNRESET: 'upstream_unavailable',
  AuthenticationError: 'provider_rejected',
  PermissionDeniedError: 'provider_rejected',
  NotFoundError: 'provider_rejected',
  ConflictError: 'provider_rejected',
  BadRequestError: 'provider_rejected',
  UnprocessableEntityError: 'provider_rejected',
  GatewayAuthenticationError: 'provider_rejected',
  GatewayForbiddenError: 'provider_rejected',
  GatewayInvalidRequestError: 'provider_rejected',
  GatewayModelNotFoundError: 'provider_rejected',
  GatewayNotFoundError: 'provider_rejected',
  LoadAPIKeyError: 'provider_rejected',
  ModelRefusalError: 'provider_rejected',
}

/** Return the last dotted segment of an exception type, without the AI SDK's `AI_` prefix. */
export function shortType(type: string | null): string {
  if (!type) return ''
  const last = type.split('.').pop() ?? type
  return last.startsWith('AI_') ? last.slice(3) : last
}

export function isRetryError(error: RecordedError): boolean {
  return RETRY_TYPES.has(shortType(error.type))
}

export function isControlFlow(error: RecordedError): boolean {
  return CONTROL_FLOW_TYPES.has(shortType(error.type))
}

/**
 * Read the provider's HTTP status from an error message: pydantic-ai's
 * ModelHTTPError (`status_code: 429, ...`) or the APIStatusError of the
 * openai and anthropic Python SDKs (`Error code: 429 - {...}`).
 */
export function providerStatus(error: RecordedError): number | null {
  const message = error.message ?? ''
  const match =
    /status_code:\s*(\d{3})/.exec(message) ??
    /^Error code: (\d{3})\b/.exec(message) ??
    /\bstatus(?: code)?[:= ]\s*(\d{3})\b/i.exec(message)
  return match ? Number(match[1]) : null
}

function classifyHttpStatus(status: number): ErrorClass {
  if (status === 408 || status === 429 || status >= 500) return 'upstream_unavailable'
  if (status >= 400) return 'provider_rejected'
  return 'internal'
}

const TIMEOUT_TEXT = /timed? ?out|timeout|deadline exceeded/i

/**
 * Classify an error recorded on a span. `originKind` is the kind of the span
 * where the error was first raised (a tool's exception that propagated up to
 * the agent run is a tool failure).
 */
export function classifyError(error: RecordedError, originKind: OperationKind): ErrorClass {
  const type = shortType(error.type)
  const text = `${error.message ?? ''}\n${error.stacktrace ?? ''}`
  // pydantic-ai's HTTP errors, whatever their class, say "status_code: NNN"; the status decides.
  const pydanticStatus = /^status_code:\s*(\d{3})/.exec(error.message ?? '')
  if (pydanticStatus && type.startsWith('Model'))
    return classifyHttpStatus(Number(pydanticStatus[1]))
  if (type === 'ModelHTTPError' || type === 'APIStatusError' || type === 'APICallError') {
    const status = providerStatus(error)
    if (status !== null) return classifyHttpStatus(status)
    if (type === 'APICallError')
      return /rate limit|overloaded|unavailable/i.test(text)
        ? 'upstream_unavailable'
        : 'provider_rejected'
    return 'upstream_unavailable'
  }
  if (type === 'ModelAPIError') return TIMEOUT_TEXT.test(text) ? 'timeout' : 'upstream_unavailable'
  if (type === 'RetryError')
    return /non-retryable/i.test(text) ? 'provider_rejected' : 'upstream_unavailable'
  if (type === 'CancelledError' || type === 'RunCancelled' || type === 'AbortError') {
    // asyncio.wait_for cancels the run when its time is up.
    return /wait_for|TimeoutError|timeout/i.test(text) ? 'timeout' : 'internal'
  }
  const byType = BY_TYPE[type] ?? GATEWAY_FAILURES[error.type ?? '']
  if (byType) return byType
  if (error.httpStatus) return classifyHttpStatus(error.httpStatus)
  if (originKind === 'tool') return 'tool_failed'
  return 'internal'
}

/** Return the tool named in pydantic-ai's "Tool 'x' exceeded max retries count of N". */
export function toolNamedInMessage(message: string | null): string | null {
  const match = /Tool '([^']+)' exceeded max retries/.exec(message ?? '')
  return match ? match[1]! : null
}
