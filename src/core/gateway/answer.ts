// The gateway's response to one model call, before a provider API module
// puts it in its wire format: a reply (text and tool calls) or an error, and
// how to deliver it (latency, stream chunking, a deliberate fault). The
// automatic mock gives replies only, and a scenario can give any of them.

import type { JsonValue } from '../../shared/api'
import type { ModelCall } from './conversation'
import { mockReply, type MockOptions, type MockReply } from './mock'
import { GenerationLimitError } from './schema-values'

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
  /** The recorded call this reply replays (1-based, and its span in the source trace), or null. */
  replayed?: { source: string; index: number; spanId: string } | null
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

/**
 * Returns the automatic mock's answer: a reply delivered at once, or a 400
 * when a schema asks for a value larger than the mock generates.
 */
export function mockAnswer(call: ModelCall, options: MockOptions): Answer {
  try {
    return { kind: 'reply', reply: mockReply(call, options), delivery: IMMEDIATE_DELIVERY }
  } catch (error) {
    if (!(error instanceof GenerationLimitError)) throw error
    return {
      kind: 'error',
      error: {
        status: 400,
        message: `The Loupe mock cannot answer: ${error.message}. Lower the schema's minimums, or script the answer with a scenario.`,
        type: null,
        retryAfterSeconds: null,
        body: undefined,
      },
      delivery: IMMEDIATE_DELIVERY,
    }
  }
}

/** The automatic mock as a responder. */
export const automaticResponder: Responder = mockAnswer
