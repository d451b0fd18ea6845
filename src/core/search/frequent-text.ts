// The first traces, newest first, that contain a text which many spans
// contain. Grouping every match by trace would read the trace id of each of
// them (about half a second for a million matches), so two readers take
// turns instead:
//
// - the walk reads the traces that pass the other filters newest first and
//   checks in the index whether each one contains the text, until the page
//   is full.
// - the scan reads the matches in row id order and counts them per trace.
//
// The walk finishes early when matches are dense among the newest traces.
// The scan finishes when it has read every match, and then gives the page of
// a text found in many old traces but few new ones. Whichever finishes first
// returns the page, which is the same either way. After a head start of the
// walk, the two get equal time, so the search takes at most about twice as
// long as the faster reader alone, plus the head start.

import type Database from 'better-sqlite3'
import type { TraceRow } from '../store/queries'

/**
 * Time the walk runs before the scan starts. A text in half of the newest
 * traces fills a page of 100 in 10 to 20 ms of walking on a store of a
 * million spans (bench/store-part.ts). So the scan, which would need about
 * a second for such a text, does not start.
 */
export const WALK_HEAD_START_MS = 30
/** Time of one turn of each reader after the head start. */
export const TURN_MS = 5
/** Matches that one scan query reads, at about 1 µs each. */
const SCAN_BATCH = 1_000
/** Traces that one walk query reads. */
const WALK_CHUNK = 256
/** The smallest 64-bit integer, below every row id of search_text (log records have negative ones). */
const MIN_ROW_ID = -(2n ** 63n)

/** A trace of the page with the number of its matches and the one to show. */
export interface FrequentTextHit {
  row: TraceRow
  matchCount: number
  /** Row id in search_text of the first match stored: a span, or for a trace with only log matches, a log record. */
  hitRow: bigint
}

/** How long the two readers run, in milliseconds. */
export interface ReaderTiming {
  /** Time the walk runs alone before the scan starts. */
  headStartMs: number
  /** Time of one turn of each reader after the head start. */
  turnMs: number
}

/** The SQL of the trace list around the text condition. */
export interface TraceListSql {
  /** `SELECT … FROM traces t LEFT JOIN trace_genai tg …`, without WHERE. */
  select: string
  /** The conditions of the other filters, or an empty list. */
  conditions: string[]
  /** The trace ids that `conditions` restricts the list to, when it does. */
  traceIds?: string[]
  params: Record<string, unknown>
}

interface MatchTally {
  count: number
  hitRow: bigint
}

export class FrequentTextSearch {
  private readonly statements

  constructor(
    db: Database.Database,
    private readonly prepare: (sql: string) => Database.Statement,
    private readonly timing: ReaderTiming = { headStartMs: WALK_HEAD_START_MS, turnMs: TURN_MS },
  ) {
    this.statements = {
      spanRange: db
        .prepare(
          'SELECT min(id) AS first, max(id) AS last, count(*) AS n FROM spans WHERE trace_id = ?',
        )
        .safeIntegers(true),
      spanIds: db
        .prepare('SELECT id FROM spans WHERE trace_id = ? ORDER BY id')
        .pluck()
        .safeIntegers(true),
      logRange: db
        .prepare(
          'SELECT min(id) AS first, max(id) AS last, count(*) AS n FROM logs WHERE trace_id = ?',
        )
        .safeIntegers(true),
      logIds: db
        .prepare('SELECT id FROM logs WHERE trace_id = ? ORDER BY id')
        .pluck()
        .safeIntegers(true),
      walkChunk: db
        .prepare(
          'SELECT trace_id, start_ns FROM traces WHERE start_ns < ? ORDER BY start_ns DESC LIMIT ?',
        )
        .safeIntegers(true),
      walkTies: db
        .prepare('SELECT trace_id FROM traces WHERE start_ns = ?')
        .pluck()
        .safeIntegers(true),
      // The bounds must be bound as integers: FTS5 ignores a rowid bound
      // that is a REAL, and then returns every match.
      matchesInRange: db
        .prepare(
          `SELECT count(*) AS n, min(rowid) AS low, max(rowid) AS high FROM search_text
           WHERE search_text MATCH ? AND rowid BETWEEN ? AND ?`,
        )
        .safeIntegers(true),
      scan: db
        .prepare(
          `SELECT rowid, trace_id FROM search_text
           WHERE search_text MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?`,
        )
        .raw()
        .safeIntegers(true),
    }
  }

  /**
   * Returns the first `limit` traces of `list`, newest first, that contain
   * the FTS5 query `text`. The walk runs alone for its head start. After
   * that the two readers take turns of equal time, each turn at least one
   * trace or one query long.
   */
  find(list: TraceListSql, text: string, limit: number): FrequentTextHit[] {
    const found: FrequentTextHit[] = []
    const chunks = this.walk(list)
    let rows: TraceRow[] = []
    let index = 0
    const scan = new MatchScan(this.statements.scan, text)
    let walkMs = 0
    let scanMs = 0
    for (;;) {
      const walkUntilMs = Math.max(this.timing.headStartMs, scanMs + this.timing.turnMs)
      const walkStart = performance.now()
      do {
        if (index === rows.length) {
          const next = chunks.next()
          if (next.done) return found
          rows = next.value
          index = 0
          continue
        }
        const row = rows[index++]!
        const tally = this.matchesOfTrace(row.trace_id, text)
        if (tally === null) continue
        found.push({ row, matchCount: tally.count, hitRow: tally.hitRow })
        if (found.length >= limit) return found
      } while (walkMs + (performance.now() - walkStart) < walkUntilMs)
      walkMs += performance.now() - walkStart

      const scanStart = performance.now()
      do {
        if (scan.read(SCAN_BATCH)) return this.pageOfTallies(list, scan.tallies, limit)
      } while (scanMs + (performance.now() - scanStart) < walkMs)
      scanMs += performance.now() - scanStart
    }
  }

  /**
   * Yields the traces of `list` newest first, in chunks, and an empty
   * chunk when the filters kept none of the chunk's traces. Unless `list` names its trace
   * ids, the walk takes the next WALK_CHUNK traces by start time and then
   * applies the other filters to them alone. So a filter that tests the
   * spans of each trace (service, route, attr.KEY) costs at most one chunk
   * per query, and the scan can take its turn between two chunks.
   */
  private *walk(list: TraceListSql): Generator<TraceRow[]> {
    const filter = (condition: string) =>
      this.prepare(`${list.select} WHERE ${[...list.conditions, condition].join('\n  AND ')}`)
    if (list.traceIds !== undefined) {
      // The conditions already keep only these ids, at most a page of them.
      yield newestFirst(filter('1').all(list.params) as TraceRow[])
      return
    }
    const filtered = filter('t.trace_id IN (SELECT value FROM json_each(@walkTraceIds))')
    let beforeNs = 2n ** 63n - 1n
    for (;;) {
      const chunk = this.statements.walkChunk.all(beforeNs, WALK_CHUNK) as WalkRow[]
      const traceIds = chunk.map((row) => row.trace_id)
      const last = chunk.length === WALK_CHUNK ? chunk.at(-1)!.start_ns : null
      if (last !== null) {
        // Read every trace with the last start time now, so that the next
        // chunk can start strictly before it.
        traceIds.splice(chunk.findIndex((row) => row.start_ns === last))
        traceIds.push(...(this.statements.walkTies.all(last) as string[]))
      }
      const params = { ...list.params, walkTraceIds: JSON.stringify(traceIds) }
      yield newestFirst(filtered.all(params) as TraceRow[])
      if (last === null) return
      beforeNs = last
    }
  }

  /**
   * Counts the matches among the spans and log records of one trace, or
   * returns null when it has none. Their row ids are grouped into runs of
   * consecutive ids, and the index is asked one rowid range per run.
   */
  private matchesOfTrace(traceId: string, text: string): MatchTally | null {
    let count = 0
    let hitRow: bigint | null = null
    for (const [first, last] of this.idRuns(traceId, 'span')) {
      const hits = this.statements.matchesInRange.get(text, first, last) as RangeMatches
      count += Number(hits.n)
      hitRow ??= hits.low
    }
    // A log record's row id in search_text is minus its id in logs.
    for (const [first, last] of this.idRuns(traceId, 'log')) {
      const hits = this.statements.matchesInRange.get(text, -last, -first) as RangeMatches
      count += Number(hits.n)
      hitRow ??= hits.high
    }
    return count > 0 ? { count, hitRow: hitRow! } : null
  }

  /**
   * Returns the ids of a trace's spans or log records as runs of consecutive
   * ids, in ascending order. Spans of one trace usually arrive together, so
   * when the ids between the smallest and the largest all belong to the
   * trace, that is the one run and the ids are not read one by one.
   */
  private idRuns(traceId: string, source: 'span' | 'log'): [bigint, bigint][] {
    const range = source === 'span' ? this.statements.spanRange : this.statements.logRange
    const { first, last, n } = range.get(traceId) as IdRange
    if (n === 0n || first === null || last === null) return []
    if (last - first + 1n === n) return [[first, last]]
    const ids = source === 'span' ? this.statements.spanIds : this.statements.logIds
    return consecutiveRuns(ids.all(traceId) as bigint[])
  }

  /** Returns the first `limit` traces of `list` that the scan found matches in, newest first. */
  private pageOfTallies(
    list: TraceListSql,
    tallies: Map<string, MatchTally>,
    limit: number,
  ): FrequentTextHit[] {
    const conditions = [
      ...list.conditions,
      't.trace_id IN (SELECT value FROM json_each(@matchedTraceIds))',
    ]
    const rows = this.prepare(
      `${list.select} WHERE ${conditions.join('\n  AND ')}
       ORDER BY t.start_ns DESC LIMIT @pageLimit`,
    ).all({
      ...list.params,
      matchedTraceIds: JSON.stringify([...tallies.keys()]),
      pageLimit: limit,
    }) as TraceRow[]
    return rows.map((row) => {
      const tally = tallies.get(row.trace_id)!
      return { row, matchCount: tally.count, hitRow: tally.hitRow }
    })
  }
}

interface WalkRow {
  trace_id: string
  start_ns: bigint
}

/** Sorts trace rows by start time, newest first, and by trace id among equal start times. */
function newestFirst(rows: TraceRow[]): TraceRow[] {
  return rows.sort((a, b) => {
    if (a.start_ns !== b.start_ns) return a.start_ns > b.start_ns ? -1 : 1
    if (a.trace_id === b.trace_id) return 0
    return a.trace_id < b.trace_id ? -1 : 1
  })
}

interface RangeMatches {
  n: bigint
  low: bigint | null
  high: bigint | null
}

interface IdRange {
  first: bigint | null
  last: bigint | null
  n: bigint
}

/** Reads every match in row id order, a turn at a time, and counts them per trace. */
class MatchScan {
  readonly tallies = new Map<string, MatchTally>()
  private cursor = MIN_ROW_ID

  constructor(
    private readonly statement: Database.Statement,
    private readonly text: string,
  ) {}

  /** Reads up to `max` more matches and returns true once every match was read. */
  read(max: number): boolean {
    const rows = this.statement.all(this.text, this.cursor, max) as [bigint, string][]
    for (const [rowId, traceId] of rows) {
      const tally = this.tallies.get(traceId)
      if (tally === undefined) {
        this.tallies.set(traceId, { count: 1, hitRow: rowId })
        continue
      }
      tally.count++
      // Row ids ascend, and those of log records (minus the log id) come
      // first. So a later row is either an older log record or the first
      // span, and the first span, once found, stays.
      if (tally.hitRow < 0n) tally.hitRow = rowId
    }
    if (rows.length > 0) this.cursor = rows.at(-1)![0]
    return rows.length < max
  }
}

/** Splits ascending ids into runs of consecutive ids, as [first, last] pairs. */
export function consecutiveRuns(ids: readonly bigint[]): [bigint, bigint][] {
  const runs: [bigint, bigint][] = []
  for (const id of ids) {
    const run = runs.at(-1)
    if (run !== undefined && id === run[1] + 1n) run[1] = id
    else runs.push([id, id])
  }
  return runs
}
