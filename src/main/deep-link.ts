// Deep links: `loupe://` URLs that the OS hands to the app (from a browser, a
// terminal's `xdg-open`, another program) and the UI screen each one opens.
// The hashes are the renderer's routes (src/renderer/src/route.ts).

export const DEEP_LINK_SCHEME = 'loupe'

/** Longest deep link parsed; real ones are under 100 characters. */
const MAX_DEEP_LINK_LENGTH = 2048

/** W3C Trace Context trace id: 32 lowercase hex digits, not all zero. */
const TRACE_ID = /^[0-9a-f]{32}$/
/** Run ids as the runner makes them (`run_` and 16 hex digits), with room for other lengths. */
const RUN_ID = /^run_[0-9a-z]{1,64}$/

export type DeepLink =
  | { kind: 'trace'; traceId: string; hash: string }
  | { kind: 'run'; runId: string; hash: string }
  /** The replay form for a run id or a trace id. */
  | { kind: 'replay'; source: string; hash: string }

export type DeepLinkParse = { ok: true; link: DeepLink } | { ok: false; reason: string }

/**
 * Parses `loupe://trace/<32 hex>`, `loupe://run/<run id>` and
 * `loupe://replay/<run id or trace id>` (a trailing slash is allowed, hex is
 * case-insensitive). Anything else is rejected with the reason.
 */
export function parseDeepLink(text: string): DeepLinkParse {
  if (text.length > MAX_DEEP_LINK_LENGTH) {
    return reject(`the link is ${text.length} characters long, over ${MAX_DEEP_LINK_LENGTH}`)
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return reject(`${text} is not a valid URL`)
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) {
    return reject(`${text} is not a ${DEEP_LINK_SCHEME}:// link`)
  }
  if (!text.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}://`)) {
    return reject(`${text} must start with ${DEEP_LINK_SCHEME}://`)
  }
  if (url.username !== '' || url.password !== '' || url.port !== '') {
    return reject(`${text} must not contain a user name, password or port`)
  }
  if (url.search !== '' || url.hash !== '') {
    return reject(`${text} must not contain a query or a fragment`)
  }
  const id = url.pathname.replace(/^\/|\/$/g, '').toLowerCase()
  if (id === '' || id.includes('/')) {
    return reject(`${text} must name exactly one id after ${DEEP_LINK_SCHEME}://${url.hostname}/`)
  }
  return linkFor(url.hostname.toLowerCase(), id, text)
}

function linkFor(kind: string, id: string, text: string): DeepLinkParse {
  switch (kind) {
    case 'trace':
      if (!isTraceId(id)) return reject(`${id} in ${text} is not a trace id (32 hex digits)`)
      return { ok: true, link: { kind: 'trace', traceId: id, hash: `#/trace/${id}` } }
    case 'run':
      if (!RUN_ID.test(id)) return reject(`${id} in ${text} is not a run id (run_...)`)
      return { ok: true, link: { kind: 'run', runId: id, hash: `#/playground/${id}` } }
    case 'replay':
      if (!isTraceId(id) && !RUN_ID.test(id)) {
        return reject(
          `${id} in ${text} is neither a run id (run_...) nor a trace id (32 hex digits)`,
        )
      }
      return { ok: true, link: { kind: 'replay', source: id, hash: `#/replay/${id}` } }
    default:
      return reject(
        `${DEEP_LINK_SCHEME}://${kind} is not a known link; use ${DEEP_LINK_SCHEME}://trace/, ` +
          `${DEEP_LINK_SCHEME}://run/ or ${DEEP_LINK_SCHEME}://replay/`,
      )
  }
}

function isTraceId(id: string): boolean {
  return TRACE_ID.test(id) && !/^0+$/.test(id)
}

function reject(reason: string): DeepLinkParse {
  return { ok: false, reason }
}
