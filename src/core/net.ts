// Binding Loupe's ports, falling back to a free port when a default one is
// taken, and finding out which process holds a taken port.

import { execFile } from 'node:child_process'
import { readdir, readFile, readlink } from 'node:fs/promises'
import type { Server } from 'node:http'
import { promisify } from 'node:util'
import type { PortStatus } from '../shared/api'

const execFileAsync = promisify(execFile)

/** Thrown when a port the user asked for explicitly is taken. */
export class PortInUseError extends Error {
  override name = 'PortInUseError'
}

export function listenHttp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening)
      reject(error)
    }
    const onListening = () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

export function isAddressInUse(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException & { details?: string }
  if (e?.code === 'EADDRINUSE') return true
  // grpc-js reports a taken port as a bind failure without an errno code.
  return (
    typeof e?.message === 'string' &&
    /No address added|EADDRINUSE|address already in use/i.test(e.message)
  )
}

export interface BindRequest {
  purpose: PortStatus['purpose']
  requested: number
  /** True when the user chose the port; then a taken port is an error, not a fallback. */
  explicit: boolean
  flag: string
  bind: (port: number) => Promise<number>
  /** Ports that the fallback search must skip (Loupe's other ports). */
  reserved: number[]
  /**
   * Ports that Loupe's other servers were given explicitly. A server on its
   * default port skips a port in this list, which a server bound after it needs.
   */
  claimed: { port: number; flag: string }[]
}

const FALLBACK_ATTEMPTS = 20

/**
 * Bind `requested`; when it is taken and was not chosen explicitly, bind the
 * next free port above it. Returns the status the UI reports.
 */
export async function bindWithFallback(request: BindRequest): Promise<PortStatus> {
  const claimed = request.explicit
    ? undefined
    : request.claimed.find((other) => other.port === request.requested)
  if (claimed === undefined) {
    try {
      const actual = await request.bind(request.requested)
      return { purpose: request.purpose, requested: request.requested, actual, conflict: null }
    } catch (error) {
      if (!isAddressInUse(error)) throw error
    }
  }
  const holder = claimed ? `Loupe's ${claimed.flag}` : await findPortHolder(request.requested)
  if (request.explicit) {
    throw new PortInUseError(
      `port ${request.requested} is in use${holder ? ` by ${holder}` : ''}; ` +
        `choose another with ${request.flag} PORT (0 picks a free one)`,
    )
  }
  let candidate = request.requested
  for (let attempt = 0; attempt < FALLBACK_ATTEMPTS; attempt++) {
    candidate++
    if (request.reserved.includes(candidate)) continue
    try {
      const actual = await request.bind(candidate)
      return {
        purpose: request.purpose,
        requested: request.requested,
        actual,
        conflict: { holder },
      }
    } catch (error) {
      if (!isAddressInUse(error)) throw error
    }
  }
  const actual = await request.bind(0)
  return { purpose: request.purpose, requested: request.requested, actual, conflict: { holder } }
}

/** Describe the process listening on a TCP port ("python3 (pid 1234)"), or null when unknown. */
export async function findPortHolder(port: number): Promise<string | null> {
  try {
    if (process.platform === 'linux') return await findHolderFromProc(port)
    if (process.platform === 'darwin') return await findHolderWithLsof(port)
  } catch {
    // Looking up the holder is best effort: the port number alone still helps.
  }
  return null
}

async function findHolderFromProc(port: number): Promise<string | null> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      const local = fields[1]
      const state = fields[3]
      // State 0A is LISTEN.
      if (!local || state !== '0A') continue
      if (parseInt(local.split(':')[1] ?? '', 16) === port && fields[9]) inodes.add(fields[9])
    }
  }
  if (inodes.size === 0) return null
  const pids = await readdir('/proc').catch(() => [] as string[])
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      const match = /^socket:\[(\d+)\]$/.exec(target)
      if (match && inodes.has(match[1]!)) {
        const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim()
        return `${name || 'a process'} (pid ${pid})`
      }
    }
  }
  return 'another process'
}

async function findHolderWithLsof(port: number): Promise<string | null> {
  const { stdout } = await execFileAsync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], {
    timeout: 2000,
  })
  const pid = /^p(\d+)/m.exec(stdout)?.[1]
  const command = /^c(.+)$/m.exec(stdout)?.[1]
  return pid ? `${command ?? 'a process'} (pid ${pid})` : null
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/**
 * Build the Host-header check that stops DNS rebinding: only loopback names,
 * the bound address and the names the user allowed are served.
 */
export function hostChecker(
  boundHost: string,
  allowedHosts: string[],
): (host: string | undefined) => boolean {
  const allowed = new Set([
    ...LOOPBACK_NAMES,
    boundHost.toLowerCase(),
    ...allowedHosts.map((h) => h.toLowerCase()),
  ])
  return (host) => {
    // No browser omits Host, so a request without one is not a rebinding attack.
    if (host === undefined) return true
    const name = hostnameOf(host)
    return allowed.has(name) || name.endsWith('.localhost')
  }
}

function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase()
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1)
  const colon = lower.lastIndexOf(':')
  return colon >= 0 && lower.indexOf(':') === colon ? lower.slice(0, colon) : lower
}
