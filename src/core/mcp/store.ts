// Read-only access of `loupe mcp` to a data folder's store. The store is
// opened on the first tool call that needs it, and again after a failure.
// So the server can start before any trace exists. It keeps working while
// `loupe serve` writes to the same file, because SQLite's WAL lets both
// proceed.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DATABASE_FILE, openDatabase } from '../store/database'
import { TraceQueries } from '../store/queries'

/** An expected failure of a tool call, returned to the client as a tool error with this message. */
export class ToolError extends Error {
  override name = 'ToolError'
}

export class ReadOnlyStore {
  private queries: TraceQueries | null = null

  constructor(readonly dataDir: string) {}

  /** Returns the store's queries, opening it first; throws ToolError when there is no store. */
  open(): TraceQueries {
    if (this.queries) return this.queries
    this.checkExists()
    this.queries = new TraceQueries(openDatabase(this.dataDir, { readonly: true }))
    return this.queries
  }

  /** Throws ToolError when the folder or its store file is missing. */
  checkExists(): void {
    if (!existsSync(this.dataDir)) {
      throw new ToolError(
        `no Loupe data folder at ${this.dataDir}; start \`loupe mcp\` with --data DIR or ` +
          'LOUPE_DATA_DIR set to the folder that `loupe serve` uses',
      )
    }
    if (!existsSync(join(this.dataDir, DATABASE_FILE))) {
      throw new ToolError(
        `the folder ${this.dataDir} has no Loupe store yet; send traces to \`loupe serve\` ` +
          'or the desktop app first',
      )
    }
  }

  /** Closes the connection, so that the next call opens the store again. */
  close(): void {
    this.queries?.database.close()
    this.queries = null
  }
}

/** Returns a trace id in lower case; throws ToolError unless it is 32 hexadecimal digits. */
export function checkTraceId(value: string): string {
  const id = value.trim().toLowerCase()
  if (!/^[0-9a-f]{32}$/.test(id)) {
    throw new ToolError(
      `invalid trace id ${JSON.stringify(value)}: expected 32 hexadecimal digits, ` +
        'as search_traces returns them',
    )
  }
  return id
}

/** Returns a span id in lower case; throws ToolError unless it is 16 hexadecimal digits. */
export function checkSpanId(value: string): string {
  const id = value.trim().toLowerCase()
  if (!/^[0-9a-f]{16}$/.test(id)) {
    throw new ToolError(
      `invalid span id ${JSON.stringify(value)}: expected 16 hexadecimal digits, ` +
        'as show_trace lists them in brackets',
    )
  }
  return id
}
