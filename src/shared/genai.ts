// Loupe's own model of agent telemetry, the same whichever SDK produced the
// spans: what each span is (agent run, model call, tool call), its messages,
// tokens, cost and error class. The normalizer in core/genai builds it from
// raw attributes; the API serves it and the UI draws it.

import type { JsonValue } from './api'

export type OperationKind = 'agent' | 'model' | 'tool' | 'other'

/** The instrumentation conventions Loupe recognizes on a span. */
export type Convention =
  'otel-genai' | 'pydantic-ai' | 'logfire' | 'ai-sdk' | 'openinference' | 'openllmetry' | 'none'

export type ErrorClass =
  | 'input_invalid'
  | 'quota_exceeded'
  | 'provider_rejected'
  | 'upstream_unavailable'
  | 'model_output_invalid'
  | 'timeout'
  | 'tool_failed'
  | 'internal'
  | 'none'

/** HTTP status that a service should return for each error class. */
export const ERROR_CLASS_STATUS: Record<ErrorClass, number> = {
  input_invalid: 400,
  quota_exceeded: 429,
  provider_rejected: 502,
  upstream_unavailable: 503,
  model_output_invalid: 500,
  timeout: 504,
  tool_failed: 500,
  internal: 500,
  none: 200,
}

/** One part of a message, after mapping every dialect's part types to these. */
export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id: string | null; name: string; arguments: JsonValue }
  | {
      type: 'tool_result'
      id: string | null
      name: string | null
      result: JsonValue
      isError: boolean
    }
  /** Binary content or a reference to it, shown as a placeholder with its type and size. */
  | {
      type: 'media'
      modality: string
      mimeType: string | null
      uri: string | null
      sizeBytes: number | null
    }
  /** A part type Loupe does not know, kept as sent. */
  | { type: 'other'; originalType: string; value: JsonValue }

export interface Message {
  role: string
  parts: MessagePart[]
  /** Finish reason of an output message, when the SDK records one. */
  finishReason: string | null
}

export interface TokenUsage {
  /** Input tokens including cache reads and writes. */
  input: number | null
  output: number | null
  cacheRead: number | null
  cacheWrite: number | null
  /** Reasoning tokens, already included in `output`. */
  reasoning: number | null
}

/**
 * Source of a call's cost: a user's price override, the figure the
 * SDK sent (`operation.cost`, `llm.cost.total`), Loupe's own computation
 * with genai-prices, or nowhere (`unpriced`: tokens but no price;
 * `none`: not a model call, or no tokens).
 */
export type CostSource = 'override' | 'sdk' | 'computed' | 'unpriced' | 'none'

export interface Cost {
  /** The figure Loupe shows and sums, in USD; null when the call could not be priced. */
  usd: number | null
  source: CostSource
  /** The price entry, provider, model and price data used, or the reason there is no price. */
  provenance: string
  /** Loupe's own figure from genai-prices, shown beside the SDK's when they differ. */
  computedUsd: number | null
  /** The figure the SDK sent, if any. */
  sdkUsd: number | null
  /** Token buckets that were priced, e.g. {"input_tokens": 1224, "cache_read_tokens": 768}. */
  pricedTokens: Record<string, number>
}

export interface ErrorEvidence {
  errorClass: ErrorClass
  httpStatus: number
  /** Exception type as recorded, e.g. `pydantic_ai.exceptions.UsageLimitExceeded`. */
  exceptionType: string | null
  message: string | null
  /** Provider HTTP status found in the error, e.g. 429 from a ModelHTTPError message. */
  providerStatus: number | null
  /** The span where the error originated (the innermost one that recorded it). */
  spanId: string | null
  /** Tool involved, when a tool's failure or retries caused the error. */
  toolName: string | null
}
