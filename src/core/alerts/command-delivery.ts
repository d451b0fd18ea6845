// Delivers an alert to a program: the alert JSON goes to its standard input,
// and its exit and the end of its standard error are recorded.

import { spawn } from 'node:child_process'
import type { CommandDelivery, DeliveryResult } from '../../shared/alerts'
import { DEFAULT_COMMAND_TIMEOUT_MS } from './rules'

/** Maximum bytes of a command's standard error kept (the last ones). */
export const MAX_STDERR_BYTES = 4096

export interface CommandOptions {
  /** The folder the program runs in; relative paths in argv are resolved from it. */
  cwd: string
  /** Kills the program when aborted, as when the core stops. */
  signal?: AbortSignal
}

/**
 * Runs `delivery.argv` without a shell, writes `alertJson` and a newline to
 * its standard input, and resolves once it exits or passes its time limit
 * (then it is killed). Never rejects: a failure is a result with `ok: false`.
 */
export function runCommandDelivery(
  delivery: CommandDelivery,
  alertJson: string,
  options: CommandOptions,
): Promise<DeliveryResult> {
  const timeoutMs = delivery.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
  const started = performance.now()
  const [program, ...args] = delivery.argv
  return new Promise((resolve) => {
    let stderr = Buffer.alloc(0)
    let exit: { code: number | null; signal: string | null } | null = null
    let settled = false
    const finish = (error: string | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      const code = exit?.code ?? null
      resolve({
        channel: 'command',
        ok: error === null && code === 0,
        error: error ?? (code === 0 ? null : exitMessage(exit)),
        durationMs: performance.now() - started,
        exitCode: code,
        signal: exit?.signal ?? null,
        stderr: stderr.toString('utf8'),
      })
    }
    const child = spawn(program!, args, {
      cwd: options.cwd,
      stdio: ['pipe', 'ignore', 'pipe'],
      shell: false,
      windowsHide: true,
    })
    const timer = setTimeout(() => {
      if (exit !== null) {
        // The program ended, but a process it started keeps its standard error open.
        finish(null)
        return
      }
      child.kill('SIGKILL')
      finish(`timed out after ${timeoutMs} ms and was killed`)
    }, timeoutMs)
    const onAbort = () => {
      child.kill('SIGKILL')
      finish('stopped because Loupe is stopping')
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    child.once('error', (error) => finish(`cannot run ${program}: ${error.message}`))
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk])
      if (stderr.length > MAX_STDERR_BYTES) stderr = stderr.subarray(-MAX_STDERR_BYTES)
    })
    child.once('exit', (code, signal) => (exit = { code, signal }))
    child.once('close', () => finish(null))
    // A program that exits without reading its input closes the pipe: that is not a failure.
    child.stdin!.on('error', () => {})
    child.stdin!.end(`${alertJson}\n`)
  })
}

function exitMessage(exit: { code: number | null; signal: string | null } | null): string {
  if (exit === null) return 'did not exit'
  return exit.signal !== null ? `ended by signal ${exit.signal}` : `exited with code ${exit.code}`
}
