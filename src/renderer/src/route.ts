import { parseAnalysisHash, type AnalysisRoute } from './explorer-route'

/** The screen that the address bar's hash selects. */
export type Route =
  /** The SQL explorer and the dashboards page. */
  | AnalysisRoute
  | { page: 'list' }
  | { page: 'trace'; traceId: string; spanId: string | null }
  | { page: 'prices' }
  | { page: 'playground'; runId: string | null }
  /** The playground with the replay form open for a run or trace. */
  | { page: 'replay'; source: string }
  | { page: 'diff'; a: string; b: string }
  /** A model-call span's request, editable and run again as a single call. */
  | { page: 'call'; traceId: string; spanId: string }

export const PRICES_HASH = '#/prices'
export const PLAYGROUND_HASH = '#/playground'

/**
 * Parses `#/`, `#/trace/<id>`, `#/trace/<id>/<spanId>`, `#/prices`,
 * `#/playground`, `#/playground/<runId>`, `#/replay/<source>`,
 * `#/diff/<a>/<b>`, `#/call/<traceId>/<spanId>`, and `#/sql` and
 * `#/dashboards` (explorer-route.ts); anything else is the list.
 */
export function parseRoute(hash: string): Route {
  const analysis = parseAnalysisHash(hash)
  if (analysis !== null) return analysis
  const parts = hash.replace(/^#\/?/, '').split('/').map(safeDecode)
  if (parts[0] === 'prices' && parts.length === 1) return { page: 'prices' }
  if (parts[0] === 'replay' && parts.length === 2 && parts[1] !== '')
    return { page: 'replay', source: parts[1]! }
  if (parts[0] === 'diff' && parts.length === 3 && parts[1] !== '' && parts[2] !== '')
    return { page: 'diff', a: parts[1]!, b: parts[2]! }
  if (parts[0] === 'call' && parts.length === 3 && parts[1] !== '' && parts[2] !== '')
    return { page: 'call', traceId: parts[1]!.toLowerCase(), spanId: parts[2]!.toLowerCase() }
  if (parts[0] === 'playground' && parts.length <= 2) {
    const runId = parts[1] !== undefined && parts[1] !== '' ? parts[1] : null
    return { page: 'playground', runId }
  }
  if (parts[0] === 'trace' && parts[1] !== undefined && parts[1] !== '') {
    const spanId = parts[2] !== undefined && parts[2] !== '' ? parts[2].toLowerCase() : null
    return { page: 'trace', traceId: parts[1].toLowerCase(), spanId }
  }
  return { page: 'list' }
}

export function traceHash(traceId: string, spanId?: string | null): string {
  const base = `#/trace/${encodeURIComponent(traceId)}`
  return spanId ? `${base}/${encodeURIComponent(spanId)}` : base
}

export function playgroundHash(runId: string | null): string {
  return runId === null ? PLAYGROUND_HASH : `${PLAYGROUND_HASH}/${encodeURIComponent(runId)}`
}

/** The playground's replay form for a run id or trace id. */
export function replayHash(source: string): string {
  return `#/replay/${encodeURIComponent(source)}`
}

/** The diff of two runs or traces, `a` on the left. */
export function diffHash(a: string, b: string): string {
  return `#/diff/${encodeURIComponent(a)}/${encodeURIComponent(b)}`
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/** The single-call page of a model-call span. */
export function callHash(traceId: string, spanId: string): string {
  return `#/call/${encodeURIComponent(traceId)}/${encodeURIComponent(spanId)}`
}
