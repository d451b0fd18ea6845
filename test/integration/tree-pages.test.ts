// The span tree in pages (GET /api/traces/:id/tree?limit=N&after=CURSOR) on
// a real core and store, with spans sent by the OpenTelemetry JS SDK. Pages
// must list every span once in the order of the whole tree, also where a
// page boundary falls among spans with the same start time.

import { context, trace, type Span } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceTree, TreeSpan } from '../../src/shared/api'
import type { TraceTreePage } from '../../src/shared/tree-page'
import { apiJson, removeDir, startTestCore, type TestCore } from '../helpers/core'

const START_MS = Date.UTC(2026, 3, 1, 9, 0, 0)
/** Children that share one start time, so that page boundaries can fall among them. */
const GROUP_SIZE = 5
const GROUPS = 5
/** The root and its children. */
const SPAN_COUNT = 1 + GROUP_SIZE * GROUPS

let loupe: TestCore
let provider: BasicTracerProvider
let root: Span
let traceId: string

function tracer() {
  return provider.getTracer('tree-pages-test')
}

/** Sends one child of the root that starts `offsetMs` after the root. */
async function sendChild(name: string, offsetMs: number): Promise<void> {
  const parent = trace.setSpan(context.active(), root)
  const child = tracer().startSpan(name, { startTime: START_MS + offsetMs }, parent)
  child.end(START_MS + offsetMs + 1)
  await provider.forceFlush()
}

/** Reads every page of the trace with `limit` spans per page. */
async function readAllPages(limit: number): Promise<TraceTreePage[]> {
  const pages: TraceTreePage[] = []
  let after: string | null = null
  do {
    const query: string = after === null ? '' : `&after=${encodeURIComponent(after)}`
    const { status, body } = await apiJson<TraceTreePage>(
      loupe,
      `/api/traces/${traceId}/tree?limit=${limit}${query}`,
    )
    expect(status).toBe(200)
    pages.push(body)
    after = body.nextCursor
  } while (after !== null && pages.length <= SPAN_COUNT)
  return pages
}

async function wholeTree(): Promise<TraceTree> {
  const { status, body } = await apiJson<TraceTree>(loupe, `/api/traces/${traceId}/tree?wait=1`)
  expect(status).toBe(200)
  return body
}

beforeAll(async () => {
  loupe = await startTestCore()
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tree-pages' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
    ],
  })
  root = tracer().startSpan('paged root', { startTime: START_MS })
  traceId = root.spanContext().traceId
  for (let group = 0; group < GROUPS; group++) {
    for (let index = 0; index < GROUP_SIZE; index++) {
      await sendChild(`child ${group}.${index}`, 10 * (group + 1))
    }
  }
  root.end(START_MS + 1_000)
  await provider.forceFlush()
  expect((await wholeTree()).spans).toHaveLength(SPAN_COUNT)
})

afterAll(async () => {
  await provider?.shutdown()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

describe('tree pages', () => {
  it('list every span once in tree order', async () => {
    const whole = await wholeTree()
    const pages = await readAllPages(4)
    expect(pages).toHaveLength(Math.ceil(SPAN_COUNT / 4))
    const paged = pages.flatMap((page) => page.spans.map((span) => span.name))
    expect(paged).toEqual(whole.spans.map((span) => span.name))
    expect(new Set(paged).size).toBe(SPAN_COUNT)
    for (const page of pages) {
      expect(page.total).toBe(SPAN_COUNT)
      expect(page.trace.traceId).toBe(traceId)
    }
    expect(pages.at(-1)!.spans).toHaveLength(SPAN_COUNT % 4)
    expect(pages.at(-1)!.nextCursor).toBeNull()
  })

  it('split groups of equal start time', async () => {
    // Pages of 3 end inside some of the groups of 5 children that share a start.
    const whole = await wholeTree()
    const pages = await readAllPages(3)
    const boundaries = pages
      .slice(0, -1)
      .map((page, index): [TreeSpan, TreeSpan] => [page.spans.at(-1)!, pages[index + 1]!.spans[0]!])
    const inGroup = boundaries.filter(([last, next]) => last.startOffsetMs === next.startOffsetMs)
    expect(inGroup.length).toBeGreaterThan(0)
    const names = pages.flatMap((page) => page.spans.map((span) => span.name))
    expect(names).toEqual(whole.spans.map((span) => span.name))
  })

  it('fits a whole trace in one page', async () => {
    const pages = await readAllPages(SPAN_COUNT)
    expect(pages).toHaveLength(1)
    expect(pages[0]!.spans).toHaveLength(SPAN_COUNT)
    expect(pages[0]!.nextCursor).toBeNull()
  })

  it('defaults to 1,000 spans when only after is given', async () => {
    const first = await apiJson<TraceTreePage>(loupe, `/api/traces/${traceId}/tree?limit=1`)
    expect(first.body.nextCursor).not.toBeNull()
    const rest = await apiJson<TraceTreePage>(
      loupe,
      `/api/traces/${traceId}/tree?after=${encodeURIComponent(first.body.nextCursor!)}`,
    )
    expect(rest.status).toBe(200)
    expect(rest.body.spans).toHaveLength(SPAN_COUNT - 1)
    expect(rest.body.nextCursor).toBeNull()
  })

  it('keeps the unpaged tree without total or cursor', async () => {
    const whole = await wholeTree()
    expect(whole.spans).toHaveLength(SPAN_COUNT)
    expect(whole).not.toHaveProperty('total')
    expect(whole).not.toHaveProperty('nextCursor')
  })

  it('leaves spans sent mid-listing for a new listing', async () => {
    const first = await apiJson<TraceTreePage>(loupe, `/api/traces/${traceId}/tree?limit=10`)
    expect(first.body.total).toBe(SPAN_COUNT)
    // Starts after every other span, so a listing without a bound would reach it.
    await sendChild('late child', 900)
    const whole = await wholeTree()
    expect(whole.spans).toHaveLength(SPAN_COUNT + 1)

    let after = first.body.nextCursor
    const names = first.body.spans.map((span) => span.name)
    while (after !== null) {
      const { body } = await apiJson<TraceTreePage>(
        loupe,
        `/api/traces/${traceId}/tree?limit=10&after=${encodeURIComponent(after)}`,
      )
      expect(body.total).toBe(SPAN_COUNT)
      names.push(...body.spans.map((span) => span.name))
      after = body.nextCursor
    }
    expect(names).toHaveLength(SPAN_COUNT)
    expect(names).not.toContain('late child')

    const fresh = await readAllPages(10)
    expect(fresh[0]!.total).toBe(SPAN_COUNT + 1)
    expect(fresh.flatMap((page) => page.spans.map((span) => span.name))).toContain('late child')
  })
})

describe('tree page errors', () => {
  const cases: [string, string, string][] = [
    ['limit of zero', 'limit=0', 'invalid limit=0: expected an integer from 1 to 10000'],
    ['limit not a number', 'limit=ten', 'invalid limit=ten'],
    ['limit above maximum', 'limit=10001', 'invalid limit=10001'],
    ['fractional limit', 'limit=2.5', 'invalid limit=2.5'],
    ['cursor not a cursor', 'after=abc', 'invalid after=abc: expected the nextCursor'],
    ['cursor with row past its bound', 'after=5.9.8', 'invalid after=5.9.8'],
    ['empty cursor', 'after=', 'invalid after=: expected the nextCursor'],
  ]
  for (const [name, query, message] of cases) {
    it(`rejects ${name}`, async () => {
      const { status, body } = await apiJson<{ error: string }>(
        loupe,
        `/api/traces/${traceId}/tree?${query}`,
      )
      expect(status).toBe(400)
      expect(body.error).toContain(message)
    })
  }

  it('returns 404 for an unknown trace', async () => {
    const missing = '0123456789abcdef0123456789abcdef'
    const { status, body } = await apiJson<{ error: string }>(
      loupe,
      `/api/traces/${missing}/tree?limit=10`,
    )
    expect(status).toBe(404)
    expect(body.error).toBe(`trace ${missing} not found`)
  })
})
