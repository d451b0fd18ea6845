/** The screen that the address bar's hash selects. */
export type Route =
  | { page: 'list' }
  | { page: 'trace'; traceId: string; spanId: string | null }
  | { page: 'prices' }
  | { page: 'playground'; runId: string | null }

export const PRICES_HASH = '#/prices'
export const PLAYGROUND_HASH = '#/playground'

/**
 * Parses `#/`, `#/trace/<id>`, `#/trace/<id>/<spanId>`, `#/prices`,
 * `#/playground` and `#/playground/<runId>`; anything else is the list.
 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(safeDecode)
  if (parts[0] === 'prices' && parts.length === 1) return { page: 'prices' }
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

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}
