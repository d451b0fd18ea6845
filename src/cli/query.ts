// `loupe query SQL`: one read-only SQL statement over the views in
// docs/sql.md, through the running core when there is one, else on the
// folder's store directly (still in a worker thread with a time limit).

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { QueryErrorJson, QueryRequest, QueryResult } from '../shared/api'
import { readDiscovery } from '../core/discovery'
import { QueryRunner } from '../core/query/runner'
import { QueryError } from '../core/query/statement'
import { DATABASE_FILE } from '../core/store/database'
import { CliError } from './folder'
import { printable } from './format'

/** Runs the query and returns its rows; throws CliError with the query's error message. */
export async function runQuery(dataDir: string, request: QueryRequest): Promise<QueryResult> {
  if (!existsSync(dataDir)) {
    throw new CliError(`no Loupe data folder at ${dataDir}; check --data or LOUPE_DATA_DIR`)
  }
  const running = readDiscovery(dataDir)
  if (running) return queryCore(running.uiUrl, running.token, request)
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    throw new CliError(`the folder ${dataDir} has no store yet; send traces to Loupe first`)
  }
  try {
    return await new QueryRunner(dataDir).run(request)
  } catch (error) {
    if (error instanceof QueryError) throw new CliError(error.message)
    throw error
  }
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
  try {
    message = (JSON.parse(text) as QueryErrorJson).error
  } catch {
    // Not JSON: show the body as sent.
  }
  throw new CliError(message)
}

function cellText(value: string | number | null): string {
  if (value === null) return 'NULL'
  return printable(String(value)).replace(/\n/g, '\\n')
}

/** Formats rows as a table with aligned columns, numbers right-aligned, and a row count. */
export function formatQueryTable(result: QueryResult): string {
  const header = result.columns.map((name) => printable(name))
  const cells = result.rows.map((row) => row.map(cellText))
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
  return [line(header), rule, ...cells.map(line), count].join('\n')
}
