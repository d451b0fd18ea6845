// Storage failures as a user meets them. A full disk (simulated with
// PRAGMA max_page_count on the core's connection) returns 503 or
// RESOURCE_EXHAUSTED with the store's size and the fix, keeps serving reads
// and recovers when space returns, also when retention makes the space. A
// write lock held by another process returns 503 or UNAVAILABLE without
// stalling the core, and the retried request is stored. A damaged store file
// and a read-only data folder stop `loupe serve` with a message that names
// the file or folder and what to do, and no stack trace.

import { spawn } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces } from '../../bench/workload'
import { LOCK_FILE } from '../../src/core/discovery'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { DATABASE_FILE } from '../../src/core/store/database'
import type { CoreStatus, TraceSummary } from '../../src/shared/api'
import { apiGet, rpcStatusOf, type HttpCaseResponse } from '../helpers/cases'
import { makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { exportOverGrpc, grpcClient } from '../helpers/grpc'
import { serveUntilExit } from '../helpers/serve'

const SPANS_PER_REQUEST = 32
const GRPC_RESOURCE_EXHAUSTED = 8
const GRPC_UNAVAILABLE = 14
/** SQLite's largest max_page_count: no limit short of the disk. */
const UNLIMITED_PAGES = 4294967294
const DAY_MS = 24 * 60 * 60 * 1000

const template = buildRequest('genai', SPANS_PER_REQUEST, 21)
const templateTraceId = decodeTracesProto(template.protobuf).groups[0]!.spans[0]!.traceId
const traceIdOf = (sequence: number) =>
  sequence.toString(16).padStart(8, '0') + templateTraceId.slice(8)

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startCoreForTest(options: Parameters<typeof startTestCore>[1] = {}) {
  const loupe = await startTestCore(makeDataDir('loupe-storage-'), options)
  cleanups.push(() => removeDir(loupe.dataDir))
  cleanups.push(() => loupe.stop())
  return loupe
}

interface SentRequest extends HttpCaseResponse {
  retryAfter: string | null
}

/** Sends request `sequence`: the template's 32 spans in a trace of their own. */
async function sendTraces(loupe: TestCore, sequence: number): Promise<SentRequest> {
  const started = performance.now()
  const response = await fetch(`${loupe.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf' },
    body: renumberTraces(template, sequence),
  })
  return {
    transport: 'http',
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
    elapsedMs: performance.now() - started,
    retryAfter: response.headers.get('retry-after'),
  }
}

function storedSpans(loupe: TestCore, sequence: number): number {
  const row = loupe.core.database
    .prepare('SELECT count(*) AS n FROM spans WHERE trace_id = ?')
    .get(traceIdOf(sequence)) as { n: number }
  return row.n
}

function pageCount(loupe: TestCore): number {
  return loupe.core.database.pragma('page_count', { simple: true }) as number
}

/** Makes the core's connection unable to grow the file, as a full disk would. */
function fillDisk(loupe: TestCore): void {
  loupe.core.database.pragma(`max_page_count = ${pageCount(loupe)}`)
}

async function status(loupe: TestCore): Promise<CoreStatus> {
  const { status: code, body } = await apiGet<CoreStatus>(loupe, '/api/status')
  expect(code).toBe(200)
  return body
}

describe('full disk', () => {
  it('answers 503 with the fix, serves reads and recovers', async () => {
    const loupe = await startCoreForTest()
    for (let sequence = 1; sequence <= 3; sequence++) {
      expect((await sendTraces(loupe, sequence)).status).toBe(200)
    }
    fillDisk(loupe)
    const file = join(loupe.dataDir, DATABASE_FILE)

    const rejected = await sendTraces(loupe, 4)
    expect(rejected.status).toBe(503)
    expect(rejected.retryAfter).toBe('10')
    const message = rpcStatusOf(rejected)
    expect(message.code).toBe(GRPC_RESOURCE_EXHAUSTED)
    expect(message.message).toMatch(new RegExp(`^the store ${file} is full at \\d+\\.\\d MiB`))
    expect(message.message).toContain('Free disk space')
    expect(message.message).toContain('--max-store-mb or --retention-days')
    expect(storedSpans(loupe, 4)).toBe(0)

    const client = grpcClient(loupe.grpcAddress)
    cleanups.push(() => client.close())
    const overGrpc = await exportOverGrpc(client, 'traces', renumberTraces(template, 5))
    expect(overGrpc.code).toBe(GRPC_RESOURCE_EXHAUSTED)
    expect(overGrpc.retryDelaySeconds).toBe(10)
    expect(overGrpc.details).toContain(`the store ${file} is full`)

    // Reads go on: the traces stored before the disk filled are listed.
    const { status: listStatus, body: traces } = await apiGet<TraceSummary[]>(
      loupe,
      '/api/traces?limit=50',
    )
    expect(listStatus).toBe(200)
    expect(traces.map((t) => t.traceId).sort()).toEqual([1, 2, 3].map(traceIdOf).sort())
    expect((await status(loupe)).store?.writeError).toContain('is full')

    // Space returns: the client's retry is stored.
    loupe.core.database.pragma(`max_page_count = ${UNLIMITED_PAGES}`)
    expect((await sendTraces(loupe, 4)).status).toBe(200)
    expect(storedSpans(loupe, 4)).toBe(SPANS_PER_REQUEST)
    expect((await status(loupe)).store?.writeError).toBeNull()
  })

  it('recovers when retention deletes expired traces', async () => {
    const loupe = await startCoreForTest({ retentionDays: 7 })
    for (let sequence = 1; sequence <= 8; sequence++) {
      expect((await sendTraces(loupe, sequence)).status).toBe(200)
    }
    await loupe.core.whenNormalized()
    // Traces 1-6 were last active 30 days ago, as if the store had been
    // serving that long; 7 and 8 are recent.
    const longAgoMs = Date.now() - 30 * DAY_MS
    const age = loupe.core.database.prepare(
      'UPDATE traces SET updated_ms = ?, end_ns = ? WHERE trace_id = ?',
    )
    for (let sequence = 1; sequence <= 6; sequence++) {
      age.run(longAgoMs, BigInt(longAgoMs) * 1_000_000n, traceIdOf(sequence))
    }
    fillDisk(loupe)

    const first = await sendTraces(loupe, 9)
    expect(first.status).toBe(503)
    // The failure starts a retention pass; an exporter's retries then succeed.
    let retried = first
    for (let attempt = 0; attempt < 50 && retried.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      retried = await sendTraces(loupe, 9)
    }
    expect(retried.status).toBe(200)
    expect(storedSpans(loupe, 9)).toBe(SPANS_PER_REQUEST)
    for (let sequence = 1; sequence <= 6; sequence++) {
      expect(storedSpans(loupe, sequence), `trace ${sequence}`).toBe(0)
    }
    expect(storedSpans(loupe, 7)).toBe(SPANS_PER_REQUEST)
    expect(storedSpans(loupe, 8)).toBe(SPANS_PER_REQUEST)
  })
})

describe('locked store', () => {
  it('answers 503 while another process holds the lock', async () => {
    const loupe = await startCoreForTest()
    expect((await sendTraces(loupe, 1)).status).toBe(200)
    const file = join(loupe.dataDir, DATABASE_FILE)
    const release = await holdWriteLock(file)

    const started = performance.now()
    const client = grpcClient(loupe.grpcAddress)
    cleanups.push(() => client.close())
    const pendingHttp = sendTraces(loupe, 2)
    const pendingGrpc = exportOverGrpc(client, 'traces', renumberTraces(template, 3))
    // The core keeps serving requests while its writer waits for the lock.
    const statusStarted = performance.now()
    await status(loupe)
    const statusMs = performance.now() - statusStarted
    const [http, overGrpc] = await Promise.all([pendingHttp, pendingGrpc])
    const waitedMs = performance.now() - started
    console.log(
      `locked store: rejected after ${waitedMs.toFixed(0)} ms; ` +
        `GET /api/status took ${statusMs.toFixed(0)} ms meanwhile`,
    )
    expect(statusMs).toBeLessThan(1_000)

    expect(http.status).toBe(503)
    expect(http.retryAfter).toBe('5')
    const message = rpcStatusOf(http).message
    expect(message).toMatch(
      new RegExp(
        `^the store ${file} is locked: another connection held its write lock for over \\d`,
      ),
    )
    expect(message).toContain('sqlite3 shell')
    expect(overGrpc.code).toBe(GRPC_UNAVAILABLE)
    expect(overGrpc.retryDelaySeconds).toBe(5)
    expect(overGrpc.details).toContain('is locked')
    expect((await status(loupe)).store?.writeError).toContain('is locked')

    await release()
    // The clients retry and their spans are stored once.
    expect((await sendTraces(loupe, 2)).status).toBe(200)
    expect((await exportOverGrpc(client, 'traces', renumberTraces(template, 3))).code).toBe(0)
    expect(storedSpans(loupe, 2)).toBe(SPANS_PER_REQUEST)
    expect(storedSpans(loupe, 3)).toBe(SPANS_PER_REQUEST)
    expect((await status(loupe)).store?.writeError).toBeNull()
  })
})

/**
 * Starts a process that holds the store's write lock (BEGIN IMMEDIATE) until
 * the returned function is called.
 */
async function holdWriteLock(file: string): Promise<() => Promise<void>> {
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3')
  const script = `
    const Database = require(process.argv[1])
    const db = new Database(process.argv[2])
    db.exec('BEGIN IMMEDIATE')
    process.stdout.write('locked\\n')
    process.stdin.on('end', () => { db.exec('COMMIT'); db.close() })
    process.stdin.resume()
  `
  const holder = spawn(process.execPath, ['-e', script, sqlitePath, file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()))
  cleanups.push(async () => {
    holder.stdin!.end()
    await exited
  })
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve()
    })
    holder.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)))
  })
  return async () => {
    holder.stdin!.end()
    await exited
  }
}

describe('loupe serve at start', () => {
  /** Returns a data folder whose store contains one trace, written by a core that has stopped. */
  async function folderWithStore(): Promise<string> {
    const loupe = await startTestCore(makeDataDir('loupe-storage-'))
    cleanups.push(() => removeDir(loupe.dataDir))
    expect((await sendTraces(loupe, 1)).status).toBe(200)
    await loupe.stop()
    return loupe.dataDir
  }

  it('names a damaged store file and how to set it aside', async () => {
    const original = await folderWithStore()
    const copy = makeDataDir('loupe-damaged-')
    cleanups.push(() => removeDir(copy))
    const file = join(copy, DATABASE_FILE)
    copyFileSync(join(original, DATABASE_FILE), file)
    const garbage = Buffer.from('this is not the header of a SQLite database file. '.repeat(2))
    const fd = openSync(file, 'r+')
    writeSync(fd, garbage, 0, garbage.length, 0)
    closeSync(fd)
    const damaged = readFileSync(file)

    const result = await serveUntilExit(copy)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `loupe: the store ${file} is damaged or is not a SQLite database`,
    )
    expect(result.stderr).toContain(`mv ${file} ${file}.damaged`)
    expect(result.stderr).toContain('--data DIR')
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.stdout).toBe('')
    // The file is left as it was for the user to inspect or recover.
    expect(readFileSync(file).equals(damaged)).toBe(true)
    expect(existsSync(join(copy, LOCK_FILE))).toBe(false)
  })

  it('names a read-only data folder', async () => {
    const folder = await folderWithStore()
    const stored = readFileSync(join(folder, DATABASE_FILE))
    chmodSync(folder, 0o555)
    cleanups.push(() => chmodSync(folder, 0o755))
    // Root writes through permission bits, so run Loupe as an unprivileged user then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}

    const result = await serveUntilExit(folder, [], asUser)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`loupe: the data folder ${folder} is not writable`)
    expect(result.stderr).toContain('--data DIR')
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(readFileSync(join(folder, DATABASE_FILE)).equals(stored)).toBe(true)
  })

  it('names a data folder it cannot create', async () => {
    const parent = makeDataDir('loupe-readonly-parent-')
    cleanups.push(() => removeDir(parent))
    mkdirSync(join(parent, 'locked'), { mode: 0o555 })
    const folder = join(parent, 'locked', 'loupe')
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
    chmodSync(parent, 0o755)

    const result = await serveUntilExit(folder, [], asUser)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`loupe: cannot create the data folder ${folder}`)
    expect(result.stderr).toContain('--data DIR')
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })
})
