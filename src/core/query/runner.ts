// Runs user SQL in a child process per query, so a slow statement never
// blocks the core's event loop. At the time limit the process is killed,
// which ends the statement with it. worker.ts says why this is not a
// worker thread.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fork, type ChildProcess } from 'node:child_process'
import type { QueryErrorCode, QueryRequest, QueryResult } from '../../shared/api'
import { packageRoot } from '../package-root'
import { QueryError } from './statement'

export const DEFAULT_LIMIT_ROWS = 10_000
export const MAX_LIMIT_ROWS = 100_000
export const DEFAULT_TIMEOUT_MS = 5_000
export const MAX_TIMEOUT_MS = 60_000
/** Queries that may run at once; each uses a process and a connection. */
export const MAX_RUNNING_QUERIES = 4

export interface WorkerInput {
  dataDir: string
  sql: string
  limitRows: number
}

export type WorkerReply =
  { type: 'result'; result: QueryResult } | { type: 'error'; code: QueryErrorCode; message: string }

/** Path of the built query process entry (electron.vite.config.ts builds it). */
function workerScript(): string {
  return join(packageRoot(), 'out', 'main', 'query-worker.js')
}

/** Throws QueryError when a limit is not a positive integer within its maximum. */
function checkLimit(
  name: string,
  value: number | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new QueryError(`${name} must be an integer from 1 to ${max}, not ${value}`, 'invalid')
  }
  return value
}

export class QueryRunner {
  private readonly children = new Set<ChildProcess>()

  constructor(private readonly dataDir: string) {}

  /**
   * Runs one statement and resolves with its rows, or rejects with a
   * QueryError (rejected, invalid, failed, timeout or busy).
   */
  async run(request: QueryRequest): Promise<QueryResult> {
    const limitRows = checkLimit('limitRows', request.limitRows, DEFAULT_LIMIT_ROWS, MAX_LIMIT_ROWS)
    const timeoutMs = checkLimit('timeoutMs', request.timeoutMs, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS)
    const script = workerScript()
    if (!existsSync(script)) {
      throw new QueryError(
        `the query process script ${script} is missing; build Loupe with \`npx electron-vite build\``,
        'failed',
      )
    }
    if (this.children.size >= MAX_RUNNING_QUERIES) {
      throw new QueryError(
        `${MAX_RUNNING_QUERIES} queries are already running; wait for one to finish and try again`,
        'busy',
      )
    }
    const input: WorkerInput = { dataDir: this.dataDir, sql: request.sql, limitRows }
    // ELECTRON_RUN_AS_NODE makes the Electron binary (process.execPath in
    // the desktop app's core) run the script as plain Node.
    // NOTE: not verified in a packaged app, where the script is inside app.asar.
    const child = fork(script, [], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    })
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    child.send(input)
    return awaitReply(child, timeoutMs)
  }

  /** Kills the queries still running, when the core stops. */
  stop(): void {
    for (const child of this.children) child.kill('SIGKILL')
  }
}

/** Resolves with the query process's result, or rejects when it fails or passes the time limit (then kills it). */
function awaitReply(child: ChildProcess, timeoutMs: number): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (action: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      action()
    }
    const timer = setTimeout(() => {
      settle(() =>
        reject(
          new QueryError(
            `the query timed out after ${timeoutMs} ms and was stopped. Narrow it (for example ` +
              "WHERE start_timestamp > datetime('now', '-1 hour')), or raise the time limit " +
              `(timeoutMs, or --timeout in the CLI; at most ${MAX_TIMEOUT_MS} ms)`,
            'timeout',
          ),
        ),
      )
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('message', (message: WorkerReply) => {
      settle(() => {
        if (message.type === 'result') resolve(message.result)
        else reject(new QueryError(message.message, message.code))
      })
    })
    child.once('error', (error) =>
      settle(() => reject(new QueryError(`the query process failed: ${error.message}`, 'failed'))),
    )
    child.once('exit', (code, signal) =>
      settle(() =>
        reject(
          new QueryError(
            `the query process exited (${signal ?? `code ${code}`}) before replying`,
            'failed',
          ),
        ),
      ),
    )
  })
}
