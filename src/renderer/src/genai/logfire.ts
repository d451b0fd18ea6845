import type { AttributeMap, JsonValue, TreeSpan } from '../../../shared/api'

// What the Logfire SDKs add to spans beyond OpenTelemetry: log levels, log
// lines sent as zero-length spans, source locations and scrubbed values.

/** Logfire's level numbers (the OTel severity numbers of each range's first level), highest first. */
const LEVELS: { min: number; name: LevelName }[] = [
  { min: 21, name: 'fatal' },
  { min: 17, name: 'error' },
  { min: 13, name: 'warn' },
  { min: 10, name: 'notice' },
  { min: 9, name: 'info' },
  { min: 5, name: 'debug' },
  { min: 1, name: 'trace' },
]

export type LevelName = 'trace' | 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'fatal'

/** Returns the name of a Logfire level number, e.g. 9 → "info", 14 → "warn". */
export function levelName(level: number): LevelName {
  for (const entry of LEVELS) if (level >= entry.min) return entry.name
  return 'trace'
}

/**
 * True for a Logfire log line (`logfire.info(...)` and the like), which the
 * SDK sends as a span with `logfire.span_type = "log"`, a level and no duration.
 */
export function isLogSpan(span: TreeSpan): boolean {
  return span.spanType === 'log'
}

const SCRUBBED_PREFIX = '[Scrubbed due to '

/**
 * Returns why Logfire scrubbed a value, e.g. "'password'" for
 * "[Scrubbed due to 'password']", or null for a value that was not scrubbed.
 */
export function scrubbedReason(value: JsonValue | undefined): string | null {
  if (typeof value !== 'string' || !value.startsWith(SCRUBBED_PREFIX)) return null
  const rest = value.slice(SCRUBBED_PREFIX.length)
  return rest.endsWith(']') ? rest.slice(0, -1) : rest
}

export interface CodeLocation {
  /** The path as sent, joined to `logfire.code.root_path` when it was relative. */
  path: string
  line: number
  /** A `vscode://file/...` URL that opens the file at the line in VS Code. */
  href: string
}

/**
 * Returns the source location of a span from `code.filepath` and
 * `code.lineno`, or null when either is missing. A relative path is joined to
 * the resource's `logfire.code.root_path` when that is set.
 */
export function codeLocation(
  attributes: AttributeMap,
  resourceAttributes: AttributeMap,
): CodeLocation | null {
  const filePath = attributes['code.filepath']
  const line = toLineNumber(attributes['code.lineno'])
  if (typeof filePath !== 'string' || filePath === '' || line === null) return null
  const root = resourceAttributes['logfire.code.root_path']
  const path =
    isAbsolutePath(filePath) || typeof root !== 'string' || root === ''
      ? filePath
      : joinPath(root, filePath)
  return { path, line, href: vscodeHref(path, line) }
}

function toLineNumber(value: JsonValue | undefined): number | null {
  const line = typeof value === 'string' ? Number(value) : value
  return typeof line === 'number' && Number.isInteger(line) && line > 0 ? line : null
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\')
}

function joinPath(root: string, relative: string): string {
  const trimmedRelative = relative.replace(/^\.[\\/]/, '')
  return /[\\/]$/.test(root) ? `${root}${trimmedRelative}` : `${root}/${trimmedRelative}`
}

/**
 * Builds VS Code's URL for a file and line: `vscode://file/` followed by the
 * absolute path, e.g. vscode://file/home/me/agent.py:12 or
 * vscode://file/C:/work/agent.py:12 (VS Code's documented form).
 */
function vscodeHref(path: string, line: number): string {
  const slashed = path.replaceAll('\\', '/').replace(/^\/+/, '')
  return `vscode://file/${encodeURI(slashed)}:${line}`
}
