// Entry point of a query worker thread: it runs one user SQL statement on its
// own read-only connection and posts the result or the error. The core
// terminates the thread at the time limit, since better-sqlite3 cannot
// interrupt a running statement.

import { parentPort, workerData } from 'node:worker_threads'
import { QueryError, openQueryConnection, runUserStatement } from './statement'
import type { WorkerInput, WorkerReply } from './runner'

const input = workerData as WorkerInput

function reply(): WorkerReply {
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

parentPort?.postMessage(reply())
