// The large-store part of `npm run bench`. It builds a store of a million
// spans (LOUPE_BENCH_STORE_SPANS changes the count) and starts `loupe serve`
// on it. Then it times the trace list, the big trace's tree (its first page,
// a later page and the whole), full-text search, start-up and memory, and
// opens the big trace in headless Chromium.

import { rmSync } from 'node:fs'
import { idleRssMb } from './parts'
import {
  BIG_TRACE_ID,
  BIG_TRACE_SPANS,
  buildLargeStore,
  median,
  p95,
  timeRequest,
  type LargeStore,
} from './large-store'
import { measureBigTrace } from './renderer'
import { startServe, stopServe, waitUntilProcessed } from './serve'
import type { TargetTable } from './targets'

const STORE_SPANS = Number(process.env.LOUPE_BENCH_STORE_SPANS ?? 1_000_000)
const QUERY_RUNS = 40

/** Full-text queries of the first page, from rare to common words in the store. */
const TEXT_QUERIES: [string, string][] = [
  ['a tool argument in about 100 spans', '1003'],
  ['a word in most GenAI spans', 'parcel'],
  ['a word in every APM span', 'orders'],
]

export interface StorePartOptions {
  /** Time the API queries, start-up and memory (the `store` part). */
  queries: boolean
  /** Open the big trace in Chromium (the `renderer` part). */
  renderer: boolean
}

export async function measureLargeStore(
  targets: TargetTable,
  options: StorePartOptions,
): Promise<string> {
  // The renderer alone needs only the big trace.
  const store = await buildLargeStore(options.queries ? STORE_SPANS : BIG_TRACE_SPANS)
  const lines = [
    `## A store of ${store.spans.toLocaleString('en-US')} spans`,
    '',
    `Built through the store's writer in the benchmark's process (not over OTLP) in ${store.seconds.toFixed(0)} s: ` +
      `${store.apmSpans.toLocaleString('en-US')} small APM spans in traces of 32, ` +
      `${store.genaiSpans.toLocaleString('en-US')} GenAI spans in traces of 32 and one trace of ` +
      `${store.bigTraceSpans.toLocaleString('en-US')} spans.`,
    '',
  ]
  try {
    let core = await startServe(store.dataDir)
    const backlogStartMs = core.startMs
    const processedSeconds = await waitUntilProcessed(core, 1800)
    lines.push(
      `- First start, with every span still to normalize and index: OTLP port accepting after ` +
        `${backlogStartMs.toFixed(0)} ms; the core then normalized and indexed the store in ${processedSeconds.toFixed(0)} s.`,
    )
    // Start again on the processed store, as a user reopening Loupe would.
    await stopServe(core, true)
    core = await startServe(store.dataDir)
    try {
      if (options.queries) await measureQueries(targets, core, store, lines, backlogStartMs)
      if (options.renderer) await measureRenderer(targets, core, lines)
    } finally {
      await stopServe(core, true)
    }
  } finally {
    rmSync(store.dataDir, { recursive: true, force: true })
  }
  return lines.join('\n')
}

async function measureQueries(
  targets: TargetTable,
  core: Awaited<ReturnType<typeof startServe>>,
  store: LargeStore,
  lines: string[],
  backlogStartMs: number,
): Promise<void> {
  const idle = await idleRssMb(core)
  const millions = (store.spans / 1e6).toFixed(2)
  targets.atMost(
    `OTLP port accepting ≤ 500 ms after start, ${millions} M spans`,
    core.startMs,
    500,
    'ms',
    `${backlogStartMs.toFixed(0)} ms on the first start, before normalization`,
  )
  targets.atMost(
    `core RSS idle after start, ${millions} M spans ≤ 80 MB (flat)`,
    idle,
    80,
    'MB',
    'compare with the empty store',
  )
  lines.push(
    `- Second start, on the processed store: OTLP port accepting after ${core.startMs.toFixed(0)} ms; ` +
      `RSS ${idle.toFixed(0)} MB once idle.`,
    '',
    '| request | runs | p50 ms | p95 ms | response | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  )
  const row = (name: string, timed: Awaited<ReturnType<typeof timeRequest>>, note: string) =>
    lines.push(
      `| ${name} | ${timed.sortedMs.length} | ${median(timed).toFixed(1)} | ${p95(timed).toFixed(1)} | ` +
        `${(timed.bytes / 1024).toFixed(0)} KB | ${note} |`,
    )

  const list = await timeRequest(core, '/api/traces?limit=100', QUERY_RUNS)
  row('trace list, first page of 100 (GET /api/traces)', list, '')
  targets.atMost(`trace list p95 at ${millions} M spans ≤ 20 ms`, p95(list), 20, 'ms')

  const treePath = `/api/traces/${BIG_TRACE_ID}/tree`
  const firstPage = await timeRequest(core, `${treePath}?limit=1000`, QUERY_RUNS)
  const firstBody = firstPage.body as { spans?: unknown[]; nextCursor?: string | null } | null
  row(
    'first page of the 50,000-span trace (GET /api/traces/ID/tree?limit=1000)',
    firstPage,
    `${(firstBody?.spans?.length ?? 0).toLocaleString('en-US')} spans: the trace view's first request`,
  )
  targets.atMost(
    `first 1,000 spans of a 50,000-span trace ≤ 20 ms`,
    median(firstPage),
    20,
    'ms',
    'p50 of GET /api/traces/ID/tree?limit=1000',
  )
  if (firstBody?.nextCursor) {
    const after = encodeURIComponent(firstBody.nextCursor)
    const nextPage = await timeRequest(core, `${treePath}?limit=10000&after=${after}`, 10)
    row(
      'next page of 10,000 spans (?after=CURSOR&limit=10000)',
      nextPage,
      'the later pages the view loads in the background',
    )
  }
  const tree = await timeRequest(core, treePath, 10)
  const treeSpans = (tree.body as { spans?: unknown[] } | null)?.spans?.length ?? 0
  row(
    `whole tree of the ${BIG_TRACE_SPANS.toLocaleString('en-US')}-span trace (GET /api/traces/ID/tree)`,
    tree,
    `${treeSpans.toLocaleString('en-US')} spans: the unpaged form, for other callers`,
  )

  for (const [label, word] of TEXT_QUERIES) {
    const path = `/api/traces?limit=100&text=${encodeURIComponent(word)}`
    const search = await timeRequest(core, path, 10)
    const traces = Array.isArray(search.body) ? (search.body as { match?: unknown }[]) : null
    const reason =
      search.status === 400
        ? `the core answered 400 to text=: ${JSON.stringify(search.body)}`
        : search.status !== 200
          ? `the core answered HTTP ${search.status} to text=`
          : traces && traces.length > 0 && traces.some((trace) => trace.match === undefined)
            ? 'the core ignored text= (traces without a match): it has no full-text search'
            : null
    if (reason) {
      process.stdout.write(`Full-text search skipped: ${reason}\n`)
      lines.push(`| full-text "${word}" | 0 | n/a | n/a | n/a | skipped: ${reason} |`)
      targets.notMeasured(`full-text first page at ${millions} M spans ≤ 50 ms`, reason)
      break
    }
    row(`full-text "${word}", first page`, search, `${label}; ${traces?.length ?? 0} traces`)
    targets.atMost(
      `full-text first page at ${millions} M spans ≤ 50 ms, ${label}`,
      median(search),
      50,
      'ms',
      'p50',
    )
  }
}

async function measureRenderer(
  targets: TargetTable,
  core: Awaited<ReturnType<typeof startServe>>,
  lines: string[],
): Promise<void> {
  let result: Awaited<ReturnType<typeof measureBigTrace>>
  try {
    result = await measureBigTrace(core, BIG_TRACE_ID)
  } catch (error) {
    const reason = `Chromium did not run: ${(error as Error).message.split('\n')[0]}`
    process.stdout.write(`Renderer measure skipped: ${reason}\n`)
    lines.push('', `- Renderer: skipped, ${reason}`)
    targets.notMeasured('50,000-span trace interactive ≤ 500 ms', reason)
    targets.notMeasured('renderer JS heap growth for that trace ≤ 150 MB', reason)
    return
  }
  const growth = result.heapAfterMb - result.heapBeforeMb
  lines.push(
    '',
    `- Renderer (headless Chromium): from opening the ${BIG_TRACE_SPANS.toLocaleString('en-US')}-span trace ` +
      `in the app to its first rows ${result.firstRowsMs} ms, to a click on a row having selected it ` +
      `${result.interactiveMs} ms (${result.rowsInDom} rows in the DOM), to all spans loaded ` +
      `${result.allLoadedMs} ms; JS heap ${result.heapBeforeMb.toFixed(0)} MB ` +
      `on the trace list, ${result.heapAfterMb.toFixed(0)} MB with the trace open (after a garbage collection).`,
  )
  targets.atMost('50,000-span trace interactive ≤ 500 ms', result.interactiveMs, 500, 'ms')
  targets.atMost('renderer JS heap growth for that trace ≤ 150 MB', growth, 150, 'MB')
}
