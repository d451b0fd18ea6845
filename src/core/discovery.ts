// The lock and discovery file of a data folder. A core serving a folder holds
// `loupe.lock` (its pid) and writes `loupe.json` (pid, ports, API token,
// start time), so that CLI commands and a second `loupe serve` find it.

import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const LOCK_FILE = 'loupe.lock'
export const DISCOVERY_FILE = 'loupe.json'
export const TOKEN_FILE = 'api-token'

export interface Discovery {
  pid: number
  version: string
  dataDir: string
  startedAt: string
  host: string
  otlpHttpPort: number | null
  otlpGrpcPort: number | null
  uiPort: number
  uiUrl: string
  token: string
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError'
  constructor(
    message: string,
    readonly running: Discovery | null,
  ) {
    super(message)
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Take the folder's lock, or throw AlreadyRunningError naming the core that holds it. */
export function acquireLock(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 })
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number(readFileSync(file, 'utf8').trim())
    if (holder !== process.pid && isAlive(holder)) {
      const running = readDiscovery(dataDir)
      const where = running ? `; its UI is at ${running.uiUrl.split('?')[0]}` : ''
      throw new AlreadyRunningError(
        `Loupe is already serving ${dataDir} (pid ${holder})${where}. ` +
          'Stop it first, or serve another folder with --data DIR.',
        running,
      )
    }
    // The lock's owner is gone (it crashed): take the lock over.
    rmSync(file, { force: true })
  }
  throw new Error(`cannot take the lock ${file}; remove it if no Loupe is running`)
}

export function releaseLock(dataDir: string): void {
  const file = join(dataDir, LOCK_FILE)
  try {
    if (Number(readFileSync(file, 'utf8').trim()) !== process.pid) return
  } catch {
    return
  }
  rmSync(join(dataDir, DISCOVERY_FILE), { force: true })
  rmSync(file, { force: true })
}

export function writeDiscovery(discovery: Discovery): void {
  writeFileSync(
    join(discovery.dataDir, DISCOVERY_FILE),
    `${JSON.stringify(discovery, null, 2)}\n`,
    {
      mode: 0o600,
    },
  )
}

/** Read the discovery file of a core that is still running, or return null. */
export function readDiscovery(dataDir: string): Discovery | null {
  let discovery: Discovery
  try {
    discovery = JSON.parse(readFileSync(join(dataDir, DISCOVERY_FILE), 'utf8')) as Discovery
  } catch {
    return null
  }
  return isAlive(discovery.pid) ? discovery : null
}

/** Load the folder's API token (the per-install token of the UI and API), creating it on first use. */
export function loadOrCreateToken(dataDir: string): string {
  const file = join(dataDir, TOKEN_FILE)
  try {
    const token = readFileSync(file, 'utf8').trim()
    if (token.length >= 20) return token
  } catch {
    // Created below.
  }
  mkdirSync(dataDir, { recursive: true })
  const token = randomBytes(24).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return token
}
