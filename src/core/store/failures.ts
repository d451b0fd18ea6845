// Storage failures as users meet them: SQLite's result codes sorted into the
// few cases a user can act on, each with a message that names the file and
// the fix. A write that fails leaves the store as it was, because the
// transaction rolls back.

import type Database from 'better-sqlite3'

export type StoreFailureKind = 'full' | 'locked' | 'read-only' | 'damaged' | 'io' | 'other'

/** Seconds an OTLP client is asked to wait before it sends a failed request again. */
const RETRY_AFTER_SECONDS: Record<StoreFailureKind, number> = {
  full: 10,
  locked: 5,
  'read-only': 5,
  damaged: 5,
  io: 5,
  other: 5,
}

/** A write to the store that failed and was rolled back. Its message gives the fix. */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError'
  readonly retryAfterSeconds: number

  constructor(
    readonly kind: StoreFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.retryAfterSeconds = RETRY_AFTER_SECONDS[kind]
  }
}

/** Returns the SQLite result code of a better-sqlite3 error, e.g. SQLITE_FULL, or null. */
export function sqliteCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null
}

/** True for SQLITE_BUSY and its extended codes: another connection holds the lock. */
export function isBusyError(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false
}

/** Sorts a SQLite error into the cases that storage failure messages cover. */
export function failureKind(error: unknown): StoreFailureKind {
  const code = sqliteCode(error)
  if (code === null) return 'other'
  if (code === 'SQLITE_FULL') return 'full'
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked'
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) return 'read-only'
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'damaged'
  if (code.startsWith('SQLITE_IOERR')) return 'io'
  return 'other'
}

/**
 * Returns the error that a failed write is reported with. `lockWaitMs` is how
 * long the writer waited for another connection's write lock.
 */
export function describeWriteFailure(
  error: unknown,
  db: Database.Database,
  lockWaitMs: number,
): StoreWriteError {
  const kind = failureKind(error)
  const file = db.name
  const detail = (error as Error).message
  switch (kind) {
    case 'full':
      return new StoreWriteError(
        kind,
        `the store ${file} is full at ${formatMebibytes(databaseBytes(db))}: SQLite could not ` +
          `grow it (${detail}). Stored traces remain readable. Free disk space, or let Loupe ` +
          'delete old traces with loupe serve --max-store-mb or --retention-days; ' +
          'clients should retry later',
        { cause: error },
      )
    case 'locked':
      return new StoreWriteError(
        kind,
        `the store ${file} is locked: another connection held its write lock for over ` +
          `${(lockWaitMs / 1000).toFixed(1)} s (${detail}). If another program has the store ` +
          'open for writing (for example a sqlite3 shell), end its transaction; ' +
          'clients should retry later',
        { cause: error },
      )
    case 'read-only':
      return new StoreWriteError(
        kind,
        `the store ${file} cannot be written (${detail}). Check the permissions of the file ` +
          'and its folder, or choose another folder with --data DIR',
        { cause: error },
      )
    case 'damaged':
      return new StoreWriteError(kind, damagedMessage(file, detail, 'running'), { cause: error })
    case 'io':
      return new StoreWriteError(
        kind,
        `reading or writing the store ${file} failed (${detail}); check the disk it is on`,
        { cause: error },
      )
    case 'other':
      return new StoreWriteError(kind, `storing failed: ${detail}`, { cause: error })
  }
}

/**
 * Returns the message for a store file that SQLite cannot read as a
 * database, found at `start` or while `running`.
 */
export function damagedMessage(file: string, detail: string, when: 'start' | 'running'): string {
  const stop = when === 'running' ? 'Stop Loupe, then move' : 'Move'
  return (
    `the store ${file} is damaged or is not a SQLite database (${detail}). ${stop} it aside ` +
    `(for example: mv ${file} ${file}.damaged, with its -wal and -shm files if present) ` +
    'and start Loupe again to begin a new store, or choose another folder with --data DIR'
  )
}

/** Returns the size of the database in bytes, as SQLite counts its pages (WAL included). */
export function databaseBytes(db: Database.Database): number {
  const pages = db.pragma('page_count', { simple: true }) as number
  const pageSize = db.pragma('page_size', { simple: true }) as number
  return pages * pageSize
}

export function formatMebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}
