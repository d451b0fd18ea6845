// Export latency and freshness of a `loupe serve` core: how long one export
// waits for its acknowledgement (sent only after the commit) while other
// clients offer a fixed rate, and how long after that acknowledgement the
// trace reaches an open window's push channel.

import { apiGet, httpSender, percentile, type ServedCore, type Sender } from './serve'
import { renumberTraces, type RequestBodies } from './workload'

export interface OfferedLoadResult {
  offeredSpansPerSecond: number
  /** Spans acknowledged per second over the measure. */
  acknowledgedSpansPerSecond: number
  requests: number
  p50Ms: number
  p99Ms: number
  maxInFlight: number
}

/**
 * Sends one request every `spansPerRequest / spansPerSecond` seconds on a
 * fixed schedule (an open loop: a slow response does not delay the next send),
 * for `seconds`, and returns the latency of each request.
 */
export async function offerLoad(
  send: Sender,
  spansPerRequest: number,
  spansPerSecond: number,
  seconds: number,
  firstSequence: number,
): Promise<OfferedLoadResult> {
  const intervalMs = (spansPerRequest / spansPerSecond) * 1000
  const count = Math.max(1, Math.floor((seconds * 1000) / intervalMs))
  const latencies: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  const started = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const due = started + i * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const sentAt = performance.now()
    pending.push(
      send(firstSequence + i).then(() => {
        latencies.push(performance.now() - sentAt)
        inFlight--
      }),
    )
  }
  await Promise.all(pending)
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    offeredSpansPerSecond: spansPerSecond,
    acknowledgedSpansPerSecond: (count * spansPerRequest) / elapsed,
    requests: count,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxInFlight,
  }
}

/**
 * Sends `runs` single requests one after the other, each once the core has
 * normalized the one before (so the core is idle when it arrives), and
 * returns their sorted latencies in milliseconds.
 */
export async function idleLatencies(
  core: ServedCore,
  bodies: RequestBodies,
  runs: number,
): Promise<number[]> {
  const send = httpSender(core, bodies, 'protobuf')
  const latencies: number[] = []
  for (let run = 0; run < runs; run++) {
    const response = await apiGet(core, '/api/status?wait=1')
    await response.arrayBuffer()
    const t0 = performance.now()
    await send(7_000_000 + run)
    latencies.push(performance.now() - t0)
  }
  return latencies.sort((a, b) => a - b)
}

export interface FreshnessResult {
  probes: number
  /** Milliseconds from acknowledgement to the push, sorted. */
  afterAckMs: number[]
  /** Milliseconds from the start of the export to the push, sorted. */
  afterSendMs: number[]
  missed: number
}

/** The server-sent events of `/api/events`, with the time each trace id first arrived. */
class PushChannel {
  readonly arrivals = new Map<string, number>()
  private readonly controller = new AbortController()
  private readonly waiters = new Map<string, () => void>()

  async open(core: ServedCore): Promise<void> {
    const response = await fetch(`${core.uiUrl}/api/events?token=${core.token}`, {
      signal: this.controller.signal,
    })
    if (!response.ok || !response.body) {
      throw new Error(`GET /api/events failed with HTTP ${response.status}`)
    }
    void this.read(response.body).catch((error: unknown) => {
      if ((error as Error).name !== 'AbortError') throw error
    })
  }

  /** Resolves once the trace arrives, or after `timeoutMs`. */
  waitFor(traceId: string, timeoutMs: number): Promise<void> {
    if (this.arrivals.has(traceId)) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(traceId)
        resolve()
      }, timeoutMs)
      this.waiters.set(traceId, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  close(): void {
    this.controller.abort()
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder()
    let buffered = ''
    for await (const chunk of body) {
      const now = performance.now()
      buffered += decoder.decode(chunk, { stream: true })
      let end = buffered.indexOf('\n\n')
      while (end >= 0) {
        this.handleFrame(buffered.slice(0, end), now)
        buffered = buffered.slice(end + 2)
        end = buffered.indexOf('\n\n')
      }
    }
  }

  private handleFrame(frame: string, receivedAt: number): void {
    for (const line of frame.split('\n')) {
      if (!line.startsWith('data: ')) continue
      const message = JSON.parse(line.slice('data: '.length)) as {
        type: string
        traces?: { traceId: string }[]
      }
      if (message.type !== 'traces') continue
      for (const trace of message.traces ?? []) {
        if (this.arrivals.has(trace.traceId)) continue
        this.arrivals.set(trace.traceId, receivedAt)
        this.waiters.get(trace.traceId)?.()
        this.waiters.delete(trace.traceId)
      }
    }
  }
}

/**
 * Measures freshness: while `background` offers `backgroundSpansPerSecond`,
 * sends one probe trace every `probeIntervalMs` and times its arrival on the
 * push channel that the UI reads.
 */
export async function measureFreshness(
  core: ServedCore,
  background: RequestBodies,
  backgroundSpansPerSecond: number,
  probe: RequestBodies,
  seconds: number,
): Promise<FreshnessResult> {
  const channel = new PushChannel()
  await channel.open(core)
  const load = offerLoad(
    httpSender(core, background, 'protobuf'),
    background.spans,
    backgroundSpansPerSecond,
    seconds,
    8_000_000,
  )
  const probeUrl = `http://127.0.0.1:${core.otlpHttpPort}/v1/traces`
  const probeIntervalMs = 250
  const afterAckMs: number[] = []
  const afterSendMs: number[] = []
  let missed = 0
  const started = performance.now()
  const arrivals: Promise<void>[] = []
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    const body = renumberTraces(probe, 9_000_000 + i)
    const at = probe.traceIdOffsets[0]!
    const traceId = body.subarray(at, at + 16).toString('hex')
    const sentAt = performance.now()
    const response = await fetch(probeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body,
    })
    await response.arrayBuffer()
    if (response.status !== 200) throw new Error(`probe export failed with HTTP ${response.status}`)
    const acknowledgedAt = performance.now()
    arrivals.push(
      channel.waitFor(traceId, 10_000).then(() => {
        const arrivedAt = channel.arrivals.get(traceId)
        if (arrivedAt === undefined) {
          missed++
          return
        }
        // A push can overtake the acknowledgement's HTTP response; count that as 0.
        afterAckMs.push(Math.max(0, arrivedAt - acknowledgedAt))
        afterSendMs.push(arrivedAt - sentAt)
      }),
    )
    const next = started + (i + 1) * probeIntervalMs - performance.now()
    if (next > 0) await new Promise((resolve) => setTimeout(resolve, next))
  }
  await Promise.all(arrivals)
  await load
  channel.close()
  return {
    probes: arrivals.length,
    afterAckMs: afterAckMs.sort((a, b) => a - b),
    afterSendMs: afterSendMs.sort((a, b) => a - b),
    missed,
  }
}
