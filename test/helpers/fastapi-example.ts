// Start the FastAPI agent example (resources/examples/fastapi-agent) under
// `loupe run` with uvicorn, find its processes, and read its traces from the
// core that stores them.

import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { RunJson, SpanJson, TraceDetail } from '../../src/shared/api'
import { repoRoot, type TestCore } from './core'

export const exampleDir = join(repoRoot, 'resources/examples/fastapi-agent')

/** Return a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string')
    throw new Error('free port lookup returned no TCP address')
  return address.port
}

/** Environment without OTel or Logfire settings of the machine, as a fresh shell has. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('LOGFIRE_')) env[key] = value
  }
  return { ...env, ...extra }
}

export interface ExampleService {
  baseUrl: string
  runId: string
  /** The `loupe run` process. */
  loupe: ChildProcess
  /** Everything `loupe run` printed so far, stdout and stderr interleaved. */
  output(): string
  /** Send SIGINT to `loupe run`, as Ctrl-C does, and resolve with its exit code. */
  interrupt(): Promise<number | null>
}

export interface ExampleOptions {
  python: string
  /** Data folder of the running core that `loupe run` should use. */
  dataDir: string
  /** Arguments after `--mock`, e.g. a scenario file. */
  mockArgs?: string[]
  /** Extra arguments of uvicorn, e.g. `--workers 2`. */
  uvicornArgs?: string[]
  env?: NodeJS.ProcessEnv
  startTimeoutMs?: number
}

/**
 * Start `loupe run --mock -- python -m uvicorn app:app` in the example folder
 * on a free loopback port, and resolve once GET /healthz answers 200.
 */
export async function startExample(options: ExampleOptions): Promise<ExampleService> {
  const port = await freePort()
  const command = [
    join(repoRoot, 'out/main/cli.js'),
    'run',
    '--mock',
    ...(options.mockArgs ?? []),
    '--data',
    options.dataDir,
    '--',
    options.python,
    '-m',
    'uvicorn',
    'app:app',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    // As the example's README explains: without it, a request after one with a body
    // over 64 KiB on the same connection inherits that request's trace context.
    '--reset-contextvars',
    ...(options.uvicornArgs ?? []),
  ]
  const loupe = spawn(process.execPath, command, {
    cwd: exampleDir,
    // The OTel SDK exports a batch every 5 s by default; 200 ms keeps the tests short.
    env: cleanEnv({ OTEL_BSP_SCHEDULE_DELAY: '200', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  loupe.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  loupe.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => loupe.once('exit', resolve))

  const baseUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000)
  for (;;) {
    if (loupe.exitCode !== null || loupe.signalCode !== null)
      throw new Error(`loupe run exited before /healthz answered:\n${output}`)
    if (await healthy(baseUrl)) break
    if (Date.now() >= deadline) {
      loupe.kill('SIGINT')
      throw new Error(`GET ${baseUrl}/healthz did not answer in time:\n${output}`)
    }
    await delay(200)
  }
  const runId = /loupe: run (run_[0-9a-f]+) started/.exec(output)?.[1]
  if (!runId) throw new Error(`loupe run printed no run id:\n${output}`)
  return {
    baseUrl,
    runId,
    loupe,
    output: () => output,
    interrupt: async () => {
      loupe.kill('SIGINT')
      return exited
    },
  }
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz`)
    return response.status === 200
  } catch {
    return false
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export interface ProcessInfo {
  pid: number
  ppid: number
  pgid: number
  command: string
}

/** List the processes of this machine from /proc (Linux only). */
export function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name in brackets may contain spaces, so fields are read after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const state = fields[0]
      if (state === 'Z') continue
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim()
      processes.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        command,
      })
    } catch {
      // The process ended while the list was read.
    }
  }
  return processes
}

/** Return the live processes under `pid` (children, grandchildren, ...), excluding `pid`. */
export function descendants(pid: number, processes = listProcesses()): ProcessInfo[] {
  const found: ProcessInfo[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const parent = queue.shift()!
    for (const child of processes.filter((p) => p.ppid === parent)) {
      found.push(child)
      queue.push(child.pid)
    }
  }
  return found
}

/** True while a process with this pid exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  return listProcesses().some((p) => p.pid === pid)
}

export interface TraceWait {
  /** Resolve only once this holds, e.g. that the agent run span arrived. */
  until?: (detail: TraceDetail) => boolean
  timeoutMs?: number
}

/**
 * Poll `GET /api/traces/:id/full?wait=1` until the trace has its root,
 * every span is normalized and `until` holds. Logfire exports spans in
 * batches after the response is sent, so a trace read right after a request
 * is usually incomplete. On timeout this throws with the last state read.
 */
export async function waitForTrace(
  loupe: TestCore,
  traceId: string,
  wait: TraceWait = {},
): Promise<TraceDetail> {
  const deadline = Date.now() + (wait.timeoutMs ?? 20_000)
  let last = 'no answer yet'
  for (;;) {
    const response = await fetch(`${loupe.uiUrl}/api/traces/${traceId}/full?wait=1`, {
      headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
    })
    if (response.ok) {
      const detail = (await response.json()) as TraceDetail
      const ready =
        detail.trace.complete &&
        detail.trace.unnormalizedSpans === 0 &&
        detail.trace.inProgressCount === 0 &&
        (wait.until?.(detail) ?? true)
      if (ready) return detail
      last = `complete ${detail.trace.complete}, unnormalized ${detail.trace.unnormalizedSpans}, spans ${detail.spans.map((s) => s.name).join(', ')}`
    } else {
      last = `HTTP ${response.status}`
    }
    if (Date.now() >= deadline) throw new Error(`trace ${traceId} not ready: ${last}`)
    await delay(200)
  }
}

/** Return the spans from `span` up to the root, starting with its parent. */
export function ancestors(detail: TraceDetail, span: SpanJson): SpanJson[] {
  const byId = new Map(detail.spans.map((s) => [s.spanId, s]))
  const chain: SpanJson[] = []
  let parentId = span.parentSpanId
  while (parentId !== null) {
    const parent = byId.get(parentId)
    if (!parent || chain.includes(parent)) break
    chain.push(parent)
    parentId = parent.parentSpanId
  }
  return chain
}

export interface SseEvent {
  event: string
  data: string
}

/** Parse a text/event-stream body into its events; comment lines are skipped. */
export function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = []
  for (const block of body.split(/\r?\n\r?\n/)) {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') })
  }
  return events
}

/** The body of the example's error responses and of its SSE `error` events. */
export interface ErrorBody {
  /** The error class, e.g. quota_exceeded. */
  error: string
  detail: unknown
  /** The HTTP status /chat returns for this class; sent in SSE `error` events only. */
  status?: number
}

/** POST a JSON body to the example service. */
export function postJson(service: ExampleService, path: string, body: unknown): Promise<Response> {
  return fetch(`${service.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Return the trace id that the example sends in X-Trace-Id, after checking its form. */
export function traceIdOf(response: Response): string {
  const traceId = response.headers.get('x-trace-id')
  expect(traceId).toMatch(/^[0-9a-f]{32}$/)
  return traceId!
}

/** Return the trace's root span, after checking that it has one. */
export function rootSpan(detail: TraceDetail): SpanJson {
  const root = detail.spans.find((span) => span.spanId === detail.trace.rootSpanId)
  expect(root).toBeDefined()
  return root!
}

export function hasAgentRun(detail: TraceDetail): boolean {
  return detail.spans.some((span) => span.kind === 'agent')
}

/** Return the trace's agent run span, after checking that there is exactly one. */
export function agentRun(detail: TraceDetail): SpanJson {
  const agents = detail.spans.filter((span) => span.kind === 'agent')
  expect(agents).toHaveLength(1)
  return agents[0]!
}

/** Return the spans that Loupe's gateway stored for the model calls it served, by start time. */
export function gatewayCalls(detail: TraceDetail): SpanJson[] {
  return detail.spans
    .filter((span) => span.resource.attributes['service.name'] === 'loupe-gateway')
    .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

/** Read a run from the core's API once its traces are normalized. */
export async function fetchRun(loupe: TestCore, runId: string): Promise<RunJson> {
  const response = await fetch(`${loupe.uiUrl}/api/runs/${runId}?wait=1`, {
    headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
  })
  if (!response.ok) throw new Error(`GET /api/runs/${runId} returned HTTP ${response.status}`)
  return (await response.json()) as RunJson
}
