// Entry point of a query process: it receives one user SQL statement over
// IPC, runs it on its own read-only connection and sends back the result or
// the error. The core kills the process at the time limit. A worker thread
// would not do: better-sqlite3 cannot interrupt a statement, and
// terminating a thread only takes effect when the statement returns to
// JavaScript, so a runaway statement would keep a core busy.

import { QueryError, openQueryConnection, runUserStatement } from './statement'
import type { WorkerInput, WorkerReply } from './runner'

function reply(input: WorkerInput): WorkerReply {
  let db: ReturnType<typeof openQueryConnection> | null = null
  try {
    db = openQueryConnection(input.dataDir)
    return { type: 'result', result: runUserStatement(db, input.sql, input.limitRows) }
  } catch (error) {
    if (error instanceof QueryError)
      return { type: 'error', code: error.code, message: error.message }
    return { type: 'error', code: 'failed', message: (error as Error).message }
  } finally {
    db?.close()
  }
}

process.once('message', (input: WorkerInput) => {
  process.send?.(reply(input), () => process.exit(0))
})
