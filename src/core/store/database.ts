import { accessSync, chmodSync, constants, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { damagedMessage, failureKind, sqliteCode } from './failures'
import { migrations } from './schema'
import { BUSY_TIMEOUT_MS } from './write-lock'

export const DATABASE_FILE = 'loupe.sqlite'

/** Largest WAL file kept after a checkpoint, in bytes; SQLite truncates a larger one. */
const JOURNAL_SIZE_LIMIT_BYTES = 32 * 1024 * 1024

export class StoreError extends Error {
  override name = 'StoreError'
}

/** Environment variable with the path of better-sqlite3's binary to load, set by the desktop app. */
export const NATIVE_BINDING_ENV = 'LOUPE_SQLITE_NATIVE_BINDING'

export interface OpenOptions {
  readonly?: boolean
  /**
   * Path of better-sqlite3's native binary (its `nativeBinding` option);
   * LOUPE_SQLITE_NATIVE_BINDING when omitted, else the package's own build.
   */
  nativeBinding?: string
}

/**
 * Open the store in `dataDir`, creating the folder and the file, and running
 * pending migrations, unless `readonly` is set. Throws StoreError with a
 * message that names the file and the fix when the folder is not writable or
 * the file is locked, damaged or from a newer Loupe.
 */
export function openDatabase(dataDir: string, options: OpenOptions = {}): Database.Database {
  const file = join(dataDir, DATABASE_FILE)
  if (!options.readonly) ensureWritableFolder(dataDir)
  let db: Database.Database
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      nativeBinding: options.nativeBinding ?? (process.env[NATIVE_BINDING_ENV] || undefined),
    })
  } catch (error) {
    throw new StoreError(
      `cannot open the store ${file}: ${(error as Error).message}. ` +
        'Check that the folder exists and is writable, or choose another with --data DIR.',
    )
  }
  try {
    configure(db, file, options.readonly ?? false)
  } catch (error) {
    db.close()
    throw openFailure(error, file)
  }
  if (!options.readonly) keepPrivate(file)
  return db
}

/**
 * Makes the store and its -wal and -shm files readable by their owner only,
 * since they hold prompts and recorded model calls.
 */
function keepPrivate(file: string): void {
  if (process.platform === 'win32') return
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(path, 0o600)
    } catch {
      // A missing file, or one the user does not own, keeps its mode.
    }
  }
}

/**
 * Create the data folder if needed and check that this process may write in
 * it. Throws StoreError naming the folder otherwise.
 */
export function ensureWritableFolder(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true })
  } catch (error) {
    throw new StoreError(
      `cannot create the data folder ${dataDir} (${(error as Error).message}). ` +
        'Choose a folder this user can write with --data DIR or LOUPE_DATA_DIR.',
    )
  }
  try {
    accessSync(dataDir, constants.W_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new StoreError(
      `the data folder ${dataDir} is not writable (${code}); Loupe keeps its store, lock ` +
        'and settings there. Make it writable for this user, or choose another folder ' +
        'with --data DIR or LOUPE_DATA_DIR.',
    )
  }
}

function configure(db: Database.Database, file: string, readonly: boolean): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  if (readonly) {
    checkVersion(db, file)
    return
  }
  // Only takes effect before the first table is created, so it sets up new
  // stores; an older store keeps auto_vacuum = NONE until it is vacuumed
  // (see enableIncrementalVacuum). INCREMENTAL lets retention give the
  // space of deleted traces back to the file system in small steps.
  db.pragma('auto_vacuum = INCREMENTAL')
  // WAL lets the UI and the CLI read while the receiver writes. synchronous =
  // NORMAL keeps every committed transaction across a crash of the process
  // (the WAL is in the OS cache); only a power loss can drop the last ones.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('temp_store = MEMORY')
  db.pragma('cache_size = -32000')
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`)
  migrate(db, file)
}

/** Returns a StoreError for a failure while reading the header, the schema or migrating. */
function openFailure(error: unknown, file: string): Error {
  if (error instanceof StoreError) return error
  const detail = (error as Error).message
  switch (failureKind(error)) {
    case 'damaged':
      return new StoreError(damagedMessage(file, detail, 'start'))
    case 'locked':
      return new StoreError(
        `the store ${file} is locked: another process held its write lock for over ` +
          `${BUSY_TIMEOUT_MS / 1000} s while Loupe opened it (${detail}). End that process's ` +
          'write transaction (for example in a sqlite3 shell), then start Loupe again.',
      )
    case 'read-only':
      return new StoreError(
        `the store ${file} cannot be written (${detail}). Check the permissions of the file ` +
          'and its folder, or choose another folder with --data DIR.',
      )
    case 'full':
      return new StoreError(
        `the store ${file} could not be opened because the disk is full (${detail}). ` +
          'Free disk space, or choose a folder on another disk with --data DIR.',
      )
    case 'io':
    case 'other':
      return new StoreError(
        `cannot open the store ${file} (${sqliteCode(error) ?? 'error'}: ${detail}).`,
      )
  }
}

function checkVersion(db: Database.Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > migrations.length) {
    db.close()
    throw new StoreError(
      `the store ${file} has schema version ${version}, newer than this Loupe ` +
        `(${migrations.length}). Upgrade Loupe, or use another folder with --data DIR.`,
    )
  }
  return version
}

function migrate(db: Database.Database, file: string): void {
  const version = checkVersion(db, file)
  for (let next = version; next < migrations.length; next++) {
    db.transaction(() => {
      db.exec(migrations[next]!)
      db.pragma(`user_version = ${next + 1}`)
    })()
  }
}
