// Crash durability: a 200 from the OTLP receiver means the spans are
// committed. `loupe serve` takes sustained OTLP/HTTP protobuf from several
// clients, is killed with SIGKILL mid-stream, and is started again on the
// same folder, which still holds the dead core's lock and discovery files.
// Every span of every acknowledged request must then be in the store, and
// the store must pass SQLite's integrity check.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces, type RequestBodies } from '../../bench/workload'
import { DISCOVERY_FILE, LOCK_FILE, type Discovery } from '../../src/core/discovery'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { DATABASE_FILE } from '../../src/core/store/database'
import { makeDataDir, removeDir, repoRoot } from '../helpers/core'

const CLIENTS = 4
/** Spans per request: one GenAI trace of 32 spans, about 200 KB of protobuf. */
const SPANS_PER_REQUEST = 32
/** The core is killed after this long, or after MAX_ACKNOWLEDGED requests, whichever comes first. */
const KILL_AFTER_MS = 2_500
const MAX_ACKNOWLEDGED = 400
/** Upper bound on requests sent, so the load stops even if the kill fails. */
const MAX_REQUESTS = 2_000

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Served {
  child: ChildProcess
  discovery: Discovery
  output: () => string
}

/** Starts `loupe serve` and waits until it has printed its addresses (after writing discovery). */
async function serve(dataDir: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin/loupe.js'),
      'serve',
      '--data',
      dataDir,
      '--port',
      '0',
      '--grpc-port',
      '0',
      '--ui-port',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  cleanups.push(() => stopServe(child))
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`
  for (let i = 0; i < 300 && !stdout.includes('OTLP/gRPC'); i++) {
    if (child.exitCode !== null) throw new Error(`loupe serve exited early\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!stdout.includes('OTLP/gRPC')) throw new Error(`loupe serve did not start\n${output()}`)
  const discovery = JSON.parse(readFileSync(join(dataDir, DISCOVERY_FILE), 'utf8')) as Discovery
  return { child, discovery, output }
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = waitForExit(child)
  child.kill('SIGTERM')
  await exited
}

/** Returns the trace id of request `sequence`, which renumberTraces writes into the first four bytes. */
function traceIdOf(templateTraceId: string, sequence: number): string {
  return sequence.toString(16).padStart(8, '0') + templateTraceId.slice(8)
}

interface LoadResult {
  /** "traceId:spanId" of every span whose request got a 200. */
  acknowledged: Set<string>
  acknowledgedRequests: number
  failedRequests: number
  inFlightAtKill: number
}

/**
 * Sends renumbered copies of `template` from several clients until `kill`
 * fires, records the spans of every request that got a 200, and calls
 * `kill` once KILL_AFTER_MS have passed or MAX_ACKNOWLEDGED requests were
 * acknowledged.
 */
async function sendUntilKilled(
  url: string,
  template: RequestBodies,
  kill: () => void,
): Promise<LoadResult> {
  const decoded = decodeTracesProto(template.protobuf)
  const spans = decoded.groups.flatMap((group) => group.spans)
  expect(spans).toHaveLength(SPANS_PER_REQUEST)
  const templateTraceId = spans[0]!.traceId
  expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([templateTraceId]))

  const result: LoadResult = {
    acknowledged: new Set(),
    acknowledgedRequests: 0,
    failedRequests: 0,
    inFlightAtKill: -1,
  }
  let nextSequence = 1
  let inFlight = 0
  let killed = false
  const killNow = () => {
    if (killed) return
    killed = true
    result.inFlightAtKill = inFlight
    kill()
  }
  const timer = setTimeout(killNow, KILL_AFTER_MS)

  const client = async () => {
    while (!killed && nextSequence <= MAX_REQUESTS) {
      const sequence = nextSequence++
      inFlight++
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf' },
          body: renumberTraces(template, sequence),
        })
        await response.arrayBuffer()
        if (response.status === 200) {
          const traceId = traceIdOf(templateTraceId, sequence)
          for (const span of spans) result.acknowledged.add(`${traceId}:${span.spanId}`)
          result.acknowledgedRequests++
          if (result.acknowledgedRequests >= MAX_ACKNOWLEDGED) killNow()
        } else {
          result.failedRequests++
        }
      } catch {
        // The connection broke because the core was killed: not acknowledged.
        result.failedRequests++
      } finally {
        inFlight--
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client))
  clearTimeout(timer)
  killNow()
  return result
}

describe('crash durability', () => {
  it('keeps every acknowledged span across kill -9', async () => {
    const dataDir = makeDataDir('loupe-durability-')
    cleanups.push(() => removeDir(dataDir))
    const template = buildRequest('genai', SPANS_PER_REQUEST, 11)

    const first = await serve(dataDir)
    const firstUrl = `http://127.0.0.1:${first.discovery.otlpHttpPort}/v1/traces`
    const firstExit = waitForExit(first.child)
    const load = await sendUntilKilled(firstUrl, template, () => first.child.kill('SIGKILL'))
    expect(await firstExit).toEqual({ code: null, signal: 'SIGKILL' })

    expect(load.acknowledgedRequests).toBeGreaterThan(0)
    // The kill hit requests in flight, so it happened mid-stream.
    expect(load.inFlightAtKill).toBeGreaterThan(0)
    // The dead core could not clean up after itself.
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true)
    expect(existsSync(join(dataDir, DISCOVERY_FILE))).toBe(true)

    const second = await serve(dataDir)
    expect(second.discovery.pid).toBe(second.child.pid)
    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8').trim()).toBe(String(second.child.pid))
    const after = await fetch(`http://127.0.0.1:${second.discovery.otlpHttpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: renumberTraces(template, MAX_REQUESTS + 1),
    })
    expect(after.status).toBe(200)
    const exited = waitForExit(second.child)
    second.child.kill('SIGTERM')
    expect(await exited, second.output()).toEqual({ code: 0, signal: null })
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)

    const db = new Database(join(dataDir, DATABASE_FILE))
    cleanups.push(() => {
      db.close()
    })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    const rows = db.prepare('SELECT trace_id, span_id FROM spans').all() as {
      trace_id: string
      span_id: string
    }[]
    const stored = new Set(rows.map((row) => `${row.trace_id}:${row.span_id}`))
    const missing = [...load.acknowledged].filter((key) => !stored.has(key))
    expect(missing).toEqual([])
    // The request acknowledged by the second core is stored too.
    expect(rows.length).toBeGreaterThanOrEqual(load.acknowledged.size + SPANS_PER_REQUEST)
    console.log(
      `durability: ${load.acknowledgedRequests} requests acknowledged ` +
        `(${load.acknowledged.size} spans), ${load.failedRequests} failed, ` +
        `${load.inFlightAtKill} in flight at the kill, ${rows.length} spans stored`,
    )
  })
})
