import type { JsonValue, SpanKindName } from '../../shared/api'

// en-US everywhere: counts read "50,000 spans" whatever the machine's locale,
// which is what users paste into bug reports and what tests look for.
const countFormat = new Intl.NumberFormat('en-US')

export function formatCount(count: number): string {
  return countFormat.format(count)
}

/** Formats `count` with the noun in singular or plural, e.g. "1 span", "50,000 spans". */
export function pluralize(count: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(count)} ${count === 1 ? noun : plural}`
}

/** Formats a duration in milliseconds with a unit that keeps about three significant digits. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  const sign = ms < 0 ? '-' : ''
  const abs = Math.abs(ms)
  if (abs === 0) return '0 ms'
  if (abs < 0.001) return `${sign}${round(abs * 1e6, 0)} ns`
  if (abs < 1) return `${sign}${round(abs * 1000, 1)} µs`
  if (abs < 1000) return `${sign}${round(abs, abs < 10 ? 2 : 1)} ms`
  if (abs < 60_000) return `${sign}${round(abs / 1000, 2)} s`
  if (abs < 3_600_000) {
    const minutes = Math.floor(abs / 60_000)
    return `${sign}${minutes} min ${round((abs - minutes * 60_000) / 1000, 1)} s`
  }
  const hours = Math.floor(abs / 3_600_000)
  return `${sign}${hours} h ${Math.round((abs - hours * 3_600_000) / 60_000)} min`
}

function round(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)))
}

/** Formats an ISO time as local "YYYY-MM-DD HH:MM:SS.mmm" (the date only when it is not today). */
export function formatLocalTime(iso: string, now = new Date()): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  if (date.toDateString() === now.toDateString()) return time
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`
}

/**
 * Converts a Unix time in nanoseconds (decimal string) to ISO 8601 with all
 * nine fraction digits, e.g. "2026-03-02T03:00:00.000123456Z". Returns the
 * input unchanged when it is not an integer.
 */
export function nanosToIso(unixNano: string): string {
  let nanos: bigint
  try {
    nanos = BigInt(unixNano)
  } catch {
    return unixNano
  }
  const millis = nanos / 1_000_000n
  const subMillis = nanos % 1_000_000n
  const date = new Date(Number(millis))
  if (Number.isNaN(date.getTime()) || subMillis < 0n) return unixNano
  return date.toISOString().replace(/Z$/, `${String(subMillis).padStart(6, '0')}Z`)
}

/** Returns the OTel span kind to show; codes outside the enum (0-5) show as "unknown (<code>)". */
export function formatSpanKind(spanKind: SpanKindName, spanKindCode: number): string {
  if (spanKindCode < 0 || spanKindCode > 5) return `unknown (${spanKindCode})`
  return spanKind
}

/** Largest string that is tried as embedded JSON; bigger ones are shown as they are. */
const EMBEDDED_JSON_MAX_CHARS = 200_000

/** Renders an attribute value as JSON text: pretty-printed for objects and arrays. */
export function formatJsonValue(value: JsonValue): string {
  if (value !== null && typeof value === 'object') return JSON.stringify(value, null, 2)
  return JSON.stringify(value)
}

/**
 * Returns the object or array that a string value encodes as JSON, or
 * undefined. SDKs often send tool arguments and messages as JSON text, which
 * reads better parsed than as an escaped string.
 */
export function parseEmbeddedJson(value: JsonValue): JsonValue | undefined {
  if (typeof value !== 'string' || value.length > EMBEDDED_JSON_MAX_CHARS) return undefined
  const first = value.trimStart()[0]
  if (first !== '{' && first !== '[') return undefined
  // Deeply nested JSON would overflow the stack when it is formatted again,
  // so such a value stays text.
  if (nestingDepth(value) > MAX_EMBEDDED_JSON_DEPTH) return undefined
  try {
    const parsed: unknown = JSON.parse(value)
    return typeof parsed === 'object' && parsed !== null ? (parsed as JsonValue) : undefined
  } catch {
    return undefined
  }
}

const MAX_EMBEDDED_JSON_DEPTH = 100

/** The deepest bracket nesting of JSON text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // a backslash escapes the next character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth)
    else if (c === 93 || c === 125) depth--
  }
  return deepest
}

/** Formats a duration compactly for axis labels, e.g. "13.9 min", "250 ms". */
export function formatAxisDuration(ms: number): string {
  if (ms >= 3_600_000) return `${round(ms / 3_600_000, 1)} h`
  if (ms >= 60_000) return `${round(ms / 60_000, 1)} min`
  return formatDuration(ms)
}

/**
 * Formats a dollar amount: cents for $1 and more, three significant digits
 * below that (model calls often cost fractions of a cent), e.g. "$12.35",
 * "$0.00539", "$0.000126".
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return '—'
  if (usd === 0) return '$0.00'
  const sign = usd < 0 ? '-' : ''
  const abs = Math.abs(usd)
  if (abs < 1e-6) return `${sign}<$0.000001`
  const rounded = abs >= 1 ? abs : Number(abs.toPrecision(3))
  if (rounded >= 1) return `${sign}$${rounded.toFixed(2)}`
  // Three significant digits without trailing zeros, but never fewer than cents.
  const digits = rounded.toFixed(decimalsFor(rounded)).replace(/0+$/, '')
  const [whole, fraction = ''] = digits.split('.')
  return `${sign}$${whole}.${fraction.padEnd(2, '0')}`
}

/** Decimals that show three significant digits of a number below 1. */
function decimalsFor(abs: number): number {
  const leadingZeros = Math.max(0, -Math.floor(Math.log10(abs)) - 1)
  return Math.min(leadingZeros + 3, 9)
}

/** Token counts of a call or trace; null fields are unknown and count as zero. */
export interface TokenCounts {
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens: number | null
  cacheWriteTokens: number | null
}

/**
 * Formats token counts as "1,992 in / 137 out", followed by "/ 768 cached"
 * (cache reads) and "/ 3,000 cache write" only when those are non-zero.
 */
export function formatTokens(tokens: TokenCounts): string {
  const counts = `${formatCount(tokens.inputTokens ?? 0)} in / ${formatCount(tokens.outputTokens ?? 0)} out`
  const cache = formatCacheTokens(tokens)
  return cache === '' ? counts : `${counts} / ${cache}`
}

/** Formats cache reads and writes as "768 cached / 3,000 cache write", leaving out zeros; '' for none. */
export function formatCacheTokens(tokens: TokenCounts): string {
  const parts: string[] = []
  if ((tokens.cacheReadTokens ?? 0) > 0)
    parts.push(`${formatCount(tokens.cacheReadTokens!)} cached`)
  if ((tokens.cacheWriteTokens ?? 0) > 0) {
    parts.push(`${formatCount(tokens.cacheWriteTokens!)} cache write`)
  }
  return parts.join(' / ')
}

/** Formats a byte count with a binary unit, e.g. "512 B", "12.3 KiB", "4 MiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—'
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${round(value, value < 10 ? 1 : 0)} ${units[unit]}`
}

/**
 * Shortens a stack frame such as "/venv/lib/pkg/usage.py:496 in check" to
 * "usage.py:496 in check" by dropping the file's folders. A frame without a
 * ":<line>" is returned unchanged.
 */
export function shortenFrame(frame: string): string {
  const line = /:\d+/.exec(frame)
  if (line === null) return frame
  const path = frame.slice(0, line.index)
  const folderEnd = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return frame.slice(folderEnd + 1)
}
