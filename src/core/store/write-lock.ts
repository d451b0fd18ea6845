// Write transactions that wait for another connection's write lock without
// stalling the event loop for long. better-sqlite3 is synchronous, so
// SQLite's busy handler blocks the whole thread while it waits. Callers here
// wait in short attempts instead, and retry from a timer.

import type Database from 'better-sqlite3'
import { isBusyError } from './failures'

/** SQLite's busy timeout on Loupe's connections, set when the store is opened. */
export const BUSY_TIMEOUT_MS = 5000

/**
 * Runs `fn` in an IMMEDIATE transaction, waiting at most `attemptMs` for the
 * write lock. Returns `{ value }`, or null when another connection kept the
 * lock that long; other errors propagate after the rollback.
 */
export function tryImmediate<T>(
  db: Database.Database,
  fn: () => T,
  attemptMs: number,
): { value: T } | null {
  db.pragma(`busy_timeout = ${attemptMs}`)
  try {
    return { value: db.transaction(fn).immediate() }
  } catch (error) {
    if (isBusyError(error)) return null
    throw error
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  }
}
