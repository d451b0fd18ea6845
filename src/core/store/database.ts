import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { migrations } from './schema'

export const DATABASE_FILE = 'loupe.sqlite'

export class StoreError extends Error {
  override name = 'StoreError'
}

export interface OpenOptions {
  readonly?: boolean
}

/**
 * Open the store in `dataDir`, creating the folder and the file, and running
 * pending migrations, unless `readonly` is set.
 */
export function openDatabase(dataDir: string, options: OpenOptions = {}): Database.Database {
  const file = join(dataDir, DATABASE_FILE)
  let db: Database.Database
  try {
    if (!options.readonly) mkdirSync(dataDir, { recursive: true })
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    })
  } catch (error) {
    throw new StoreError(
      `cannot open the store ${file}: ${(error as Error).message}. ` +
        'Check that the folder exists and is writable, or choose another with --data DIR.',
    )
  }
  db.pragma('busy_timeout = 5000')
  if (options.readonly) {
    checkVersion(db, file)
    return db
  }
  // WAL lets the UI and the CLI read while the receiver writes. synchronous =
  // NORMAL keeps every committed transaction across a crash of the process
  // (the WAL is in the OS cache); only a power loss can drop the last ones.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('temp_store = MEMORY')
  db.pragma('cache_size = -32000')
  migrate(db, file)
  return db
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
