// The trace list's filters in the address bar: `#/?errorClass=timeout&text=…`
// contains the same query parameters as GET /api/traces, so a copied URL opens
// the same list. Pure, so that unit tests cover it without a DOM.

import { ATTRIBUTE_PREFIX } from '../../shared/trace-filter'

/** Returns the query of a list hash (`#/?a=1` gives `a=1`), or '' for any other hash. */
export function listQueryOf(hash: string): string {
  const match = /^#\/?\?(.*)$/.exec(hash)
  return match ? match[1]! : ''
}

/** Returns the list's hash for these filter parameters: `#/` when there are none. */
export function listHash(params: URLSearchParams): string {
  const query = params.toString()
  return query === '' ? '#/' : `#/?${query}`
}

/** Returns a copy of `params` with `name` set to `value`, or without it when `value` is ''. */
export function withParam(params: URLSearchParams, name: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params)
  if (value === '') next.delete(name)
  else next.set(name, value)
  return next
}

/** Returns the `attr.KEY=VALUE` parameters as text, one `KEY=VALUE` per line. */
export function attributesText(params: URLSearchParams): string {
  const lines: string[] = []
  for (const [name, value] of params) {
    if (name.startsWith(ATTRIBUTE_PREFIX))
      lines.push(`${name.slice(ATTRIBUTE_PREFIX.length)}=${value}`)
  }
  return lines.join('\n')
}

/**
 * Returns a copy of `params` whose `attr.KEY` parameters are the `KEY=VALUE`
 * lines of `text`, with spaces around keys and values removed. A line without
 * `=` becomes `attr.LINE` with an empty value, which the parser reports as a
 * missing value beside the field.
 */
export function withAttributes(params: URLSearchParams, text: string): URLSearchParams {
  const next = new URLSearchParams()
  for (const [name, value] of params) {
    if (!name.startsWith(ATTRIBUTE_PREFIX)) next.append(name, value)
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const equals = line.indexOf('=')
    if (equals < 0) next.append(`${ATTRIBUTE_PREFIX}${line.trim()}`, '')
    else {
      const key = line.slice(0, equals).trim()
      next.append(`${ATTRIBUTE_PREFIX}${key}`, line.slice(equals + 1).trim())
    }
  }
  return next
}

/** Parameters that the compact filter bar shows; the others are behind "More filters". */
export const COMMON_PARAMETERS: readonly string[] = ['since', 'errorClass', 'text']

/** Returns how many filter parameters are set outside the compact bar. */
export function moreFiltersCount(params: URLSearchParams): number {
  let count = 0
  for (const [name, value] of params) {
    if (!COMMON_PARAMETERS.includes(name) && value !== '') count++
  }
  return count
}

/** Choices of the time range select, as `since` values ('' is any time). */
export const TIME_RANGES: readonly { value: string; label: string }[] = [
  { value: '', label: 'Any time' },
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
]
