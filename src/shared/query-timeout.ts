// The message of a SQL query stopped at its time limit. The core, the CLI
// and the SQL explorer page each name the setting that raises the limit
// in their own terms.

/**
 * Returns the time-out message for `timeoutMs`. `raiseLimit` names the
 * setting, e.g. "--timeout (at most 60000 ms)".
 */
export function queryTimeoutMessage(timeoutMs: number, raiseLimit: string): string {
  return (
    `the query timed out after ${timeoutMs} ms and was stopped. Narrow it (for example ` +
    `WHERE start_timestamp > datetime('now', '-1 hour')), or raise ${raiseLimit}`
  )
}
