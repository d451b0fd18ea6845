// A `loupe serve` child process for the benchmarks, on loopback and free
// ports, with the core's CPU time and RSS read from /proc, and the senders
// that export the benchmark's requests to it.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import Database from 'better-sqlite3'
import { CORE_NODE_FLAGS } from '../src/core/heap-limits'
import { packageRoot } from '../src/core/package-root'
import { DATABASE_FILE } from '../src/core/store/database'
import { renumberJson, renumberTraces, type RequestBodies } from './workload'

export interface ServedCore {
  child: ChildProcess
  otlpHttpPort: number
  grpcPort: number
  dataDir: string
  /** Milliseconds from spawning the process to its discovery file, written once every port listens. */
  startMs: number
  uiUrl: string
  token: string
}

/** Starts `loupe serve` on `dataDir` (a new temporary folder when absent). */
export async function startServe(dataDir?: string): Promise<ServedCore> {
  const folder = dataDir ?? mkdtempSync(join(tmpdir(), 'loupe-bench-serve-'))
  const discovery = join(folder, 'loupe.json')
  rmSync(discovery, { force: true })
  const cli = join(packageRoot(), 'out/main/cli.js')
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [
      ...CORE_NODE_FLAGS,
      ...coreNodeArguments(),
      cli,
      'serve',
      '--data',
      folder,
      '--port',
      '0',
      '--grpc-port',
      '0',
      '--ui-port',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  let exited = false
  child.once('exit', () => (exited = true))
  while (!existsSync(discovery)) {
    if (exited) throw new Error(`loupe serve exited before it started, on ${folder}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const startMs = performance.now() - started
  const info = JSON.parse(readFileSync(discovery, 'utf8')) as {
    otlpHttpPort: number
    otlpGrpcPort: number
    uiUrl: string
    token: string
  }
  return {
    child,
    otlpHttpPort: info.otlpHttpPort,
    grpcPort: info.otlpGrpcPort,
    dataDir: folder,
    startMs,
    uiUrl: info.uiUrl,
    token: info.token,
  }
}

/**
 * Extra Node.js options for every core the benchmark starts, after the
 * CORE_NODE_FLAGS that `npm start` also passes. They come from
 * LOUPE_BENCH_CORE_NODE_ARGS (separated by spaces), such as
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the core under load, or
 * `--max-semi-space-size=16` to measure it without the young generation limit.
 */
function coreNodeArguments(): string[] {
  const text = process.env.LOUPE_BENCH_CORE_NODE_ARGS ?? ''
  return text.split(' ').filter((part) => part !== '')
}

/** Stops the core with SIGTERM and deletes its data folder unless `keepData`. */
export async function stopServe(core: ServedCore, keepData = false): Promise<void> {
  if (core.child.exitCode === null) {
    await new Promise<void>((resolve) => {
      core.child.once('exit', () => resolve())
      core.child.kill('SIGTERM')
    })
  }
  if (!keepData) rmSync(core.dataDir, { recursive: true, force: true })
}

/** Sends an API GET with the core's token and returns the response. */
export function apiGet(core: ServedCore, path: string): Promise<Response> {
  return fetch(`${core.uiUrl}${path}`, { headers: { Authorization: `Bearer ${core.token}` } })
}

/**
 * Waits until the core has normalized (and indexed) every stored span: the
 * API's `?wait=1` waits at most 5 s, so this repeats it until one returns
 * sooner. Returns the seconds waited.
 */
export async function waitUntilProcessed(core: ServedCore, maxSeconds: number): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < maxSeconds * 1000) {
    const t0 = performance.now()
    const response = await apiGet(core, '/api/status?wait=1')
    await response.arrayBuffer()
    if (performance.now() - t0 < 4500) return (performance.now() - started) / 1000
  }
  throw new Error(`the core was still normalizing after ${maxSeconds} s`)
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** CPU seconds (user + system) used so far by a process, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/** Resident set size of a process in MiB, from /proc; NaN once it has exited. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

/** Exports one request; resolves on acknowledgement and rejects on any other response. */
export type Sender = (sequence: number) => Promise<void>

export function httpSender(
  core: ServedCore,
  bodies: RequestBodies,
  encoding: 'protobuf' | 'json',
): Sender {
  const url = `http://127.0.0.1:${core.otlpHttpPort}/v1/traces`
  const json = bodies.json.toString('utf8')
  return async (sequence) => {
    const body =
      encoding === 'protobuf' ? renumberTraces(bodies, sequence) : renumberJson(json, sequence)
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json',
      },
      body,
    })
    await response.arrayBuffer()
    if (response.status !== 200) throw new Error(`export failed with HTTP ${response.status}`)
  }
}

export function grpcSender(core: ServedCore, bodies: RequestBodies): Sender {
  const client = new grpc.Client(`127.0.0.1:${core.grpcPort}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  })
  const identity = (value: Buffer) => value
  return (sequence) =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        identity,
        identity,
        renumberTraces(bodies, sequence),
        (error) => (error ? reject(error) : resolve()),
      )
    })
}

export interface LoadResult {
  spansPerSecond: number
  p50Ms: number
  p99Ms: number
  /** CPU of the core while the clients sent, per million spans acknowledged. */
  cpuSecondsPerMillion: number
  /**
   * CPU of the core until it had also normalized and indexed every span sent,
   * per million spans: the whole cost of ingest.
   */
  cpuSecondsPerMillionCaughtUp: number
  /** Spans acknowledged but not yet normalized and indexed when the clients stopped. */
  backlogSpans: number
  /** Seconds from the clients' stop until normalization and indexing had caught up. */
  catchUpSeconds: number
  peakRssMb: number
}

/** Sends requests flat out from `concurrency` clients for `seconds`. */
export async function runLoad(
  core: ServedCore,
  send: Sender,
  spansPerRequest: number,
  options: { seconds: number; concurrency: number },
): Promise<LoadResult> {
  const latencies: number[] = []
  let sequence = 1_000_000
  let spans = 0
  let peakRss = rssMb(core.child.pid!)
  const cpuBefore = cpuSeconds(core.child.pid!)
  const started = performance.now()
  const end = started + options.seconds * 1000
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(core.child.pid!))), 100)
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now()
        await send(sequence++)
        latencies.push(performance.now() - t0)
        spans += spansPerRequest
      }
    }),
  )
  const stopped = performance.now()
  const elapsed = (stopped - started) / 1000
  const cpu = cpuSeconds(core.child.pid!) - cpuBefore
  const backlogSpans = await waitForBackgroundPasses(core)
  const catchUpSeconds = (performance.now() - stopped) / 1000
  const cpuCaughtUp = cpuSeconds(core.child.pid!) - cpuBefore
  clearInterval(sampler)
  latencies.sort((a, b) => a - b)
  return {
    spansPerSecond: spans / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuSecondsPerMillion: (cpu / spans) * 1e6,
    cpuSecondsPerMillionCaughtUp: (cpuCaughtUp / spans) * 1e6,
    backlogSpans,
    catchUpSeconds,
    peakRssMb: peakRss,
  }
}

/**
 * Waits until the core has normalized and indexed every span stored so far,
 * reading its cursors from the store. Returns how many spans were waiting at
 * the start, and gives up after two minutes.
 */
async function waitForBackgroundPasses(core: ServedCore): Promise<number> {
  const db = new Database(join(core.dataDir, DATABASE_FILE), { readonly: true })
  try {
    const last = Number(
      db.prepare('SELECT coalesce(max(id), 0) FROM spans WHERE pending = 0').pluck().get(),
    )
    const cursors = db
      .prepare(
        `SELECT min(CAST(value AS INTEGER)) FROM meta WHERE key IN ('genai.cursor', 'search.span_cursor')`,
      )
      .pluck()
    const waiting = db
      .prepare('SELECT count(*) FROM spans WHERE id > ? AND id <= ? AND pending = 0')
      .pluck()
    const backlog = Number(waiting.get(Number(cursors.get() ?? 0), last))
    const deadline = performance.now() + 120_000
    while (Number(cursors.get() ?? 0) < last && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return backlog
  } finally {
    db.close()
  }
}
