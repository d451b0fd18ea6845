// The live tail's stream: `GET /api/tail` sends server-sent events whose
// data is one TailMessage each. Every stored span gets the next sequence
// number of the core's feed, so a client can resume after a reconnect and
// learn how many spans it missed.

import type { SpanKindName, SpanStatus } from './api'
import type { ErrorClass, OperationKind } from './genai'

/** One span as the tail shows it, read from its attributes as it was stored. */
export interface TailSpan {
  /** Position in the feed: 1 for the first span stored since the core started. */
  seq: number
  traceId: string
  spanId: string
  parentSpanId: string | null
  name: string
  /** Logfire's formatted message (`logfire.msg`) when sent, else the name. */
  title: string
  serviceName: string | null
  spanKind: SpanKindName
  kind: OperationKind
  status: SpanStatus
  startTime: string
  startTimeUnixNano: string
  durationMs: number
  agentName: string | null
  model: string | null
  toolName: string | null
  /**
   * The class of the error this span recorded itself. The trace view may
   * show another class once the whole trace is read (a tool's exception that
   * ended the agent run is `tool_failed` there).
   */
  errorClass: ErrorClass
  /** When the core stored the span, in Unix milliseconds. */
  receivedMs: number
}

/**
 * Messages of `GET /api/tail`:
 * - `hello` once per connection: the feed's id and the last sequence number
 *   stored so far, and whether the stream resumed where the client left off.
 * - `spans`: a batch in feed order; `seq` is the last one's number.
 * - `missed`: `count` spans after the client's position were not sent,
 *   because the client fell behind by more than the core keeps
 *   (`capacity`), or no client had the tail open for a while.
 *
 * A client that asks to resume a feed the core does not serve (the core
 * restarted) gets `resumed: false`, and the spans stored meanwhile are not
 * counted.
 */
export type TailMessage =
  | { type: 'hello'; feedId: string; seq: number; capacity: number; resumed: boolean }
  | { type: 'spans'; seq: number; spans: TailSpan[] }
  | { type: 'missed'; seq: number; count: number }
