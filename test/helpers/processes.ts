// Checking by pid whether the processes a test started have ended.

import { readFileSync } from 'node:fs'
import { waitFor } from './sse'

/**
 * True while `pid` runs. A zombie (ended, not yet reaped by its parent) counts
 * as ended, since an orphan's new parent may be slow to reap it, or not reap
 * it at all when PID 1 is not an init. Reads /proc, so Linux only.
 */
export function isProcessRunning(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false
  }
  // The state follows the command name, which is in parentheses and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X'
}

/** Waits until none of `pids` runs. */
export async function waitUntilEnded(pids: number[], timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `processes ${pids.join(', ')} to end`,
    () => (pids.some(isProcessRunning) ? undefined : true),
    timeoutMs,
  )
}
