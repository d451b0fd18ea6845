// `loupe query SQL`: one read-only SQL statement over the views in
// docs/sql.md, through the running core when there is one, else on the
// folder's store directly (still in a worker thread with a time limit).

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidArgumentError } from 'commander'
import type { QueryErrorCode, QueryErrorJson, QueryRequest, QueryResult } from '../shared/api'
import { queryTimeoutMessage } from '../shared/query-timeout'
import { readDiscovery } from '../core/discovery'
import { MAX_LIMIT_ROWS, MAX_TIMEOUT_MS, QueryRunner } from '../core/query/runner'
import { QueryError } from '../core/query/statement'
import { DATABASE_FILE } from '../core/store/database'
import { CliError, verifyDataFolder } from './folder'
import { printable } from './format'

/** Runs the query and returns its rows; throws CliError with the query's error message. */
export async function runQuery(dataDir: string, request: QueryRequest): Promise<QueryResult> {
  verifyDataFolder(dataDir)
  const running = readDiscovery(dataDir)
  if (running) return queryCore(running.uiUrl, running.token, request)
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    throw new CliError(`the folder ${dataDir} has no store yet; send traces to Loupe first`)
  }
  try {
    return await new QueryRunner(dataDir).run(request)
  } catch (error) {
    if (error instanceof QueryError) throw queryCliError(error.message, error.code, request)
    throw error
  }
}

/** Returns the error to print, naming --timeout in place of the API's timeoutMs. */
function queryCliError(
  message: string,
  code: QueryErrorCode | undefined,
  request: QueryRequest,
): CliError {
  if (code !== 'timeout' || request.timeoutMs === undefined) return new CliError(message)
  return new CliError(
    queryTimeoutMessage(request.timeoutMs, `--timeout (at most ${MAX_TIMEOUT_MS} ms)`),
  )
}

/** Parses --limit: a whole number of rows from 1 to the runner's maximum. */
export function parseLimitRows(value: string): number {
  return parseWholeNumber(value, MAX_LIMIT_ROWS)
}

/** Parses --timeout: whole milliseconds from 1 to the runner's maximum. */
export function parseTimeoutMs(value: string): number {
  return parseWholeNumber(value, MAX_TIMEOUT_MS)
}

function parseWholeNumber(value: string, max: number): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n)) {
    throw new InvalidArgumentError(`${value} is not a whole number`)
  }
  if (n < 1 || n > max) throw new InvalidArgumentError(`${value} is not from 1 to ${max}`)
  return n
}

async function queryCore(
  uiUrl: string,
  token: string,
  request: QueryRequest,
): Promise<QueryResult> {
  const url = `${uiUrl}/api/query?wait=1`
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    })
  } catch (error) {
    throw new CliError(`cannot reach the Loupe core at ${uiUrl}: ${(error as Error).message}`)
  }
  const text = await response.text()
  if (response.ok) return JSON.parse(text) as QueryResult
  let message = text.trim()
  let code: QueryErrorCode | undefined
  try {
    const body = JSON.parse(text) as QueryErrorJson
    message = body.error
    code = body.code
  } catch {
    // Not JSON: show the body as sent.
  }
  throw queryCliError(message, code, request)
}

/** Maximum length of a cell printed whole in the table form, in characters. `--json` prints every value whole. */
export const MAX_CELL_WIDTH = 60

function cellText(value: string | number | null): string {
  if (value === null) return 'NULL'
  return printable(String(value)).replace(/\n/g, '\\n')
}

/**
 * Formats rows as a table with aligned columns, numbers right-aligned, and a
 * row count. Cells longer than MAX_CELL_WIDTH are cut with "…", so that one
 * long value does not widen every line.
 */
export function formatQueryTable(result: QueryResult): string {
  const header = result.columns.map((name) => printable(name))
  let cut = false
  const cells = result.rows.map((row) =>
    row.map((value) => {
      const text = cellText(value)
      if (text.length <= MAX_CELL_WIDTH) return text
      cut = true
      // Drops a lone high surrogate, so that no emoji is cut in half.
      const head = text.slice(0, MAX_CELL_WIDTH - 1).replace(/[\uD800-\uDBFF]$/, '')
      return `${head}…`
    }),
  )
  const widths = header.map((name, i) =>
    Math.max(name.length, ...cells.map((row) => row[i]!.length)),
  )
  const numeric = header.map((_, i) =>
    result.rows.every((row) => row[i] === null || typeof row[i] === 'number'),
  )
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  const count = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${
    result.truncated ? ', truncated at the row limit; raise it with --limit' : ''
  })`
  const lines = [line(header), rule, ...cells.map(line), count]
  if (cut) {
    lines.push(
      `(values longer than ${MAX_CELL_WIDTH} characters are cut with "…"; print them whole with --json)`,
    )
  }
  return lines.join('\n')
}
