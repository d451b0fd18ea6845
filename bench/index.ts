// `npm run bench`: Loupe's ingest throughput, export latency, freshness,
// queries on a large store, memory and a big trace in the UI, measured on
// this machine against the limits measured in the same run (decode only,
// insert only). Prints Markdown tables, the machine it ran on and, last,
// every target beside its figure; docs/benchmarks.md records runs.
//
// LOUPE_BENCH_SECONDS sets the length of each timed measure (default 5);
// LOUPE_BENCH_ONLY=ingest,latency,... runs only the named parts (see PARTS).
//
// Every server in this benchmark is started here, on 127.0.0.1, and every
// load loop stops after a fixed time.

import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeTracesJson, decodeTracesProto } from '../src/core/otlp/index'
import type { DecodedTraces } from '../src/core/otlp/model'
import { openDatabase } from '../src/core/store/database'
import { SpanWriter } from '../src/core/store/writer'
import { formatSearchCost, measureSearch } from './search'
import { formatStageCosts, measureStages, type StageCosts } from './stages'
import {
  buildRequest,
  renumberTraces,
  SPANS_PER_TRACE,
  type Profile,
  type RequestBodies,
} from './workload'
import {
  grpcSender,
  httpSender,
  percentile,
  runLoad,
  startServe,
  stopServe,
  type LoadResult,
  type ServedCore,
} from './serve'
import { TargetTable } from './targets'
import { measureLatency, measureMemory, measureFreshnessPart } from './parts'
import { measureLargeStore } from './store-part'

const SECONDS = Number(process.env.LOUPE_BENCH_SECONDS ?? 5)
const SPANS_PER_REQUEST = 512
const CONCURRENCY = 4

/** The parts of the benchmark, in the order they run; LOUPE_BENCH_ONLY takes these names. */
const PARTS = ['ingest', 'memory', 'latency', 'freshness', 'store', 'renderer'] as const
type Part = (typeof PARTS)[number]

function selectedParts(): Set<Part> {
  const only = process.env.LOUPE_BENCH_ONLY
  if (!only) return new Set(PARTS)
  const names = only
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const unknown = names.filter((name) => !(PARTS as readonly string[]).includes(name))
  if (unknown.length > 0) {
    throw new Error(
      `invalid LOUPE_BENCH_ONLY part ${unknown.join(', ')}: expected names from ${PARTS.join(', ')}`,
    )
  }
  return new Set(names as Part[])
}

interface Row {
  profile: Profile
  measure: string
  spansPerSecond: number
  note: string
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

function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`
}

function format(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'
}

interface IngestResult extends LoadResult {
  limit: number
}

/** Decode, insert, limit and end-to-end rows for both profiles; returns the end-to-end results. */
async function measureIngest(
  rows: Row[],
  extras: string[],
  ingestResults: Map<string, IngestResult>,
  normalizationDelays: number[],
  stageCosts: Map<Profile, StageCosts>,
): Promise<number> {
  let emptyStartMs = NaN
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
    stageCosts.set(profile, await measureStages(profile, bodies))
    for (const transport of ['http/protobuf', 'http/json', 'grpc'] as const) {
      const core = await startServe()
      const sender =
        transport === 'grpc'
          ? grpcSender(core, bodies)
          : httpSender(core, bodies, transport === 'http/json' ? 'json' : 'protobuf')
      const result = await runLoad(core, sender, bodies.spans, {
        seconds: SECONDS,
        concurrency: CONCURRENCY,
      })
      ingestResults.set(`${profile} ${transport}`, { ...result, limit })
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
          `${result.cpuSecondsPerMillion.toFixed(0)} CPU-s per million spans while sending, ` +
          `${result.cpuSecondsPerMillionCaughtUp.toFixed(0)} with the ${format(result.backlogSpans)} spans ` +
          `left to normalize and index (${result.catchUpSeconds.toFixed(1)} s more); ` +
          `peak RSS ${result.peakRssMb.toFixed(0)} MB${ratio}`,
      })
      if (profile === 'genai' && transport === 'http/protobuf') {
        emptyStartMs = core.startMs
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
        normalizationDelays.push(...delays)
      }
      await stopServe(core)
    }
  }
  return emptyStartMs
}

function ingestTargets(
  targets: TargetTable,
  results: Map<string, IngestResult>,
  normalizationDelays: number[],
  emptyStartMs: number,
): void {
  const genai = results.get('genai http/protobuf')
  const apm = results.get('apm http/protobuf')
  if (!genai || !apm) return
  targets.atLeast(
    'GenAI spans/s over OTLP/HTTP protobuf ≥ 7,000',
    genai.spansPerSecond,
    7000,
    'spans/s',
  )
  targets.atLeast(
    'small spans/s over OTLP/HTTP protobuf ≥ 37,500',
    apm.spansPerSecond,
    37500,
    'spans/s',
  )
  targets.atLeast(
    'GenAI end to end ≥ 0.9 of the same-run limit',
    genai.spansPerSecond / genai.limit,
    0.9,
    '',
  )
  targets.atLeast(
    'small spans end to end ≥ 0.9 of the same-run limit',
    apm.spansPerSecond / apm.limit,
    0.9,
    '',
  )
  targets.atMost(
    'CPU-s per million GenAI spans ≤ 120',
    genai.cpuSecondsPerMillionCaughtUp,
    120,
    'CPU-s',
    'until normalized and indexed',
  )
  targets.atMost(
    'normalization visible ≤ 1,000 ms after the acknowledgement',
    percentile(normalizationDelays, 100),
    1000,
    'ms',
    'max of 20, idle core',
  )
  targets.atMost('OTLP port accepting ≤ 500 ms after start, empty store', emptyStartMs, 500, 'ms')
}

async function main(): Promise<void> {
  const parts = selectedParts()
  const targets = new TargetTable()
  const sections: string[] = []
  if (parts.has('ingest')) {
    const rows: Row[] = []
    const extras: string[] = []
    const results = new Map<string, IngestResult>()
    const delays: number[] = []
    const stageCosts = new Map<Profile, StageCosts>()
    const emptyStartMs = await measureIngest(rows, extras, results, delays, stageCosts)
    delays.sort((a, b) => a - b)
    ingestTargets(targets, results, delays, emptyStartMs)
    const lines = ['| profile | measure | spans/s | notes |', '| --- | --- | ---: | --- |']
    for (const row of rows) {
      lines.push(
        `| ${row.profile} | ${row.measure} | ${format(row.spansPerSecond)} | ${row.note} |`,
      )
    }
    const stages = formatStageCosts(stageCosts).join('\n')
    sections.push(
      `## Ingest\n\n${lines.join('\n')}\n\n${extras.join('\n')}\n\n` +
        `CPU µs per span (also CPU-s per million spans) of each stage, one at a time on one thread:\n\n${stages}`,
    )
    printSection(sections.at(-1)!)
  }
  const partRuns: [Part, () => Promise<string>][] = [
    ['memory', () => measureMemory(targets, SECONDS)],
    ['latency', () => measureLatency(targets, SECONDS)],
    ['freshness', () => measureFreshnessPart(targets, SECONDS)],
  ]
  for (const [part, run] of partRuns) {
    if (!parts.has(part)) continue
    sections.push(await run())
    printSection(sections.at(-1)!)
  }
  if (parts.has('store') || parts.has('renderer')) {
    sections.push(
      await measureLargeStore(targets, {
        queries: parts.has('store'),
        renderer: parts.has('renderer'),
      }),
    )
    printSection(sections.at(-1)!)
  }
  process.stdout.write(
    `\nLoupe benchmark, ${SECONDS} s per measure, parts: ${[...parts].join(', ')}\n` +
      `Machine: ${machine()}\nLoad average at the end: ${loadavg()
        .map((n) => n.toFixed(1))
        .join(', ')}\n\n` +
      `## Against the targets\n\n${targets.markdown()}\n`,
  )
}

/** Prints a part's section as soon as it is done, so a long run shows progress. */
function printSection(section: string): void {
  process.stdout.write(`${section}\n\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
