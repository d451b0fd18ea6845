// Checks and runs one user SQL statement on a read-only query connection.
// The worker thread calls these; tests call them directly.

import type Database from 'better-sqlite3'
import type { QueryErrorCode, QueryResult } from '../../shared/api'
import { openDatabase } from '../store/database'
import { registerFunctions } from './functions'
import { createViews } from './views'

/** A query that was rejected, failed or timed out, with a message that names the fix. */
export class QueryError extends Error {
  override name = 'QueryError'

  constructor(
    message: string,
    readonly code: QueryErrorCode,
  ) {
    super(message)
  }
}

/**
 * Opens the store in `dataDir` read-only, with the documented views and
 * helper functions, then turns on `query_only` so that even TEMP objects
 * cannot be created or changed by user SQL.
 */
export function openQueryConnection(dataDir: string): Database.Database {
  const db = openDatabase(dataDir, { readonly: true })
  createViews(db)
  registerFunctions(db)
  db.pragma('query_only = ON')
  return db
}

/** Returns the first keyword of a statement, upper-cased, after whitespace and comments. */
export function firstKeyword(sql: string): string {
  let at = 0
  for (;;) {
    while (at < sql.length && /\s/.test(sql[at]!)) at++
    if (sql.startsWith('--', at)) {
      const end = sql.indexOf('\n', at)
      at = end === -1 ? sql.length : end + 1
    } else if (sql.startsWith('/*', at)) {
      const end = sql.indexOf('*/', at + 2)
      at = end === -1 ? sql.length : end + 2
    } else break
  }
  const match = /^[A-Za-z_]+/.exec(sql.slice(at))
  return match ? match[0].toUpperCase() : ''
}

const ALLOWED_KEYWORDS = new Set(['SELECT', 'WITH', 'EXPLAIN', 'VALUES'])

const WRITE_KEYWORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'UPSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'REINDEX',
  'ANALYZE',
])

const READ_ONLY_HINT =
  'The SQL explorer is read-only: run one SELECT, WITH, EXPLAIN or VALUES statement.'

/** Throws QueryRejectedError when `keyword` starts a statement the explorer does not run. */
function checkKeyword(keyword: string): void {
  if (keyword === '')
    throw new QueryError(
      'the query is empty: write a SELECT statement, such as SELECT * FROM records LIMIT 10',
      'rejected',
    )
  if (keyword === 'ATTACH' || keyword === 'DETACH') {
    throw new QueryError(
      `${keyword} is rejected: queries read only the Loupe store. ${READ_ONLY_HINT}`,
      'rejected',
    )
  }
  if (keyword === 'VACUUM') {
    throw new QueryError(
      'VACUUM (and VACUUM INTO) is rejected because it writes a file. To copy traces, use ' +
        '`loupe export TRACE`. ' +
        READ_ONLY_HINT,
      'rejected',
    )
  }
  if (keyword === 'PRAGMA') {
    throw new QueryError(
      'PRAGMA statements are rejected. Read a setting with a pragma function in a SELECT, such ' +
        "as SELECT * FROM pragma_table_info('records').",
      'rejected',
    )
  }
  if (WRITE_KEYWORDS.has(keyword)) {
    throw new QueryError(`${keyword} is rejected because it writes. ${READ_ONLY_HINT}`, 'rejected')
  }
  if (!ALLOWED_KEYWORDS.has(keyword)) {
    throw new QueryError(`${keyword} statements are rejected. ${READ_ONLY_HINT}`, 'rejected')
  }
}

/**
 * Prepares one statement after the checks: one statement only, starting with
 * an allowed keyword, read-only by SQLite's own account (`stmt.readonly`,
 * which catches a WITH ... INSERT), and returning rows.
 */
export function prepareUserStatement(db: Database.Database, sql: string): Database.Statement {
  checkKeyword(firstKeyword(sql))
  let statement: Database.Statement
  try {
    statement = db.prepare(sql)
  } catch (error) {
    const message = (error as Error).message
    if (/more than one statement/i.test(message)) {
      throw new QueryError(
        'the query contains more than one statement; run them one at a time ' +
          '(a trailing semicolon is fine)',
        'rejected',
      )
    }
    const hint = /no such (table|column)/i.test(message)
      ? '. The views are records, traces, agent_runs, model_calls, tool_calls and logs; ' +
        "list a view's columns with SELECT name FROM pragma_table_info('records')"
      : ''
    throw new QueryError(`invalid SQL: ${message}${hint}`, 'invalid')
  }
  if (!statement.readonly) {
    throw new QueryError(`the statement would write to the store. ${READ_ONLY_HINT}`, 'rejected')
  }
  if (!statement.reader) {
    throw new QueryError(`the statement returns no rows. ${READ_ONLY_HINT}`, 'rejected')
  }
  return statement
}

/** Converts a SQLite value to JSON: integers beyond 2^53 become decimal text, BLOBs base64 text. */
function jsonValue(value: unknown): string | number | null {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  if (Buffer.isBuffer(value)) return value.toString('base64')
  return value as string | number | null
}

/**
 * Runs a checked statement and returns at most `limitRows` rows as arrays in
 * column order, with `truncated` set when more rows were left out.
 */
export function runUserStatement(
  db: Database.Database,
  sql: string,
  limitRows: number,
): QueryResult {
  const started = performance.now()
  const statement = prepareUserStatement(db, sql)
  statement.raw(true).safeIntegers(true)
  const columns = statement.columns().map((column) => column.name)
  const rows: (string | number | null)[][] = []
  let truncated = false
  try {
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      if (rows.length === limitRows) {
        truncated = true
        break
      }
      rows.push(row.map(jsonValue))
    }
  } catch (error) {
    throw new QueryError(`the query failed: ${(error as Error).message}`, 'failed')
  }
  return { columns, rows, truncated, elapsedMs: performance.now() - started }
}
