// Sessions: traces grouped into conversations by a session id that their
// spans or resources carry (`session.id`, `session_id`,
// `ai.telemetry.metadata.sessionId` or `gen_ai.conversation.id`, in that
// order of precedence). Each trace is one run of the session: one request
// or one agent run.

import type { TraceSummary } from './api'

/** One session with the totals of its runs (`GET /api/sessions`). */
export interface SessionSummary {
  sessionId: string
  /** The attribute the id came from, such as `gen_ai.conversation.id`. */
  source: string
  runs: number
  /** Start of the first run and end of the last (ISO 8601, and Unix nanoseconds). */
  firstTime: string
  firstTimeUnixNano: string
  lastTime: string
  lastTimeUnixNano: string
  /** Sum of the runs' priced model calls in USD; null when none could be priced. */
  costUsd: number | null
  /** Model calls that have tokens but no price, left out of `costUsd`. */
  unpricedCalls: number
  inputTokens: number
  outputTokens: number
  modelCalls: number
  /** Runs that ended in an error (an error class other than `none`, or a failed root span). */
  errors: number
  /** Agent names seen in the runs, sorted. */
  agents: string[]
  /** Service names of the runs, sorted. */
  services: string[]
}

/** `GET /api/sessions`: sessions whose last run ended most recently first. */
export interface SessionPage {
  sessions: SessionSummary[]
  /** The `before` value of the next page, or null when this is the last one. */
  nextBefore: string | null
}

/** `GET /api/sessions/:id`: the session and its runs, oldest first. */
export interface SessionDetail {
  session: SessionSummary
  runs: TraceSummary[]
  /** True when the session has more runs than the page lists (the first `runs.length` are shown). */
  truncated: boolean
}

/** `GET /api/traces/:id/session`: the session of a trace, or null when its spans name none. */
export interface TraceSessionJson {
  session: SessionSummary | null
}
