// What search costs. The benchmark compares the rate at which the search
// indexer fills the FTS5 index with the rate of GenAI normalization over the
// same stored spans. It also reports the index's size per span and the
// latency of filtered trace lists, all in this process, on a store in a
// temporary folder.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GenAiNormalizer } from '../src/core/genai/normalizer'
import { decodeTracesProto } from '../src/core/otlp/index'
import { SearchIndexer } from '../src/core/search/indexer'
import { TraceSearch } from '../src/core/search/trace-search'
import { openDatabase } from '../src/core/store/database'
import { SpanWriter } from '../src/core/store/writer'
import type { TraceFilter } from '../src/shared/trace-filter'
import { renumberTraces, type Profile, type RequestBodies } from './workload'

/** Spans stored before measuring: about 50 MB of GenAI spans, or many more small ones. */
const STORED_SPANS: Record<Profile, number> = { genai: 8_192, apm: 65_536 }
const QUERY_RUNS = 10

const QUERIES: Record<Profile, [string, TraceFilter][]> = {
  genai: [
    ['text, a word in most spans', { text: 'parcel' }],
    ['text, one tool argument', { text: '1003' }],
    ['error class, no trace matches', { errorClass: 'any' }],
    [
      'attribute equality on any span',
      { attributes: [{ key: 'gen_ai.tool.call.id', value: 'call_3' }] },
    ],
  ],
  apm: [
    ['text, a word in every span', { text: 'orders' }],
    ['error class, no trace matches', { errorClass: 'any' }],
    ['attribute equality on any span', { attributes: [{ key: 'url.path', value: '/orders/7' }] }],
  ],
}

export interface SearchCost {
  spans: number
  normalizeSpansPerSecond: number
  indexSpansPerSecond: number
  indexBytesPerSpan: number
  spanBytesPerSpan: number
  /** Median milliseconds of one 100-trace page per query. */
  queryMs: [string, number][]
}

/** Stores the profile's spans in a new store, then normalizes, indexes and queries them. */
export async function measureSearch(profile: Profile, bodies: RequestBodies): Promise<SearchCost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-search-'))
  const db = openDatabase(dataDir)
  try {
    const writer = new SpanWriter(db)
    let spans = 0
    for (let sequence = 1; spans < STORED_SPANS[profile]; sequence++) {
      await writer.writeTraces(decodeTracesProto(renumberTraces(bodies, sequence)))
      spans += bodies.spans
    }
    writer.close()

    const normalizer = new GenAiNormalizer(db)
    let started = performance.now()
    while (normalizer.runBatch().processed > 0) {
      // Each batch commits on its own.
    }
    const normalizeSeconds = (performance.now() - started) / 1000

    const indexer = new SearchIndexer(db)
    started = performance.now()
    while (indexer.runBatch().processed > 0) {
      // Each batch commits on its own.
    }
    const indexSeconds = (performance.now() - started) / 1000

    const search = new TraceSearch(db)
    const queryMs: [string, number][] = QUERIES[profile].map(([label, filter]) => {
      const times: number[] = []
      for (let run = 0; run < QUERY_RUNS; run++) {
        const start = performance.now()
        search.list(filter, { limit: 100 })
        times.push(performance.now() - start)
      }
      times.sort((a, b) => a - b)
      return [label, times[Math.floor(times.length / 2)]!]
    })

    return {
      spans,
      normalizeSpansPerSecond: spans / normalizeSeconds,
      indexSpansPerSecond: spans / indexSeconds,
      indexBytesPerSpan: tableBytes(db, 'search_text%') / spans,
      spanBytesPerSpan: tableBytes(db, 'spans') / spans,
      queryMs,
    }
  } finally {
    db.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Returns the bytes of the pages of the tables and indexes whose names match `pattern`. */
function tableBytes(db: ReturnType<typeof openDatabase>, pattern: string): number {
  const row = db
    .prepare('SELECT coalesce(sum(pgsize), 0) AS bytes FROM dbstat WHERE name LIKE ?')
    .get(pattern) as { bytes: number }
  return row.bytes
}

/** Formats a measure as the lines the benchmark prints under its table. */
export function formatSearchCost(profile: Profile, cost: SearchCost): string[] {
  const whole = (n: number) => Math.round(n).toLocaleString('en-US')
  const queries = cost.queryMs.map(([label, ms]) => `${label} ${ms.toFixed(1)} ms`).join('; ')
  return [
    `Search index, ${profile} profile, ${whole(cost.spans)} stored spans: indexing ` +
      `${whole(cost.indexSpansPerSecond)} spans/s, GenAI normalization of the same spans ` +
      `${whole(cost.normalizeSpansPerSecond)} spans/s (one thread each, one after the other); ` +
      `index ${whole(cost.indexBytesPerSpan)} B/span next to ${whole(cost.spanBytesPerSpan)} B/span ` +
      'in the spans table',
    `Filtered list, ${profile} profile, median of ${QUERY_RUNS} pages of 100 traces: ${queries}`,
  ]
}
