// Runs user SQL in a child process per query, so a slow statement never
// blocks the core's event loop. At the time limit the process is killed,
// which ends the statement with it. worker.ts says why this is not a
// worker thread.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fork, type ChildProcess } from 'node:child_process'
import type { QueryErrorCode, QueryRequest, QueryResult } from '../../shared/api'
import { queryTimeoutMessage } from '../../shared/query-timeout'
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
  /** Statements run one after another on one connection, each with its own reply. */
  statements: string[]
  limitRows: number
}

/** The reply for `statements[index]`. */
export type WorkerReply =
  | { type: 'result'; index: number; result: QueryResult }
  | { type: 'error'; index: number; code: QueryErrorCode; message: string }

/** The rows of one statement of a batch, or the QueryError it ended with. */
export type StatementOutcome = { result: QueryResult } | { error: QueryError }

export interface BatchOptions {
  limitRows?: number
  /** Time limit of the whole batch, in milliseconds. */
  timeoutMs?: number
}

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
    const [outcome] = await this.runBatch([request.sql], request)
    if ('error' in outcome!) throw outcome.error
    return outcome!.result
  }

  /**
   * Runs several statements one after another in one query process, within
   * one time limit, and resolves with an outcome for each. Statements not
   * finished at the limit get a `timeout` error. Rejects with a QueryError
   * only when the batch cannot start (invalid limits, busy, not built).
   */
  async runBatch(statements: string[], options: BatchOptions = {}): Promise<StatementOutcome[]> {
    const limitRows = checkLimit('limitRows', options.limitRows, DEFAULT_LIMIT_ROWS, MAX_LIMIT_ROWS)
    const timeoutMs = checkLimit('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS)
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
    if (statements.length === 0) return []
    const input: WorkerInput = { dataDir: this.dataDir, statements, limitRows }
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
    return awaitReplies(child, statements.length, timeoutMs)
  }

  /** Kills the queries still running, when the core stops. */
  stop(): void {
    for (const child of this.children) child.kill('SIGKILL')
  }
}

function timeoutError(timeoutMs: number): QueryError {
  return new QueryError(
    queryTimeoutMessage(timeoutMs, `the time limit (timeoutMs, at most ${MAX_TIMEOUT_MS} ms)`),
    'timeout',
  )
}

/**
 * Resolves with an outcome for each of `count` statements once the query
 * process has replied for all of them. At the time limit, or when the
 * process fails or exits early, the statements without a reply get an
 * error, and a process still running is killed.
 */
function awaitReplies(
  child: ChildProcess,
  count: number,
  timeoutMs: number,
): Promise<StatementOutcome[]> {
  return new Promise((resolve) => {
    const outcomes: (StatementOutcome | undefined)[] = new Array<undefined>(count).fill(undefined)
    let replies = 0
    let settled = false
    const finish = (makeError: () => QueryError) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcomes.map((outcome) => outcome ?? { error: makeError() }))
    }
    const timer = setTimeout(() => {
      finish(() => timeoutError(timeoutMs))
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('message', (message: WorkerReply) => {
      if (settled || outcomes[message.index] !== undefined) return
      outcomes[message.index] =
        message.type === 'result'
          ? { result: message.result }
          : { error: new QueryError(message.message, message.code) }
      replies++
      if (replies === count)
        finish(() => new QueryError('the query process sent no reply for this statement', 'failed'))
    })
    child.once('error', (error) =>
      finish(() => new QueryError(`the query process failed: ${error.message}`, 'failed')),
    )
    child.once('exit', (code, signal) =>
      finish(
        () =>
          new QueryError(
            `the query process exited (${signal ?? `code ${code}`}) before replying`,
            'failed',
          ),
      ),
    )
  })
}
