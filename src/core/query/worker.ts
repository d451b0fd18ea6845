// Entry point of a query process: it receives user SQL statements over IPC,
// runs them one after another on its own read-only connection and sends
// back each result or error. The core kills the process at the time limit.
// A worker thread would not do: better-sqlite3 cannot interrupt a
// statement, and terminating a thread only takes effect when the statement
// returns to JavaScript, so a runaway statement would keep a core busy.

import type Database from 'better-sqlite3'
import { QueryError, openQueryConnection, runUserStatement } from './statement'
import type { WorkerInput, WorkerReply } from './runner'

function errorReply(index: number, error: unknown): WorkerReply {
  if (error instanceof QueryError)
    return { type: 'error', index, code: error.code, message: error.message }
  return { type: 'error', index, code: 'failed', message: (error as Error).message }
}

function send(reply: WorkerReply): Promise<void> {
  return new Promise((resolve) => process.send?.(reply, () => resolve()))
}

async function runStatements(input: WorkerInput): Promise<void> {
  let db: Database.Database
  try {
    db = openQueryConnection(input.dataDir)
  } catch (error) {
    for (let index = 0; index < input.statements.length; index++) {
      await send(errorReply(index, error))
    }
    return
  }
  try {
    for (const [index, sql] of input.statements.entries()) {
      let reply: WorkerReply
      try {
        reply = { type: 'result', index, result: runUserStatement(db, sql, input.limitRows) }
      } catch (error) {
        reply = errorReply(index, error)
      }
      await send(reply)
    }
  } finally {
    db.close()
  }
}

process.once('message', (input: WorkerInput) => {
  void runStatements(input).then(() => process.exit(0))
})
