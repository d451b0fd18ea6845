// The gateway's response to one model call, before a provider API module
// puts it in its wire format: a reply (text and tool calls) or an error, and
// how to deliver it (latency, stream chunking, a deliberate fault). The
// automatic mock gives replies only, and a scenario can give any of them.

import type { JsonValue } from '../../shared/api'
import type { ModelCall } from './conversation'
import { mockReply, type MockOptions, type MockReply } from './mock'

/** A deliberate fault: hold the connection, send broken JSON, or cut a stream short. */
export type FaultKind = 'hang' | 'malformed_json' | 'cut_stream'

export interface Delivery {
  /** Milliseconds to wait before the response starts. */
  latencyMs: number
  /** Characters of text or tool arguments per streamed event. */
  chunkSize: number
  /** Milliseconds between streamed events. */
  chunkDelayMs: number
  fault: FaultKind | null
  /** The scenario's name and the turn (1-based) that responded, or null for the automatic mock. */
  scenario: { name: string; turn: number } | null
}

/** An error reply in the provider's error shape, as a scenario scripts it. */
export interface ScriptedError {
  status: number
  message: string
  /** The provider's error type; null picks the one the provider uses for this status. */
  type: string | null
  /** Seconds for the Retry-After header, or null for none. */
  retryAfterSeconds: number | null
  /** A body sent verbatim instead of the provider's error shape, or undefined. */
  body: JsonValue | undefined
}

export type Answer =
  | { kind: 'reply'; reply: MockReply; delivery: Delivery }
  | { kind: 'error'; error: ScriptedError; delivery: Delivery }

/** Function that responds to one model call. Each run has its own for the run's life. */
export type Responder = (call: ModelCall, options: MockOptions) => Answer

export const DEFAULT_CHUNK_SIZE = 16

export const IMMEDIATE_DELIVERY: Delivery = {
  latencyMs: 0,
  chunkSize: DEFAULT_CHUNK_SIZE,
  chunkDelayMs: 0,
  fault: null,
  scenario: null,
}

/** The automatic mock's answer: always a reply, delivered at once. */
export const automaticResponder: Responder = (call, options) => ({
  kind: 'reply',
  reply: mockReply(call, options),
  delivery: IMMEDIATE_DELIVERY,
})
