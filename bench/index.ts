// `npm run bench`: ingest throughput of Loupe on this machine, against the
// limits measured in the same run (decode only, insert only). Prints a
// Markdown table and the machine it ran on; docs/benchmarks.md records runs.
//
// Every server in this benchmark is started here, on 127.0.0.1, and every
// load loop stops after a fixed time.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { cpus, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { decodeTracesJson, decodeTracesProto } from '../src/core/otlp/index'
import type { DecodedTraces } from '../src/core/otlp/model'
import { openDatabase } from '../src/core/store/database'
import { SpanWriter } from '../src/core/store/writer'
import { packageRoot } from '../src/core/package-root'
import { formatSearchCost, measureSearch } from './search'
import {
  buildRequest,
  renumberJson,
  renumberTraces,
  SPANS_PER_TRACE,
  type Profile,
  type RequestBodies,
} from './workload'

const SECONDS = Number(process.env.LOUPE_BENCH_SECONDS ?? 5)
const SPANS_PER_REQUEST = 512
const CONCURRENCY = 4

interface Row {
  profile: Profile
  measure: string
  spansPerSecond: number
  note: string
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function measureDecode(bodies: RequestBodies, encoding: 'protobuf' | 'json'): number {
  const text = bodies.json.toString('utf8')
  let spans = 0
  const end = performance.now() + SECONDS * 1000
  while (performance.now() < end) {
    if (encoding === 'protobuf') decodeTracesProto(bodies.protobuf)
    else decodeTracesJson(text)
    spans += bodies.spans
  }
  return spans / SECONDS
}

async function measureInsert(bodies: RequestBodies): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-insert-'))
  const db = openDatabase(dataDir)
  const writer = new SpanWriter(db)
  const decoded: DecodedTraces[] = []
  for (let i = 0; i < 8; i++) decoded.push(decodeTracesProto(renumberTraces(bodies, i)))
  let spans = 0
  let sequence = 0
  const started = performance.now()
  const end = started + SECONDS * 1000
  while (performance.now() < end) {
    // Give each batch fresh trace ids so every span is a new row.
    const batch = decoded[sequence % decoded.length]!
    const prefix = (sequence + 1000).toString(16).padStart(8, '0')
    for (const group of batch.groups)
      for (const span of group.spans) span.traceId = prefix + span.traceId.slice(8)
    await writer.writeTraces(batch)
    spans += bodies.spans
    sequence++
  }
  const rate = spans / ((performance.now() - started) / 1000)
  writer.close()
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
  return rate
}

interface ServedCore {
  child: ChildProcess
  otlpHttpPort: number
  grpcPort: number
  dataDir: string
  startMs: number
  uiUrl: string
  token: string
}

async function startServe(): Promise<ServedCore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-serve-'))
  const cli = join(packageRoot(), 'out/main/cli.js')
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [
      cli,
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
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const discovery = join(dataDir, 'loupe.json')
  while (!existsSync(discovery)) await new Promise((resolve) => setTimeout(resolve, 5))
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
    dataDir,
    startMs,
    uiUrl: info.uiUrl,
    token: info.token,
  }
}

/**
 * Time from an export's acknowledgement until the API serves the trace with
 * every span normalized (an idle core, one 32-span GenAI trace at a time).
 */
async function measureNormalizationDelay(
  core: ServedCore,
  bodies: RequestBodies,
): Promise<number[]> {
  const delays: number[] = []
  const headers = { Authorization: `Bearer ${core.token}` }
  for (let run = 0; run < 20; run++) {
    const body = renumberTraces(bodies, 5_000_000 + run)
    const at = bodies.traceIdOffsets[0]!
    const traceId = body.subarray(at, at + 16).toString('hex')
    await fetch(`http://127.0.0.1:${core.otlpHttpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body,
    }).then((response) => response.arrayBuffer())
    const acknowledged = performance.now()
    for (let poll = 0; poll < 500; poll++) {
      const response = await fetch(`${core.uiUrl}/api/traces/${traceId}`, { headers })
      const trace = response.ok ? ((await response.json()) as { unnormalizedSpans: number }) : null
      if (trace && trace.unnormalizedSpans === 0) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    delays.push(performance.now() - acknowledged)
  }
  return delays.sort((a, b) => a - b)
}

async function stopServe(core: ServedCore): Promise<void> {
  await new Promise<void>((resolve) => {
    core.child.once('exit', () => resolve())
    core.child.kill('SIGTERM')
  })
  rmSync(core.dataDir, { recursive: true, force: true })
}

/** CPU seconds (user + system) used so far by a process, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

type Sender = (sequence: number) => Promise<void>

interface LoadResult {
  spansPerSecond: number
  p50Ms: number
  p99Ms: number
  cpuSecondsPerMillion: number
  peakRssMb: number
}

async function runLoad(
  core: ServedCore,
  send: Sender,
  spansPerRequest: number,
): Promise<LoadResult> {
  const latencies: number[] = []
  let sequence = 1_000_000
  let spans = 0
  let peakRss = rssMb(core.child.pid!)
  const cpuBefore = cpuSeconds(core.child.pid!)
  const started = performance.now()
  const end = started + SECONDS * 1000
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(core.child.pid!))), 100)
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now()
        await send(sequence++)
        latencies.push(performance.now() - t0)
        spans += spansPerRequest
      }
    }),
  )
  clearInterval(sampler)
  const elapsed = (performance.now() - started) / 1000
  const cpu = cpuSeconds(core.child.pid!) - cpuBefore
  latencies.sort((a, b) => a - b)
  return {
    spansPerSecond: spans / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuSecondsPerMillion: (cpu / spans) * 1e6,
    peakRssMb: peakRss,
  }
}

function httpSender(
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

function grpcSender(core: ServedCore, bodies: RequestBodies): Sender {
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

function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`
}

function format(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'
}

async function main(): Promise<void> {
  const rows: Row[] = []
  const extras: string[] = []
  for (const profile of ['genai', 'apm'] as Profile[]) {
    const bodies = buildRequest(profile, SPANS_PER_REQUEST)
    const bytesPerSpan = bodies.protobuf.length / bodies.spans
    const decode = measureDecode(bodies, 'protobuf')
    const decodeJson = measureDecode(bodies, 'json')
    const insert = await measureInsert(bodies)
    const limit = 1 / (1 / decode + 1 / insert)
    rows.push({
      profile,
      measure: 'decode only (protobuf)',
      spansPerSecond: decode,
      note: `${bytesPerSpan.toFixed(0)} B/span`,
    })
    rows.push({
      profile,
      measure: 'decode only (OTLP/JSON)',
      spansPerSecond: decodeJson,
      note: `${(bodies.json.length / bodies.spans).toFixed(0)} B/span`,
    })
    rows.push({
      profile,
      measure: 'insert only (SQLite, group commit)',
      spansPerSecond: insert,
      note: '',
    })
    rows.push({
      profile,
      measure: 'limit: decode + insert on one core',
      spansPerSecond: limit,
      note: '',
    })
    extras.push(...formatSearchCost(profile, await measureSearch(profile, bodies)))
    for (const transport of ['http/protobuf', 'http/json', 'grpc'] as const) {
      const core = await startServe()
      const sender =
        transport === 'grpc'
          ? grpcSender(core, bodies)
          : httpSender(core, bodies, transport === 'http/json' ? 'json' : 'protobuf')
      const result = await runLoad(core, sender, bodies.spans)
      const ratio =
        transport === 'http/protobuf'
          ? `, ${(result.spansPerSecond / limit).toFixed(2)} of the limit`
          : ''
      rows.push({
        profile,
        measure: `end to end, ${transport}, ${CONCURRENCY} clients`,
        spansPerSecond: result.spansPerSecond,
        note:
          `p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms per ${SPANS_PER_REQUEST}-span request; ` +
          `${result.cpuSecondsPerMillion.toFixed(0)} CPU-s per million spans; peak RSS ${result.peakRssMb.toFixed(0)} MB${ratio}`,
      })
      if (profile === 'genai' && transport === 'http/protobuf') {
        extras.push(
          `Core start to OTLP port accepting: ${core.startMs.toFixed(0)} ms (empty store, including Node start-up)`,
        )
        const delays = await measureNormalizationDelay(
          core,
          buildRequest('genai', SPANS_PER_TRACE, 7),
        )
        extras.push(
          `Export acknowledged to trace normalized, one 32-span GenAI trace on an idle core: ` +
            `p50 ${percentile(delays, 50).toFixed(0)} ms, max ${delays.at(-1)!.toFixed(0)} ms (20 runs)`,
        )
      }
      await stopServe(core)
    }
  }
  process.stdout.write(
    `Loupe ingest benchmark, ${SECONDS} s per measure\nMachine: ${machine()}\n\n`,
  )
  process.stdout.write('| profile | measure | spans/s | notes |\n| --- | --- | ---: | --- |\n')
  for (const row of rows) {
    process.stdout.write(
      `| ${row.profile} | ${row.measure} | ${format(row.spansPerSecond)} | ${row.note} |\n`,
    )
  }
  process.stdout.write(`\n${extras.join('\n')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
