// Clocks that disagree or move. Exporters stamp spans with their own clock,
// which may run ahead of the machine's, and the machine's wall clock may step
// back (an NTP correction) or forward (a laptop resumed days later) while
// the core runs. Spans stay stored and listed by their own start times, and
// the age limit counts from the later of a trace's end and its last receipt
// by the core's clock. The core's clock is moved by replacing Date.now in
// this process, where the core runs.

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TraceSummary } from '../../src/shared/api'
import { apiGet } from '../helpers/cases'
import { makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { childContextOf, encodeSpans, recordSpans } from '../helpers/otlp-bodies'

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  vi.restoreAllMocks()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startCore(): Promise<TestCore> {
  // One day of age limit. Passes run only when a test calls runRetention.
  const loupe = await startTestCore(makeDataDir('loupe-clock-'), {
    retentionDays: 1,
    retentionIntervalMs: 24 * HOUR_MS,
  })
  cleanups.push(() => removeDir(loupe.dataDir))
  cleanups.push(() => loupe.stop())
  return loupe
}

/** Sends one trace of a root span and `children` child spans, starting at `startMs` by the exporter's clock. */
async function sendTrace(
  loupe: TestCore,
  name: string,
  startMs: number,
  options: { children?: number; traceOf?: { traceId: string; spanId: string } } = {},
): Promise<{ traceId: string; spanId: string }> {
  let ids = { traceId: '', spanId: '' }
  const spans = recordSpans('clock-service', (tracer) => {
    const parent = options.traceOf
      ? childContextOf({ spanContext: () => ({ ...options.traceOf!, traceFlags: 1 }) })
      : undefined
    const root = tracer.startSpan(name, { startTime: startMs }, parent)
    for (let child = 0; child < (options.children ?? 0); child++) {
      tracer
        .startSpan(
          `${name} step ${child}`,
          { startTime: startMs + child + 1 },
          childContextOf(root),
        )
        .end(startMs + child + 2)
    }
    root.end(startMs + 100)
    ids = { traceId: root.spanContext().traceId, spanId: root.spanContext().spanId }
  })
  const response = await fetch(`${loupe.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf' },
    body: encodeSpans(spans).protobuf,
  })
  expect(response.status).toBe(200)
  await response.arrayBuffer()
  return ids
}

async function listed(loupe: TestCore): Promise<TraceSummary[]> {
  const { status, body } = await apiGet<TraceSummary[]>(loupe, '/api/traces?limit=100')
  expect(status).toBe(200)
  return body
}

/** Moves the core's wall clock by `offsetMs` from now on. */
function moveClock(offsetMs: number): void {
  const realNow = Date.now.bind(Date)
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs)
}

describe('clocks', () => {
  it('lists skewed exporter clocks by start', async () => {
    const loupe = await startCore()
    const now = Date.now()
    await sendTrace(loupe, 'ahead by an hour', now + HOUR_MS)
    await sendTrace(loupe, 'on time', now)
    await sendTrace(loupe, 'behind by two days', now - 2 * DAY_MS)
    await sendTrace(loupe, 'in 1995', Date.UTC(1995, 5, 1))

    // Newest start first, whatever order they arrived in.
    expect((await listed(loupe)).map((trace) => trace.rootName)).toEqual([
      'ahead by an hour',
      'on time',
      'behind by two days',
      'in 1995',
    ])
    // Received just now, so none is older than the one-day limit.
    const report = await loupe.core.runRetention()
    expect(report.traces).toBe(0)
    expect(await listed(loupe)).toHaveLength(4)
  })

  it('adds to traces after a step back', async () => {
    const loupe = await startCore()
    const now = Date.now()
    const first = await sendTrace(loupe, 'checkout', now, { children: 2 })

    moveClock(-2 * HOUR_MS)
    // The rest of the same trace, and a new one, arrive after the correction.
    await sendTrace(loupe, 'late step', now + 500, { traceOf: first })
    await sendTrace(loupe, 'next request', now + 1_000)
    const traces = await listed(loupe)
    expect(traces.map((trace) => trace.rootName)).toEqual(['next request', 'checkout'])
    expect(traces.find((trace) => trace.traceId === first.traceId)!.spanCount).toBe(4)

    const report = await loupe.core.runRetention()
    expect(report.traces).toBe(0)
    expect(await listed(loupe)).toHaveLength(2)
  })

  it('ages traces after a jump forward', async () => {
    const loupe = await startCore()
    const now = Date.now()
    await sendTrace(loupe, 'before the jump', now)
    await sendTrace(loupe, 'ahead by an hour', now + HOUR_MS)
    // An exporter whose clock is decades ahead keeps its trace "active" until then.
    await sendTrace(loupe, 'in 2200', Date.UTC(2200, 0, 1))

    moveClock(3 * DAY_MS)
    await sendTrace(loupe, 'after the jump', now + 3 * DAY_MS)
    const report = await loupe.core.runRetention()
    expect(report.traces).toBe(2)
    expect((await listed(loupe)).map((trace) => trace.rootName)).toEqual([
      'in 2200',
      'after the jump',
    ])
  })
})
