// The live tail through its real push channel: a `loupe serve` child process
// receives OTLP/HTTP JSON from this test at 2,000 spans/s for 20 s, while
// the test reads GET /api/tail. Every span sent must arrive exactly once or
// be counted as missed, and the delay from export to arrival must not grow
// over the run. Then a stream that disconnects resumes where it left off,
// and one that stays away longer than the core keeps spans gets the number
// it missed.

import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TailMessage, TailSpan } from '../../src/shared/tail'
import { makeDataDir, removeDir, repoRoot } from '../helpers/core'
import { startServe, type ServedLoupe } from '../helpers/serve'
import { readEvents, waitFor } from '../helpers/sse'

const SPANS_PER_SECOND = 2000
const LOAD_SECONDS = 20
/** One request every 50 ms, so 100 spans each. */
const REQUEST_INTERVAL_MS = 50
const SPANS_PER_REQUEST = (SPANS_PER_SECOND * REQUEST_INTERVAL_MS) / 1000
/** Spans the core's tail keeps for late or reconnecting streams (TailFeed's default). */
const TAIL_CAPACITY = 10_000
/**
 * Seconds of the run whose delays are compared: the first five after a
 * warm-up of two, against the last five. Single spans of the first seconds
 * took up to 2.7 s on a loaded machine.
 */
const WARMUP_SECONDS = 2
const WINDOW_SECONDS = 5

let loupe: ServedLoupe
let dataDir: string

beforeAll(async () => {
  dataDir = makeDataDir('loupe-tail-')
  loupe = await startServe(dataDir)
})

afterAll(async () => {
  await loupe?.stop()
  if (dataDir) removeDir(dataDir)
})

/**
 * Returns one OTLP/JSON export request: a trace whose root is an agent run, with
 * model calls, tool calls and plain spans below it, and an error every 40th
 * span. Span ids carry the request number, so the reader can tell which
 * request a span came from.
 */
function exportBody(request: number, spans: number, service = 'tail-load'): string {
  const traceId = (request + 1).toString(16).padStart(32, '0')
  const rootId = spanIdOf(request, 0)
  const nowNs = BigInt(Date.now()) * 1_000_000n
  const items = []
  for (let index = 0; index < spans; index++) {
    const attributes: { key: string; value: { stringValue: string } }[] = []
    let name = `step ${index}`
    if (index === 0) {
      name = 'invoke_agent load_agent'
      attributes.push(
        { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
        { key: 'gen_ai.agent.name', value: { stringValue: 'load_agent' } },
      )
    } else if (index % 5 === 1) {
      name = 'chat gpt-4o'
      attributes.push(
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
        { key: 'gen_ai.agent.name', value: { stringValue: 'load_agent' } },
      )
    } else if (index % 5 === 2) {
      name = 'execute_tool lookup'
      attributes.push(
        { key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } },
        { key: 'gen_ai.tool.name', value: { stringValue: 'lookup' } },
      )
    }
    attributes.push({ key: 'note', value: { stringValue: `request ${request} span ${index}` } })
    const failed = index % 40 === 39
    items.push({
      traceId,
      spanId: spanIdOf(request, index),
      parentSpanId: index === 0 ? '' : rootId,
      name,
      kind: index % 5 === 1 ? 3 : 1,
      startTimeUnixNano: (nowNs - 5_000_000n).toString(),
      endTimeUnixNano: nowNs.toString(),
      attributes,
      status: failed ? { code: 2, message: 'RuntimeError: step failed' } : { code: 0 },
    })
  }
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'tail-test' }, spans: items }],
      },
    ],
  })
}

function spanIdOf(request: number, index: number): string {
  return request.toString(16).padStart(8, '0') + (index + 1).toString(16).padStart(8, '0')
}

function requestOf(span: TailSpan): number {
  return Number.parseInt(span.spanId.slice(0, 8), 16)
}

async function postSpans(body: string): Promise<number> {
  const response = await fetch(`${loupe.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  })
  await response.arrayBuffer()
  return response.status
}

/** A tail stream read in the background: every message, with the time it arrived. */
interface TailReader {
  hello: Promise<Extract<TailMessage, { type: 'hello' }>>
  spans: { span: TailSpan; arrivedMs: number }[]
  missed: number
  /** Sequence number of the last span or gap received. */
  lastSeq: number
  stop(): void
}

function openTail(query = ''): TailReader {
  const controller = new AbortController()
  let resolveHello: (message: Extract<TailMessage, { type: 'hello' }>) => void = () => {}
  const reader: TailReader = {
    hello: new Promise((resolve) => (resolveHello = resolve)),
    spans: [],
    missed: 0,
    lastSeq: 0,
    stop: () => controller.abort(),
  }
  const url = `http://127.0.0.1:${loupe.discovery.uiPort}/api/tail${query}`
  void (async () => {
    try {
      for await (const message of readEvents<TailMessage>(
        url,
        loupe.discovery.token,
        controller.signal,
      )) {
        const arrivedMs = Date.now()
        if (message.type === 'hello') resolveHello(message)
        else if (message.type === 'missed') {
          reader.missed += message.count
          reader.lastSeq = message.seq
        } else {
          for (const span of message.spans) reader.spans.push({ span, arrivedMs })
          reader.lastSeq = message.seq
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error
    }
  })()
  return reader
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

interface DelayFigures {
  spans: number
  p50: number
  p95: number
  max: number
}

function figures(delays: number[]): DelayFigures {
  const sorted = [...delays].sort((a, b) => a - b)
  return {
    spans: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1]!,
  }
}

describe('live tail', () => {
  it('keeps up at 2,000 spans/s', async () => {
    const tail = openTail()
    await tail.hello
    const requests = (LOAD_SECONDS * 1000) / REQUEST_INTERVAL_MS
    const sentAtMs: number[] = []
    const statuses: Promise<number>[] = []
    const started = performance.now()
    for (let request = 0; request < requests; request++) {
      // Each request goes out on its own schedule, so a slow response does not slow the load.
      const due = started + request * REQUEST_INTERVAL_MS
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      sentAtMs[request] = Date.now()
      statuses.push(postSpans(exportBody(request, SPANS_PER_REQUEST)))
    }
    const sendSeconds = (performance.now() - started) / 1000
    const results = await Promise.all(statuses)
    expect(results.filter((status) => status !== 200)).toEqual([])
    const sent = requests * SPANS_PER_REQUEST

    await waitFor(
      `${sent} spans on the tail (have ${tail.spans.length}, missed ${tail.missed})`,
      () => (tail.spans.length + tail.missed >= sent ? true : undefined),
      30_000,
    )
    tail.stop()

    expect(tail.missed).toBe(0)
    expect(tail.spans.length).toBe(sent)
    expect(new Set(tail.spans.map(({ span }) => span.spanId)).size).toBe(sent)
    expect(tail.spans.map(({ span }) => span.seq)).toEqual(
      tail.spans.map((_, index) => tail.spans[0]!.span.seq + index),
    )

    // Delay from the request leaving this process to the span arriving on the stream.
    const requestsPerSecond = 1000 / REQUEST_INTERVAL_MS
    const warmup: number[] = []
    const early: number[] = []
    const late: number[] = []
    for (const { span, arrivedMs } of tail.spans) {
      const second = requestOf(span) / requestsPerSecond
      const delay = arrivedMs - sentAtMs[requestOf(span)]!
      if (second < WARMUP_SECONDS) warmup.push(delay)
      else if (second < WARMUP_SECONDS + WINDOW_SECONDS) early.push(delay)
      else if (second >= LOAD_SECONDS - WINDOW_SECONDS) late.push(delay)
    }
    const earlyFigures = figures(early)
    const lateFigures = figures(late)
    const report = {
      spansPerSecond: Math.round(sent / sendSeconds),
      seconds: Number(sendSeconds.toFixed(1)),
      warmup: figures(warmup),
      early: earlyFigures,
      late: lateFigures,
    }
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true })
    writeFileSync(join(repoRoot, 'test-results', 'tail-delay.json'), JSON.stringify(report))
    console.log(`live tail delay at ${SPANS_PER_SECOND} spans/s: ${JSON.stringify(report)}`)

    expect(report.spansPerSecond).toBeGreaterThanOrEqual(SPANS_PER_SECOND * 0.95)
    // Bounded: the last five seconds are not slower than the first five
    // after the warm-up by more than the scheduling noise of a shared
    // machine. A core that fell behind by even 3% would add 0.5 s by then.
    expect(lateFigures.p95).toBeLessThan(Math.max(earlyFigures.p95 * 2, earlyFigures.p95 + 500))
    expect(lateFigures.p50).toBeLessThan(Math.max(earlyFigures.p50 * 2, earlyFigures.p50 + 500))
    expect(lateFigures.max).toBeLessThan(3000)
  })

  it('resumes after a reconnect without loss', async () => {
    const first = openTail()
    const hello = await first.hello
    expect(hello.resumed).toBe(false)
    first.stop()
    for (let request = 0; request < 6; request++) {
      expect(await postSpans(exportBody(100_000 + request, 500, 'tail-resume'))).toBe(200)
    }

    const resumed = openTail(`?feed=${hello.feedId}&after=${hello.seq}`)
    const again = await resumed.hello
    expect(again.resumed).toBe(true)
    expect(again.seq).toBe(hello.seq + 3000)
    await waitFor('3,000 spans after the reconnect', () =>
      resumed.spans.length >= 3000 ? true : undefined,
    )
    resumed.stop()
    expect(resumed.missed).toBe(0)
    expect(resumed.spans.length).toBe(3000)
    expect(resumed.spans[0]!.span.seq).toBe(hello.seq + 1)
    expect(new Set(resumed.spans.map(({ span }) => span.serviceName))).toEqual(
      new Set(['tail-resume']),
    )
  })

  it('counts spans missed beyond what it keeps', async () => {
    const first = openTail()
    const hello = await first.hello
    first.stop()
    const away = TAIL_CAPACITY + 2500
    for (let request = 0; request < away / 500; request++) {
      expect(await postSpans(exportBody(200_000 + request, 500, 'tail-away'))).toBe(200)
    }

    const resumed = openTail(`?feed=${hello.feedId}&after=${hello.seq}`)
    expect((await resumed.hello).resumed).toBe(true)
    await waitFor('the spans the core kept', () =>
      resumed.lastSeq >= hello.seq + away ? true : undefined,
    )
    resumed.stop()
    expect(resumed.missed).toBe(away - TAIL_CAPACITY)
    expect(resumed.spans.length).toBe(TAIL_CAPACITY)
    expect(resumed.spans[0]!.span.seq).toBe(hello.seq + away - TAIL_CAPACITY + 1)
  })

  it('rejects streams beyond the cap', async () => {
    const open: TailReader[] = []
    for (let index = 0; index < 32; index++) open.push(openTail())
    await Promise.all(open.map((reader) => reader.hello))
    const response = await fetch(`http://127.0.0.1:${loupe.discovery.uiPort}/api/tail`, {
      headers: { Authorization: `Bearer ${loupe.discovery.token}` },
    })
    const body = (await response.json()) as { error: string }
    for (const reader of open) reader.stop()
    expect(response.status).toBe(503)
    expect(body.error).toBe(
      '32 live tail streams are open already; close a Live tail page and retry',
    )
    // The core notices the closed streams on its own schedule; wait until it takes one again.
    await waitFor('a free tail stream', async () => {
      const controller = new AbortController()
      const retry = await fetch(`http://127.0.0.1:${loupe.discovery.uiPort}/api/tail`, {
        headers: { Authorization: `Bearer ${loupe.discovery.token}` },
        signal: controller.signal,
      })
      controller.abort()
      return retry.status === 200 ? true : undefined
    })
  })

  it('reads kind, model and error class', async () => {
    const tail = openTail()
    await tail.hello
    expect(await postSpans(exportBody(300_000, 40, 'tail-fields'))).toBe(200)
    await waitFor('40 spans', () => (tail.spans.length >= 40 ? true : undefined))
    tail.stop()
    const byIndex = (index: number) => tail.spans[index]!.span
    expect(byIndex(0).kind).toBe('agent')
    expect(byIndex(0).agentName).toBe('load_agent')
    expect(byIndex(1).kind).toBe('model')
    expect(byIndex(1).model).toBe('gpt-4o')
    expect(byIndex(1).spanKind).toBe('client')
    expect(byIndex(2).kind).toBe('tool')
    expect(byIndex(2).toolName).toBe('lookup')
    expect(byIndex(3).kind).toBe('other')
    expect(byIndex(39).status).toBe('error')
    expect(byIndex(39).errorClass).toBe('internal')
    expect(byIndex(38).errorClass).toBe('none')
    expect(byIndex(0).serviceName).toBe('tail-fields')
  })
})
