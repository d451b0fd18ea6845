// The session (conversation) of each trace, kept in trace_sessions as spans
// are written. The rules match the backfill in the schema migration that
// creates trace_sessions.

import type Database from 'better-sqlite3'
import type { JsonValue } from '../../shared/api'

/**
 * Attributes that carry a session id, strongest first. An id the user set
 * (`session.id`, Logfire's `session_id` keyword or baggage, the AI SDK's
 * telemetry metadata) beats pydantic-ai's `gen_ai.conversation.id`, which
 * every agent run carries, generated when the caller passes none.
 */
export const SESSION_KEYS = [
  'session.id',
  'session_id',
  'ai.telemetry.metadata.sessionId',
  'gen_ai.conversation.id',
] as const

/** Prefix of the value that Logfire's scrubber writes in place of a value that looked secret. */
const SCRUBBED_PREFIX = '[Scrubbed due to '

export interface SessionMatch {
  sessionId: string
  source: string
  /** 1 for the first of SESSION_KEYS; lower ranks win. */
  rank: number
}

/**
 * Returns the session a span names, from its own attributes or else its
 * resource's, or null. Empty and scrubbed values are skipped, because they
 * would put unrelated traces in one session.
 */
export function findSession(
  spanAttributes: Record<string, JsonValue>,
  resourceAttributes: Record<string, JsonValue>,
): SessionMatch | null {
  for (let index = 0; index < SESSION_KEYS.length; index++) {
    const key = SESSION_KEYS[index]!
    const value = usable(spanAttributes[key]) ?? usable(resourceAttributes[key])
    if (value !== null) return { sessionId: value, source: key, rank: index + 1 }
  }
  return null
}

function usable(value: JsonValue | undefined): string | null {
  if (typeof value !== 'string' || value === '' || value.startsWith(SCRUBBED_PREFIX)) return null
  return value
}

/**
 * Records the session of each trace inside the writer's transaction. A
 * stronger attribute replaces a weaker one; between equal ranks the first
 * value stored stays.
 */
export class SessionIndex {
  private readonly upsert: Database.Statement
  /** Best rank stored per trace in this transaction, so that repeats skip the statement. */
  private readonly written = new Map<string, number>()

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO trace_sessions (trace_id, session_id, source, rank) VALUES (?, ?, ?, ?)
       ON CONFLICT (trace_id) DO UPDATE SET session_id = excluded.session_id,
         source = excluded.source, rank = excluded.rank
       WHERE excluded.rank < trace_sessions.rank`,
    )
  }

  /** Forgets what this transaction wrote; call at the start of each one. */
  reset(): void {
    this.written.clear()
  }

  note(
    traceId: string,
    spanAttributes: Record<string, JsonValue>,
    resourceAttributes: Record<string, JsonValue>,
  ): void {
    const match = findSession(spanAttributes, resourceAttributes)
    if (match === null) return
    const best = this.written.get(traceId)
    if (best !== undefined && best <= match.rank) return
    this.upsert.run(traceId, match.sessionId, match.source, match.rank)
    this.written.set(traceId, match.rank)
  }
}
