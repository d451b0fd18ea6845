// The search index and the filtered trace list on a real SQLite store, with
// spans and log records made by the OpenTelemetry JS SDK. The tests cover
// what the indexer extracts and how each filter field narrows the list. They
// also check that retention deletes the index rows of the traces it deletes.

import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api'
import pino from 'pino'
import { afterEach, describe, expect, test } from 'vitest'
import { Ingestor } from '../../../src/core/ingest'
import { SearchIndexer, countUnindexedSpans } from '../../../src/core/search/indexer'
import { TraceSearch } from '../../../src/core/search/trace-search'
import { openDatabase } from '../../../src/core/store/database'
import { RetentionSteps } from '../../../src/core/store/retention-steps'
import { SpanWriter } from '../../../src/core/store/writer'
import { GenAiNormalizer } from '../../../src/core/genai/normalizer'
import {
  parseTraceFilter,
  type TraceFilter,
  type TraceListItem,
} from '../../../src/shared/trace-filter'
import { makeDataDir, removeDir } from '../../helpers/core'
import {
  childContextOf,
  encodeLogs,
  encodeSpans,
  recordLogs,
  recordSpans,
} from '../../helpers/otlp-bodies'

const log = pino({ level: 'silent' })
const cleanups: (() => void)[] = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** 2026-03-02T03:00:00Z in milliseconds; each trace starts a minute after the previous one. */
const BASE_MS = Date.UTC(2026, 2, 2, 3, 0, 0)

function openStore() {
  const dataDir = makeDataDir('loupe-search-unit-')
  const db = openDatabase(dataDir)
  cleanups.push(() => removeDir(dataDir))
  cleanups.push(() => db.close())
  const ingestor = new Ingestor(new SpanWriter(db), log)
  const indexer = new SearchIndexer(db)
  const normalizer = new GenAiNormalizer(db)
  const catchUp = () => {
    while (normalizer.runBatch().processed > 0 || indexer.runBatch().processed > 0) {
      // Each batch commits on its own.
    }
  }
  return { db, ingestor, indexer, catchUp, search: new TraceSearch(db) }
}

interface SentTrace {
  traceId: string
  spanIds: Record<string, string>
}

/** Records a refund agent run: agent span, model call and tool call with an order id, optionally failing. */
function recordAgentRun(
  tracer: Tracer,
  options: { minute: number; orderId: string; route: string; fail: boolean; durationMs: number },
): SentTrace {
  const start = BASE_MS + options.minute * 60_000
  const spanIds: Record<string, string> = {}
  const root = tracer.startSpan('POST /refunds', {
    kind: SpanKind.SERVER,
    startTime: start,
    attributes: {
      'http.route': options.route,
      'http.request.method': 'POST',
      'user.tier': options.fail ? 'free' : 'gold',
      'retry.count': options.fail ? 2 : 0,
      'feature.enabled': !options.fail,
    },
  })
  const rootContext = childContextOf(root)
  const agent = tracer.startSpan(
    'invoke_agent refund_agent',
    {
      startTime: start + 1,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'refund_agent' },
    },
    rootContext,
  )
  const agentContext = childContextOf(agent)
  const chat = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      startTime: start + 2,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': options.fail ? 900 : 120,
        'gen_ai.usage.output_tokens': 30,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: 'Please refund my parcel' }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          {
            role: 'assistant',
            parts: [
              {
                type: 'tool_call',
                id: 'call_1',
                name: 'issue_refund',
                arguments: { order_id: options.orderId },
              },
            ],
          },
        ]),
      },
    },
    agentContext,
  )
  chat.end(start + 10)
  const tool = tracer.startSpan(
    'execute_tool issue_refund',
    {
      startTime: start + 11,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'issue_refund',
        'gen_ai.tool.call.id': 'call_1',
        'gen_ai.tool.call.arguments': JSON.stringify({ order_id: options.orderId }),
        'gen_ai.tool.call.result': options.fail ? undefined : 'refund queued for the courier',
      },
    },
    agentContext,
  )
  if (options.fail) {
    tool.recordException({ name: 'TimeoutError', message: 'payment gateway did not answer' })
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'TimeoutError: payment gateway' })
  }
  tool.end(start + 20)
  agent.end(start + options.durationMs - 1)
  if (options.fail) {
    // The exception ends the request too, as it would in a web framework.
    root.recordException({ name: 'TimeoutError', message: 'payment gateway did not answer' })
    root.setStatus({ code: SpanStatusCode.ERROR })
  }
  root.end(start + options.durationMs)
  for (const [name, span] of Object.entries({ root, agent, chat, tool })) {
    spanIds[name] = span.spanContext().spanId
  }
  return { traceId: root.spanContext().traceId, spanIds }
}

async function sendRuns(ingestor: Ingestor, service: string) {
  let fine: SentTrace | undefined
  let failed: SentTrace | undefined
  let logged: SentTrace | undefined
  const spans = recordSpans(service, (tracer) => {
    fine = recordAgentRun(tracer, {
      minute: 0,
      orderId: 'A-77121',
      route: '/refunds',
      fail: false,
      durationMs: 400,
    })
    failed = recordAgentRun(tracer, {
      minute: 1,
      orderId: 'B-40960',
      route: '/refunds',
      fail: true,
      durationMs: 3_000,
    })
    logged = recordAgentRun(tracer, {
      minute: 2,
      orderId: 'C-11111',
      route: '/refunds/{id}',
      fail: false,
      durationMs: 900,
    })
  })
  await ingestor.ingest('traces', 'protobuf', encodeSpans(spans).protobuf, 'http')
  return { fine: fine!, failed: failed!, logged: logged! }
}

async function sendLog(ingestor: Ingestor, trace: SentTrace, body: string): Promise<void> {
  const records = recordLogs('refund-service', (logger) => {
    logger.emit({
      body,
      severityText: 'INFO',
      context: childContextOf({
        spanContext: () => ({
          traceId: trace.traceId,
          spanId: trace.spanIds.tool!,
          traceFlags: 1,
        }),
      }),
    })
  })
  await ingestor.ingest('logs', 'protobuf', encodeLogs(records).protobuf, 'http')
}

function filterOf(query: string): TraceFilter {
  const parsed = parseTraceFilter(new URLSearchParams(query))
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join('; '))
  return parsed.filter
}

/** Time the relative bounds count back from: ten minutes after the first trace. */
const NOW_MS = BASE_MS + 10 * 60_000

describe('search index', () => {
  test('finds a tool argument and marks it', async () => {
    const { ingestor, catchUp, search } = openStore()
    const { fine } = await sendRuns(ingestor, 'refund-service')
    catchUp()
    const found = search.list(filterOf('text=A-77121'), { limit: 10 })
    expect(found.map((t) => t.traceId)).toEqual([fine.traceId])
    const match = found[0]!.match!
    // The tool span and the model call that requested it both carry the argument.
    expect(match.matchCount).toBe(2)
    expect([fine.spanIds.tool, fine.spanIds.chat]).toContain(match.spanId)
    expect(['toolArguments', 'messages']).toContain(match.field)
    expect(match.snippet.filter((part) => part.match).map((part) => part.text)).toEqual(['A-77121'])
  })

  test('indexes each message once', async () => {
    const { ingestor, catchUp, search } = openStore()
    const text = (role: string, content: string) => ({ role, parts: [{ type: 'text', content }] })
    const question = text('user', 'Where is parcel Zanzibar?')
    const firstReply = text('assistant', 'Checking the courier manifest.')
    const toolNews = text('user', 'The manifest says Lisbon.')
    const spanIds: string[] = []
    let traceId = ''
    const spans = recordSpans('parcel-service', (tracer) => {
      const agent = tracer.startSpan('invoke_agent parcel_agent', {
        startTime: BASE_MS,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': 'parcel_agent',
        },
      })
      const calls = [
        { input: [question], output: [firstReply] },
        {
          input: [question, firstReply, toolNews],
          output: [text('assistant', 'It is in Lisbon.')],
        },
      ]
      calls.forEach((call, index) => {
        const chat = tracer.startSpan(
          'chat gpt-4o-mini',
          {
            kind: SpanKind.CLIENT,
            startTime: BASE_MS + 10 * (index + 1),
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o-mini',
              'gen_ai.system_instructions': JSON.stringify([
                { type: 'text', content: 'You track parcels for Grimsby.' },
              ]),
              'gen_ai.input.messages': JSON.stringify(call.input),
              'gen_ai.output.messages': JSON.stringify(call.output),
            },
          },
          childContextOf(agent),
        )
        chat.end(BASE_MS + 10 * (index + 1) + 5)
        spanIds.push(chat.spanContext().spanId)
      })
      agent.end(BASE_MS + 100)
      traceId = agent.spanContext().traceId
    })
    await ingestor.ingest('traces', 'protobuf', encodeSpans(spans).protobuf, 'http')
    catchUp()
    const [first, second] = spanIds
    const matchOf = (query: string) => {
      const found = search.list(filterOf(`text=${encodeURIComponent(query)}`), { limit: 10 })
      expect(found.map((trace) => trace.traceId)).toEqual([traceId])
      const { spanId, matchCount } = found[0]!.match!
      return { spanId, matchCount }
    }
    // The question, the first reply and the system instructions repeat in the
    // second call's input, but only the first call is indexed for them.
    expect(matchOf('Zanzibar')).toEqual({ spanId: first, matchCount: 1 })
    expect(matchOf('manifest courier')).toEqual({ spanId: first, matchCount: 1 })
    expect(matchOf('Grimsby')).toEqual({ spanId: first, matchCount: 1 })
    // What is new in the second call: the tool's news in its input and its reply.
    expect(matchOf('Lisbon')).toEqual({ spanId: second, matchCount: 1 })
  })

  test('finds exception messages, results and prefixes', async () => {
    const { ingestor, catchUp, search } = openStore()
    const { fine, failed } = await sendRuns(ingestor, 'refund-service')
    catchUp()
    const gateway = search.list(filterOf('text=payment+gateway'), { limit: 10 })
    expect(gateway.map((t) => t.traceId)).toEqual([failed.traceId])
    expect(gateway[0]!.match!.field).toBe('error')
    expect(gateway[0]!.match!.spanId).toBe(failed.spanIds.tool)

    const courier = search.list(filterOf('text=courier'), { limit: 10 })
    expect(courier.map((t) => t.traceId)).toContain(fine.traceId)
    expect(courier.map((t) => t.traceId)).not.toContain(failed.traceId)
    expect(courier.find((t) => t.traceId === fine.traceId)!.match!.field).toBe('toolResult')

    const prefix = search.list(filterOf('text=cour*'), { limit: 10 })
    expect(prefix.map((t) => t.traceId).sort()).toEqual(courier.map((t) => t.traceId).sort())
  })

  test('treats search operators as text', async () => {
    const { ingestor, catchUp, search } = openStore()
    await sendRuns(ingestor, 'refund-service')
    catchUp()
    for (const text of ['NEAR(refund', 'refund AND', '"unclosed', 'order_id:', '-refund']) {
      const params = new URLSearchParams({ text })
      expect(() => search.list(filterOf(params.toString()), { limit: 10 }), text).not.toThrow()
    }
    expect(search.list(filterOf('text=%22my+parcel%22'), { limit: 10 })).toHaveLength(3)
    expect(search.list(filterOf('text=%22parcel+my%22'), { limit: 10 })).toHaveLength(0)
  })

  test('indexes log bodies with their span', async () => {
    const { ingestor, catchUp, search } = openStore()
    const { logged } = await sendRuns(ingestor, 'refund-service')
    await sendLog(ingestor, logged, 'courier lost the parcel in Rotterdam')
    catchUp()
    const found = search.list(filterOf('text=rotterdam'), { limit: 10 })
    expect(found.map((t) => t.traceId)).toEqual([logged.traceId])
    expect(found[0]!.match!.field).toBe('log')
    expect(found[0]!.match!.spanId).toBe(logged.spanIds.tool)
  })

  test('counts spans waiting to be indexed', async () => {
    const { db, ingestor, indexer } = openStore()
    await sendRuns(ingestor, 'refund-service')
    expect(countUnindexedSpans(db)).toBe(12)
    while (indexer.runBatch().processed > 0) {
      // Each batch commits on its own.
    }
    expect(countUnindexedSpans(db)).toBe(0)
  })
})

describe('trace filters', () => {
  test('narrow the list field by field', async () => {
    const { ingestor, catchUp, search } = openStore()
    const { fine, failed, logged } = await sendRuns(ingestor, 'refund-service')
    catchUp()
    const cases: [string, string[]][] = [
      ['', [logged.traceId, failed.traceId, fine.traceId]],
      ['errorClass=timeout', [failed.traceId]],
      ['errorClass=any', [failed.traceId]],
      ['errorClass=none', [logged.traceId, fine.traceId]],
      ['status=error', [failed.traceId]],
      ['status=ok', []],
      ['status=unset', [logged.traceId, fine.traceId]],
      ['minDuration=1s', [failed.traceId]],
      ['maxDuration=500ms', [fine.traceId]],
      ['minDuration=500ms&maxDuration=1s', [logged.traceId]],
      ['minTokens=900', [failed.traceId]],
      ['maxTokens=150', [logged.traceId, fine.traceId]],
      ['route=/refunds/{id}', [logged.traceId]],
      ['route=/REFUNDS', []],
      ['agent=REFUND_AGENT', [logged.traceId, failed.traceId, fine.traceId]],
      ['agent=other_agent', []],
      ['model=gpt-4o-mini-2024-07-18', [logged.traceId, failed.traceId, fine.traceId]],
      ['model=gpt-4o', []],
      ['service=Refund-Service', [logged.traceId, failed.traceId, fine.traceId]],
      ['service=billing', []],
      ['attr.user.tier=gold', [logged.traceId, fine.traceId]],
      ['attr.retry.count=2', [failed.traceId]],
      ['attr.feature.enabled=false', [failed.traceId]],
      ['attr.user.tier=gold&attr.http.route=/refunds', [fine.traceId]],
      ['attr.service.name=refund-service', [logged.traceId, failed.traceId, fine.traceId]],
      ['attr.user.tier=GOLD', []],
      [`since=${new Date(BASE_MS + 30_000).toISOString()}`, [logged.traceId, failed.traceId]],
      ['since=9m', [logged.traceId, failed.traceId]],
      ['until=570s', [fine.traceId]],
      ['text=refund&errorClass=none&maxDuration=500ms', [fine.traceId]],
    ]
    for (const [query, expected] of cases) {
      const found = search.list(filterOf(query), { limit: 10, nowMs: NOW_MS })
      expect(
        found.map((t) => t.traceId),
        query || '(no filter)',
      ).toEqual(expected)
    }
  })

  test('cost bounds leave out unpriced traces', async () => {
    const { ingestor, catchUp, search } = openStore()
    const { fine, failed, logged } = await sendRuns(ingestor, 'refund-service')
    catchUp()
    const all = search.list({}, { limit: 10 })
    const costs = new Map(all.map((t) => [t.traceId, t.costUsd]))
    expect(costs.get(failed.traceId)).toBeGreaterThan(costs.get(fine.traceId)!)
    const threshold = (costs.get(failed.traceId)! + costs.get(fine.traceId)!) / 2
    const expensive = search.list({ minCostUsd: threshold }, { limit: 10 })
    expect(expensive.map((t) => t.traceId)).toEqual([failed.traceId])
    const cheap = search.list({ maxCostUsd: threshold }, { limit: 10 })
    expect(cheap.map((t) => t.traceId)).toEqual([logged.traceId, fine.traceId])
  })

  test('pages by start time and restricts to ids', async () => {
    const { ingestor, catchUp, search } = openStore()
    const { fine, failed, logged } = await sendRuns(ingestor, 'refund-service')
    catchUp()
    const first = search.list({ text: 'refund' }, { limit: 2 })
    expect(first.map((t) => t.traceId)).toEqual([logged.traceId, failed.traceId])
    const next = search.list(
      { text: 'refund' },
      { limit: 2, beforeNs: BigInt(first.at(-1)!.startTimeUnixNano) },
    )
    expect(next.map((t) => t.traceId)).toEqual([fine.traceId])
    const some = search.list(
      { status: 'unset' },
      { limit: 10, traceIds: [fine.traceId, failed.traceId] },
    )
    expect(some.map((t) => t.traceId)).toEqual([fine.traceId])
  })
})

describe('frequent text', () => {
  /**
   * Stores twelve refund runs whose insertion order differs from their start
   * order. The run of minute 11 arrives in two requests around the run of
   * minute 10, so its span ids are not consecutive, and the run of minute 3
   * also has a log record.
   */
  async function sendShuffledRuns(ingestor: Ingestor) {
    const byMinute = new Map<number, SentTrace>()
    const record = (minute: number) =>
      recordSpans('refund-service', (tracer) => {
        byMinute.set(
          minute,
          recordAgentRun(tracer, {
            minute,
            orderId: `D-${minute}`,
            route: '/refunds',
            fail: minute % 4 === 0,
            durationMs: 400,
          }),
        )
      })
    const send = (spans: ReturnType<typeof recordSpans>) =>
      ingestor.ingest('traces', 'protobuf', encodeSpans(spans).protobuf, 'http')
    for (const minute of [5, 0, 9, 2, 7, 1, 8, 3, 6, 4]) await send(record(minute))
    const split = record(11)
    await send(split.slice(0, 2))
    await send(record(10))
    await send(split.slice(2))
    await sendLog(ingestor, byMinute.get(3)!, 'the parcel left the depot')
    const newestFirst = [...byMinute.keys()].sort((a, b) => b - a)
    return newestFirst.map((minute) => byMinute.get(minute)!.traceId)
  }

  /** Reads every page of `text`, `limit` traces at a time. */
  function allPages(search: TraceSearch, filter: TraceFilter, limit: number) {
    const pages: TraceListItem[][] = []
    let beforeNs: bigint | undefined
    for (;;) {
      const page = search.list(filter, { limit, beforeNs, nowMs: NOW_MS })
      if (page.length > 0) pages.push(page)
      if (page.length < limit) return pages
      beforeNs = BigInt(page.at(-1)!.startTimeUnixNano)
    }
  }

  test('walk and scan page newest first', async () => {
    const { db, ingestor, catchUp } = openStore()
    const expected = await sendShuffledRuns(ingestor)
    catchUp()
    const ranked = new TraceSearch(db)
    // Runs of minutes 0, 4 and 8 fail, and only the others have "courier" in a tool result.
    const withCourier = expected.filter((_, index) => (11 - index) % 4 !== 0)
    const searches = {
      // With no term counted as rare, every search goes to FrequentTextSearch.
      walk: new TraceSearch(db, { rankedMatchesMax: 0 }),
      // No head start and turns of one step: the scan reads every match first.
      scan: new TraceSearch(db, { rankedMatchesMax: 0, timing: { headStartMs: 0, turnMs: 0 } }),
    }
    for (const text of ['parcel', 'refund', 'courier']) {
      const pagesRanked = allPages(ranked, { text }, 5).flat()
      for (const [name, search] of Object.entries(searches)) {
        const pages = allPages(search, { text }, 5)
        const label = `${name}, text=${text}`
        expect(
          pages.map((page) => page.length),
          label,
        ).toEqual(text === 'courier' ? [5, 4] : [5, 5, 2])
        const found = pages.flat()
        expect(
          found.map((trace) => trace.traceId),
          label,
        ).toEqual(text === 'courier' ? withCourier : expected)
        expect(
          found.map((trace) => [trace.traceId, trace.match!.matchCount]),
          label,
        ).toEqual(pagesRanked.map((trace) => [trace.traceId, trace.match!.matchCount]))
      }
    }
  })

  test('counts log records and split traces', async () => {
    const { db, ingestor, catchUp } = openStore()
    const expected = await sendShuffledRuns(ingestor)
    catchUp()
    const search = new TraceSearch(db, { rankedMatchesMax: 0 })
    const found = search.list({ text: 'parcel' }, { limit: 20 })
    const counts = new Map(found.map((trace) => [trace.traceId, trace.match!.matchCount]))
    // The model call's input has "parcel"; the run of minute 3 also has the log record.
    expect(counts.get(expected[8]!)).toBe(2)
    expect(counts.get(expected[0]!)).toBe(1)
    const split = found.find((trace) => trace.traceId === expected[0])!
    expect(split.match!.field).toBe('messages')
    expect(split.match!.snippet.filter((part) => part.match).map((part) => part.text)).toEqual([
      'parcel',
    ])
  })

  test('keeps other filters and ids', async () => {
    const { db, ingestor, catchUp } = openStore()
    const expected = await sendShuffledRuns(ingestor)
    catchUp()
    for (const timing of [undefined, { headStartMs: 0, turnMs: 0 }]) {
      const search = new TraceSearch(db, { rankedMatchesMax: 0, timing })
      const failed = search.list(filterOf('text=parcel&status=error'), { limit: 20 })
      // Runs of minutes 0, 4 and 8 fail.
      expect(failed.map((trace) => trace.traceId)).toEqual([expected[3], expected[7], expected[11]])
      const some = search.list(
        { text: 'parcel' },
        { limit: 20, traceIds: [expected[11]!, expected[2]!] },
      )
      expect(some.map((trace) => trace.traceId)).toEqual([expected[2], expected[11]])
    }
  })
})

describe('retention', () => {
  test('deletes the index rows of deleted traces', async () => {
    const { db, ingestor, catchUp, search } = openStore()
    const { logged } = await sendRuns(ingestor, 'refund-service')
    await sendLog(ingestor, logged, 'courier lost the parcel in Rotterdam')
    catchUp()
    const rows = () =>
      (db.prepare('SELECT count(*) AS n FROM search_text').get() as { n: number }).n
    expect(rows()).toBe(13)
    const steps = new RetentionSteps(db)
    db.transaction(() => steps.deleteStep({ kind: 'size', targetBytes: 0 }))()
    expect(db.prepare('SELECT count(*) AS n FROM traces').get()).toEqual({ n: 0 })
    expect(rows()).toBe(0)
    expect(search.list({ text: 'rotterdam' }, { limit: 10 })).toEqual([])
  })

  test('indexes logs that reuse the ids of deleted ones', async () => {
    const { db, ingestor, catchUp, search } = openStore()
    const first = await sendRuns(ingestor, 'refund-service')
    await sendLog(ingestor, first.logged, 'first courier note')
    catchUp()
    const steps = new RetentionSteps(db)
    db.transaction(() => steps.deleteStep({ kind: 'size', targetBytes: 0 }))()
    // logs has no AUTOINCREMENT: with the table empty, the next log gets id 1 again.
    const second = await sendRuns(ingestor, 'refund-service')
    await sendLog(ingestor, second.logged, 'second courier note')
    catchUp()
    const found = search.list({ text: 'second courier' }, { limit: 10 })
    expect(found.map((t) => t.traceId)).toEqual([second.logged.traceId])
    expect(found[0]!.match!.field).toBe('log')
  })
})
