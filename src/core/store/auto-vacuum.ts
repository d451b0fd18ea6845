// Turning on incremental vacuum for a store created before Loupe set it.
// SQLite fixes auto_vacuum when the first table is created; changing it
// later takes a VACUUM, which rewrites the whole file. A new store gets
// auto_vacuum = INCREMENTAL at creation (see database.ts).

import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { databaseBytes, formatMebibytes } from './failures'

/**
 * Largest store converted when the core opens it. VACUUM rewrites the file
 * and needs as much free disk again; a larger store keeps auto_vacuum = NONE
 * and gets a log line that gives the command to convert it.
 */
export const MAX_CONVERTED_BYTES = 128 * 1024 * 1024

const AUTO_VACUUM_INCREMENTAL = 2

export type AutoVacuumOutcome = 'already' | 'converted' | 'too-large' | 'failed'

/**
 * Runs a one-time VACUUM that sets auto_vacuum = INCREMENTAL when the store
 * is at most `maxBytes`, so that retention can shrink the file.
 * Must run before other connections (the GenAI worker) open the store.
 */
export function enableIncrementalVacuum(
  db: Database.Database,
  log: Logger,
  maxBytes = MAX_CONVERTED_BYTES,
): AutoVacuumOutcome {
  if (db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) return 'already'
  const bytes = databaseBytes(db)
  if (bytes > maxBytes) {
    log.info(
      { file: db.name, bytes },
      `the store ${db.name} (${formatMebibytes(bytes)}) was created without incremental ` +
        'vacuum, so retention frees space inside the file for reuse but does not shrink it. ' +
        `To convert it, stop Loupe and run: sqlite3 ${db.name} "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;"`,
    )
    return 'too-large'
  }
  const started = performance.now()
  try {
    db.pragma('auto_vacuum = INCREMENTAL')
    db.exec('VACUUM')
  } catch (error) {
    // Another process may be reading; the next start tries again.
    log.warn(
      { err: error, file: db.name },
      `could not convert the store ${db.name} to incremental vacuum; the next start tries again`,
    )
    return 'failed'
  }
  log.info(
    { file: db.name, bytes, ms: Math.round(performance.now() - started) },
    `converted the store ${db.name} (${formatMebibytes(bytes)}) to incremental vacuum`,
  )
  return 'converted'
}
