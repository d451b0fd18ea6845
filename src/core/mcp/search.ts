// Trace search for `loupe mcp`: filters on the trace summaries and a
// case-insensitive substring match over span names, attributes, events,
// normalized GenAI content and log records. Everything goes through
// `searchTraces`, so a full-text index can replace the LIKE scan without
// changing the tools that call it.

import type Database from 'better-sqlite3'
import type { AttributeMap, TraceSummary } from '../../shared/api'
import type { ErrorClass } from '../../shared/genai'
import type { TraceQueries } from '../store/queries'

export interface TraceSearch {
  /** Substring to find, matched case-insensitively for ASCII letters. */
  text?: string
  /** Only traces that started at or after this time, in Unix nanoseconds. */
  sinceNs?: bigint
  /** A failure class, or 'any' for every class other than none. */
  errorClass?: ErrorClass | 'any'
  /** Agent name, matched case-insensitively against the trace's agent or any agent span. */
  agent?: string
  /** Exact service.name of the trace. */
  service?: string
  limit: number
}

/** The location of the search text in a trace: the first span (or log record) that contains it. */
export interface TextMatch {
  spanId: string | null
  spanName: string | null
  /** The part that contains the text, e.g. `attributes.gen_ai.prompt` or `messages`. */
  field: string
  /** The text around the match, on one line. */
  snippet: string
}

export interface TraceSearchHit {
  trace: TraceSummary
  match: TextMatch | null
}

const SNIPPET_CONTEXT_CHARS = 60

/** Returns `text` as a LIKE pattern that matches it anywhere, with `\` as the escape character. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/**
 * Returns the LIKE patterns for `text`: the text itself and, when they
 * differ, its escaped form inside a JSON string, because attributes,
 * events and messages are stored as JSON text.
 */
function textPatterns(text: string): string[] {
  const escaped = JSON.stringify(text).slice(1, -1)
  return escaped === text ? [likePattern(text)] : [likePattern(text), likePattern(escaped)]
}

function anyLike(columns: string[], patternCount: number): string {
  const terms: string[] = []
  for (const column of columns) {
    for (let i = 0; i < patternCount; i++) terms.push(`${column} LIKE ? ESCAPE '\\'`)
  }
  return `(${terms.join(' OR ')})`
}

const SPAN_TEXT_COLUMNS = ['s.name', 's.status_message', 's.attributes', 's.events']
const LOG_TEXT_COLUMNS = ['l.body', 'l.attributes']

/** Returns matching traces, newest first, with where the text occurs in each. */
export function searchTraces(queries: TraceQueries, search: TraceSearch): TraceSearchHit[] {
  const db = queries.database

  const conditions: string[] = []
  const parameters: unknown[] = []
  if (search.sinceNs !== undefined) {
    conditions.push('t.start_ns >= ?')
    parameters.push(search.sinceNs)
  }
  if (search.service !== undefined) {
    conditions.push('t.service_name = ?')
    parameters.push(search.service)
  }
  if (search.errorClass === 'any') {
    conditions.push("coalesce(tg.error_class, 'none') <> 'none'")
  } else if (search.errorClass !== undefined) {
    conditions.push("coalesce(tg.error_class, 'none') = ?")
    parameters.push(search.errorClass)
  }
  if (search.agent !== undefined) {
    conditions.push(
      `(tg.agent_name = ? COLLATE NOCASE OR EXISTS (SELECT 1 FROM span_genai sg
         WHERE sg.trace_id = t.trace_id AND sg.agent_name = ? COLLATE NOCASE))`,
    )
    parameters.push(search.agent, search.agent)
  }

  const patterns = search.text ? textPatterns(search.text) : []
  if (patterns.length > 0) {
    const count = patterns.length
    conditions.push(`(${anyLike(['t.name', 'tg.root_title'], count)}
      OR EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id
        AND ${anyLike(SPAN_TEXT_COLUMNS, count)})
      OR EXISTS (SELECT 1 FROM span_genai sg WHERE sg.trace_id = t.trace_id
        AND ${anyLike(['sg.detail'], count)})
      OR EXISTS (SELECT 1 FROM logs l WHERE l.trace_id = t.trace_id
        AND ${anyLike(LOG_TEXT_COLUMNS, count)}))`)
    const repeat = (columns: number) =>
      Array.from({ length: columns }, () => patterns).flat() as string[]
    parameters.push(
      ...repeat(2),
      ...repeat(SPAN_TEXT_COLUMNS.length),
      ...repeat(1),
      ...repeat(LOG_TEXT_COLUMNS.length),
    )
  }

  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''
  const rows = db
    .prepare(
      `SELECT t.trace_id FROM traces t LEFT JOIN trace_genai tg ON tg.trace_id = t.trace_id
       ${where} ORDER BY t.start_ns DESC LIMIT ?`,
    )
    .safeIntegers(true)
    .all(...parameters, search.limit) as { trace_id: string }[]

  const hits: TraceSearchHit[] = []
  for (const row of rows) {
    const trace = queries.getTrace(row.trace_id)
    if (!trace) continue
    const match = search.text ? findMatch(db, trace, search.text, patterns) : null
    hits.push({ trace, match })
  }
  return hits
}

interface MatchRow {
  span_id: string
  name: string
  status_message: string
  attributes: string
  events: string | null
  detail: string | null
}

/** Finds the first span (by start time) or log record of the trace that contains the text. */
function findMatch(
  db: Database.Database,
  trace: TraceSummary,
  text: string,
  patterns: string[],
): TextMatch | null {
  const count = patterns.length
  const span = db
    .prepare(
      `SELECT s.span_id, s.name, s.status_message, s.attributes, s.events, sg.detail
       FROM spans s LEFT JOIN span_genai sg ON sg.span_row_id = s.id
       WHERE s.trace_id = ? AND (${anyLike(SPAN_TEXT_COLUMNS, count)} OR ${anyLike(['sg.detail'], count)})
       ORDER BY s.start_ns, s.id LIMIT 1`,
    )
    .get(
      trace.traceId,
      ...Array.from({ length: SPAN_TEXT_COLUMNS.length + 1 }, () => patterns).flat(),
    ) as MatchRow | undefined
  if (span) return spanMatch(span, text)
  const log = db
    .prepare(
      `SELECT l.span_id, l.body, l.attributes FROM logs l
       WHERE l.trace_id = ? AND ${anyLike(LOG_TEXT_COLUMNS, count)} ORDER BY l.time_ns, l.id LIMIT 1`,
    )
    .get(
      trace.traceId,
      ...Array.from({ length: LOG_TEXT_COLUMNS.length }, () => patterns).flat(),
    ) as { span_id: string | null; body: string; attributes: string } | undefined
  if (log) {
    const found = snippetIn(jsonText(log.body), text) ?? snippetIn(log.attributes, text)
    return { spanId: log.span_id, spanName: null, field: 'log record', snippet: found ?? '' }
  }
  for (const title of [trace.title, trace.rootName]) {
    const found = snippetIn(title, text)
    if (found)
      return { spanId: trace.rootSpanId, spanName: trace.rootName, field: 'title', snippet: found }
  }
  return null
}

function spanMatch(row: MatchRow, text: string): TextMatch {
  const base = { spanId: row.span_id, spanName: row.name }
  const candidates: [string, string][] = [
    ['name', row.name],
    ['status message', row.status_message],
  ]
  const attributes = JSON.parse(row.attributes) as AttributeMap
  for (const [key, value] of Object.entries(attributes)) {
    candidates.push([
      `attributes.${key}`,
      typeof value === 'string' ? value : JSON.stringify(value),
    ])
  }
  if (row.events) candidates.push(['events', jsonText(row.events)])
  if (row.detail) candidates.push(['messages', jsonText(row.detail)])
  for (const [field, value] of candidates) {
    const snippet = snippetIn(value, text)
    if (snippet !== null) return { ...base, field, snippet }
  }
  // The match is in JSON text that the fields above render differently (an
  // escaped character, a key name): report the raw attributes.
  return { ...base, field: 'attributes', snippet: snippetIn(row.attributes, text) ?? '' }
}

/**
 * Returns the string values of a JSON document joined by spaces, so that
 * a snippet shows text as written rather than JSON-escaped.
 */
function jsonText(json: string): string {
  const strings: string[] = []
  const visit = (value: unknown) => {
    if (typeof value === 'string') strings.push(value)
    else if (Array.isArray(value)) value.forEach(visit)
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit)
  }
  try {
    visit(JSON.parse(json))
  } catch {
    return json
  }
  return strings.join(' ')
}

/** Returns the text around the first case-insensitive occurrence of `needle`, or null. */
export function snippetIn(haystack: string, needle: string): string | null {
  const at = haystack.toLowerCase().indexOf(needle.toLowerCase())
  if (at === -1) return null
  const start = Math.max(0, at - SNIPPET_CONTEXT_CHARS)
  const end = Math.min(haystack.length, at + needle.length + SNIPPET_CONTEXT_CHARS)
  const body = haystack.slice(start, end).replace(/\s+/g, ' ')
  return `${start > 0 ? '…' : ''}${body}${end < haystack.length ? '…' : ''}`
}
