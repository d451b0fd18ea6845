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
  /** The production-readiness check of one trace, or of recent traces when traceId is null. */
  | { page: 'check'; traceId: string | null }
  | EvalsRoute
  /** The alert rules, with the recent alerts of one rule when `rule` is set. */
  | { page: 'alerts'; rule: string | null }
  | { page: 'settings' }
  | { page: 'tail' }
  | { page: 'logs' }
  | { page: 'sessions' }
  | { page: 'session'; sessionId: string }

export const PRICES_HASH = '#/prices'
export const EVALS_HASH = '#/evals'

/** The experiment list, one experiment's cases, or two experiments compared. */
export type EvalsRoute =
  | { page: 'evals'; view: 'list' }
  | { page: 'evals'; view: 'experiment'; id: string }
  | { page: 'evals'; view: 'compare'; a: string; b: string }
export const PLAYGROUND_HASH = '#/playground'
export const ALERTS_HASH = '#/alerts'
export const SETTINGS_HASH = '#/settings'
export const TAIL_HASH = '#/tail'
export const LOGS_HASH = '#/logs'
export const SESSIONS_HASH = '#/sessions'

/**
 * Parses `#/`, `#/trace/<id>`, `#/trace/<id>/<spanId>`, `#/prices`,
 * `#/playground`, `#/playground/<runId>`, `#/replay/<source>`,
 * `#/diff/<a>/<b>`, `#/call/<traceId>/<spanId>`, `#/check`, `#/check/<traceId>`,
 * `#/evals`, `#/evals/<id>`, `#/evals/compare/<a>/<b>`, `#/alerts`, `#/alerts/<rule>`,
 * `#/settings`, `#/tail`, `#/logs`, `#/sessions`, `#/session/<id>`, and `#/sql` and
 * `#/dashboards` (explorer-route.ts); anything else is the list.
 */
export function parseRoute(hash: string): Route {
  const analysis = parseAnalysisHash(hash)
  if (analysis !== null) return analysis
  const parts = hash.replace(/^#\/?/, '').split('/').map(safeDecode)
  if (parts[0] === 'prices' && parts.length === 1) return { page: 'prices' }
  if (parts[0] === 'check' && parts.length <= 2)
    return { page: 'check', traceId: parts[1] ? parts[1].toLowerCase() : null }
  if (parts[0] === 'evals') return parseEvalsRoute(parts.slice(1))
  if (parts[0] === 'alerts' && parts.length <= 2)
    return { page: 'alerts', rule: parts[1] !== undefined && parts[1] !== '' ? parts[1] : null }
  if (parts[0] === 'settings' && parts.length === 1) return { page: 'settings' }
  if (parts.length === 1 && (parts[0] === 'tail' || parts[0] === 'logs' || parts[0] === 'sessions'))
    return { page: parts[0] }
  if (parts[0] === 'session' && parts.length === 2 && parts[1] !== '')
    return { page: 'session', sessionId: parts[1]! }
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

function parseEvalsRoute(parts: string[]): Route {
  if (parts.length === 1 && parts[0] !== '')
    return { page: 'evals', view: 'experiment', id: parts[0]! }
  if (parts[0] === 'compare' && parts.length === 3 && parts[1] !== '' && parts[2] !== '')
    return { page: 'evals', view: 'compare', a: parts[1]!, b: parts[2]! }
  return { page: 'evals', view: 'list' }
}

/** Returns the hash of one experiment's case table; `id` is its id or name. */
export function experimentHash(id: string): string {
  return `${EVALS_HASH}/${encodeURIComponent(id)}`
}

/** Returns the hash of two experiments compared case by case, `a` first. */
export function experimentCompareHash(a: string, b: string): string {
  return `${EVALS_HASH}/compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`
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

/** Returns the hash of the readiness check of one trace, or of recent traces without one. */
export function checkHash(traceId: string | null = null): string {
  return traceId === null ? '#/check' : `#/check/${encodeURIComponent(traceId)}`
}

/** Returns the hash of the alerts page, with the recent alerts of `rule` when given. */
export function alertsHash(rule: string | null = null): string {
  return rule === null ? ALERTS_HASH : `${ALERTS_HASH}/${encodeURIComponent(rule)}`
}

/** Returns the hash of the page of one session (conversation). */
export function sessionHash(sessionId: string): string {
  return `#/session/${encodeURIComponent(sessionId)}`
}
