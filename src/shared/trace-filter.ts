// Filters over the trace list, shared by the API (GET /api/traces), the CLI
// (`loupe traces` flags) and the UI (the list's URL hash). All three read and
// write them as the same URL query parameters, so a filter copied from one
// works in the others. Parsing returns the problems as values, each naming
// the parameter and what it expects.

import type { SpanStatus, TraceSummary } from './api'
import { ERROR_CLASS_STATUS, type ErrorClass } from './genai'

/** A time as a span before now (`24h`) or as a fixed instant. */
export type TimeBound = { kind: 'relative'; ms: number } | { kind: 'absolute'; unixMs: number }

/** An attribute that some span of the trace, or its resource, must have with this value. */
export interface AttributeCondition {
  key: string
  value: string
}

/**
 * The conditions a trace must meet to be listed; every condition given must
 * hold. Names compare without regard to case; attribute values compare exactly.
 */
export interface TraceFilter {
  /** Traces that started at or after this time. */
  since?: TimeBound
  /** Traces that started at or before this time. */
  until?: TimeBound
  /** The service of the trace or of any of its spans. */
  service?: string
  /** An agent that ran in the trace. */
  agent?: string
  /** A model that the trace called. */
  model?: string
  /** The trace's error class: one of a list, or `any` for every class but `none`. */
  errorClass?: 'any' | ErrorClass[]
  /** Status of the root span. */
  status?: SpanStatus
  minDurationMs?: number
  maxDurationMs?: number
  /** Bounds on the trace's cost in USD; a trace without a priced call has no cost and fails both. */
  minCostUsd?: number
  maxCostUsd?: number
  /** Bounds on input plus output tokens. */
  minTokens?: number
  maxTokens?: number
  /** The `http.route` attribute of any span. */
  route?: string
  attributes?: AttributeCondition[]
  /** Full-text search over span names, messages, tool arguments and results, errors and logs. */
  text?: string
}

export interface FilterProblem {
  /** The query parameter, e.g. `minDuration` or `attr.user.id`. */
  parameter: string
  message: string
}

export type FilterParseResult =
  { ok: true; filter: TraceFilter } | { ok: false; problems: FilterProblem[] }

/** Prefix of the repeatable attribute parameters: `attr.KEY=VALUE`. */
export const ATTRIBUTE_PREFIX = 'attr.'

/** The query parameters of a filter, in the order serialize writes them. */
export const FILTER_PARAMETERS = [
  'since',
  'until',
  'service',
  'agent',
  'model',
  'errorClass',
  'status',
  'minDuration',
  'maxDuration',
  'minCost',
  'maxCost',
  'minTokens',
  'maxTokens',
  'route',
  'text',
] as const

/** Traces that one request of the list may return (`limit` of GET /api/traces, `--limit` of the CLI). */
export const MAX_LIST_LIMIT = 10_000
/**
 * Trace ids that one `ids` parameter of GET /api/traces may list. Each id
 * adds 33 characters to the URL, and Node responds with 431 when the headers
 * pass 16 KiB (its default --max-http-header-size), so 100 ids leave room
 * for a long filter.
 */
export const MAX_LIST_IDS = 100

export const MAX_ATTRIBUTE_CONDITIONS = 20
export const MAX_TEXT_LENGTH = 1000
const MAX_NAME_LENGTH = 500
const MAX_ATTRIBUTE_KEY_LENGTH = 256
/** Characters that a JSON path label in SQLite cannot carry, and control characters. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_KEY_CHARACTERS = /["\\\u0000-\u001f]/

const STATUSES: readonly SpanStatus[] = ['ok', 'error', 'unset']
const ERROR_CLASSES = Object.keys(ERROR_CLASS_STATUS) as ErrorClass[]

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}
/** Units that serialize uses, largest first; weeks are read but written as days. */
const SERIALIZED_UNITS = ['d', 'h', 'm', 's', 'ms'] as const

const DURATION_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)$/
/** ISO 8601 date, or date and time with a zone (`Z` or `+01:00`). */
const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/

/**
 * The core stores times as signed 64-bit Unix nanoseconds, so a filter time
 * must lie between 1970-01-01 and 2262-04-11T23:47:16.854Z, and a duration
 * must be at most that range (about 106,751 days).
 */
export const MAX_UNIX_MS = Number((2n ** 63n - 1n) / 1_000_000n)
export const MAX_DURATION_MS = MAX_UNIX_MS
const MAX_DURATION_TEXT = `${Math.floor(MAX_DURATION_MS / UNIT_MS.d!)}d`
const TIME_RANGE_TEXT = `between 1970-01-01 and ${new Date(MAX_UNIX_MS).toISOString()}`

const DURATION_EXPECTED = 'a duration with a unit, such as 500ms, 2s, 1.5m or 3h'
const TIME_EXPECTED =
  'a time before now such as 15m, 24h or 7d, or an ISO 8601 date or time with a zone ' +
  'such as 2026-03-02 or 2026-03-02T15:00:00Z'

/** Parses a duration such as `500ms`, `2s`, `1.5m`, `3h`, `7d` or `1w` into milliseconds. */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim())
  if (!match) return null
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!
  return Number.isFinite(ms) ? ms : null
}

/** Formats milliseconds in the largest unit that keeps the value whole (`90000` is `90s`). */
export function formatDuration(ms: number): string {
  for (const unit of SERIALIZED_UNITS) {
    const size = UNIT_MS[unit]!
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/**
 * Parses `24h`-style times before now and ISO 8601 instants; returns null for
 * anything else, including dates that are not on the calendar (`2026-02-30`).
 */
export function parseTimeBound(text: string): TimeBound | null {
  const trimmed = text.trim()
  const ms = parseDuration(trimmed)
  if (ms !== null) return { kind: 'relative', ms }
  if (!INSTANT_PATTERN.test(trimmed) || !isCalendarDate(trimmed)) return null
  const unixMs = Date.parse(trimmed)
  return Number.isNaN(unixMs) ? null : { kind: 'absolute', unixMs }
}

/**
 * Returns whether the `YYYY-MM-DD` at the start of `text` is a real calendar
 * day. `Date.parse` rolls impossible days over (`2026-02-30` is March 2), so
 * callers check this first.
 */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(2000, month - 1, day))
  date.setUTCFullYear(year)
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

export function formatTimeBound(bound: TimeBound): string {
  if (bound.kind === 'relative') return formatDuration(bound.ms)
  return new Date(bound.unixMs).toISOString()
}

/**
 * Returns the bound as Unix milliseconds, counting relative bounds back from
 * `nowMs`. A relative bound that reaches before 1970 resolves to 0, the
 * earliest time the store can hold.
 */
export function resolveTimeBound(bound: TimeBound, nowMs: number): number {
  return bound.kind === 'relative' ? Math.max(0, nowMs - bound.ms) : bound.unixMs
}

/** True when the filter has no condition, so the list is the plain newest-first list. */
export function isEmptyFilter(filter: TraceFilter): boolean {
  return Object.values(filter).every(
    (value) => value === undefined || (Array.isArray(value) && value.length === 0),
  )
}

/**
 * Reads a filter from URL query parameters. `otherParameters` names the ones
 * the caller reads itself, such as `limit`. Any other unknown parameter is a
 * problem, so that a misspelled filter is reported instead of ignored. An
 * empty value counts as absent, except for `attr.KEY`, where it is a problem.
 */
export function parseTraceFilter(
  params: URLSearchParams,
  otherParameters: readonly string[] = [],
): FilterParseResult {
  const reader = new FilterReader()
  const seen = new Set<string>()
  for (const [name, value] of params) {
    if (name.startsWith(ATTRIBUTE_PREFIX)) {
      reader.attribute(name, value)
    } else if ((FILTER_PARAMETERS as readonly string[]).includes(name)) {
      if (seen.has(name)) reader.problem(name, `${name} is given more than once; give it once`)
      else if (value.trim() !== '') reader.field(name as FilterParameter, value)
      seen.add(name)
    } else if (!otherParameters.includes(name)) {
      const known = [...FILTER_PARAMETERS, `${ATTRIBUTE_PREFIX}KEY`, ...otherParameters]
      reader.problem(name, `unknown parameter ${name}; expected one of ${known.join(', ')}`)
    }
  }
  reader.checkRanges()
  return reader.result()
}

/** Writes a filter as URL query parameters, in FILTER_PARAMETERS order, then `attr.KEY`. */
export function serializeTraceFilter(filter: TraceFilter): URLSearchParams {
  const params = new URLSearchParams()
  const set = (name: FilterParameter, value: string | undefined) => {
    if (value !== undefined) params.set(name, value)
  }
  const number = (value: number | undefined) => (value === undefined ? undefined : String(value))
  const duration = (value: number | undefined) =>
    value === undefined ? undefined : formatDuration(value)
  set('since', filter.since && formatTimeBound(filter.since))
  set('until', filter.until && formatTimeBound(filter.until))
  set('service', filter.service)
  set('agent', filter.agent)
  set('model', filter.model)
  if (filter.errorClass !== undefined && filter.errorClass.length > 0) {
    set('errorClass', filter.errorClass === 'any' ? 'any' : filter.errorClass.join(','))
  }
  set('status', filter.status)
  set('minDuration', duration(filter.minDurationMs))
  set('maxDuration', duration(filter.maxDurationMs))
  set('minCost', number(filter.minCostUsd))
  set('maxCost', number(filter.maxCostUsd))
  set('minTokens', number(filter.minTokens))
  set('maxTokens', number(filter.maxTokens))
  set('route', filter.route)
  set('text', filter.text)
  for (const condition of filter.attributes ?? []) {
    params.append(`${ATTRIBUTE_PREFIX}${condition.key}`, condition.value)
  }
  return params
}

/** Formats the problems of a parse as one line, e.g. for an error response or the CLI. */
export function problemsText(problems: readonly FilterProblem[]): string {
  return problems.map((problem) => problem.message).join('; ')
}

/**
 * Rewrites the parameter names in a problem's message as `nameOf` gives them,
 * e.g. `invalid minDuration="2x"` as `invalid --min-duration "2x"` for the CLI.
 */
export function renameParameters(
  message: string,
  nameOf: (parameter: FilterParameter) => string,
): string {
  let renamed = message
  for (const parameter of FILTER_PARAMETERS) {
    const named = new RegExp(`(^|invalid |than )${parameter}\\b(=?)`, 'g')
    renamed = renamed.replace(
      named,
      (_, before: string, equals: string) => `${before}${nameOf(parameter)}${equals ? ' ' : ''}`,
    )
  }
  return renamed
}

export type FilterParameter = (typeof FILTER_PARAMETERS)[number]

/** Collects the fields and the problems of one parse. */
class FilterReader {
  readonly filter: TraceFilter = {}
  private readonly problems: FilterProblem[] = []

  problem(parameter: string, message: string): void {
    this.problems.push({ parameter, message })
  }

  result(): FilterParseResult {
    if (this.problems.length > 0) return { ok: false, problems: this.problems }
    return { ok: true, filter: this.filter }
  }

  field(name: FilterParameter, raw: string): void {
    const value = raw.trim()
    const invalid = (expected: string) =>
      this.problem(name, `invalid ${name}=${quoteValue(raw)}: expected ${expected}`)
    switch (name) {
      case 'since':
      case 'until': {
        const bound = parseTimeBound(value)
        if (bound === null && INSTANT_PATTERN.test(value) && !isCalendarDate(value)) {
          this.problem(name, `invalid ${name}=${quoteValue(raw)}: not a calendar date`)
        } else if (bound === null) {
          invalid(TIME_EXPECTED)
        } else if (bound.kind === 'relative' && bound.ms > MAX_DURATION_MS) {
          invalid(`a time at most ${MAX_DURATION_TEXT} before now`)
        } else if (bound.kind === 'absolute' && (bound.unixMs < 0 || bound.unixMs > MAX_UNIX_MS)) {
          invalid(`a time ${TIME_RANGE_TEXT}, the range of signed 64-bit Unix nanoseconds`)
        } else {
          this.filter[name] = bound
        }
        return
      }
      case 'service':
      case 'agent':
      case 'model':
      case 'route':
        if (value.length > MAX_NAME_LENGTH) invalid(`at most ${MAX_NAME_LENGTH} characters`)
        else this.filter[name] = value
        return
      case 'errorClass':
        this.errorClass(value, invalid)
        return
      case 'status':
        if ((STATUSES as string[]).includes(value)) this.filter.status = value as SpanStatus
        else invalid(STATUSES.join(', '))
        return
      case 'minDuration':
      case 'maxDuration': {
        const ms = parseDuration(value)
        if (ms === null) invalid(DURATION_EXPECTED)
        else if (ms > MAX_DURATION_MS) invalid(`a duration of at most ${MAX_DURATION_TEXT}`)
        else this.filter[name === 'minDuration' ? 'minDurationMs' : 'maxDurationMs'] = ms
        return
      }
      case 'minCost':
      case 'maxCost': {
        const usd = /^\$?(\d+(?:\.\d+)?|\.\d+)$/.test(value)
          ? Number(value.replace('$', ''))
          : Number.NaN
        if (!Number.isFinite(usd)) invalid('an amount in US dollars such as 0.05')
        else this.filter[name === 'minCost' ? 'minCostUsd' : 'maxCostUsd'] = usd
        return
      }
      case 'minTokens':
      case 'maxTokens': {
        const tokens = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN
        if (Number.isNaN(tokens)) invalid('a whole number of tokens such as 1000')
        else this.filter[name] = tokens
        return
      }
      case 'text':
        if (value.length > MAX_TEXT_LENGTH) invalid(`at most ${MAX_TEXT_LENGTH} characters`)
        else if (!/[\p{L}\p{N}]/u.test(value)) invalid('text with at least one letter or digit')
        else this.filter.text = value
        return
    }
  }

  attribute(name: string, value: string): void {
    const key = name.slice(ATTRIBUTE_PREFIX.length)
    const conditions = (this.filter.attributes ??= [])
    if (key === '') {
      this.problem(name, `invalid ${name}: expected attr.KEY=VALUE with an attribute key`)
    } else if (key.length > MAX_ATTRIBUTE_KEY_LENGTH) {
      this.problem(
        name,
        `invalid ${name}: keys have at most ${MAX_ATTRIBUTE_KEY_LENGTH} characters`,
      )
    } else if (UNSAFE_KEY_CHARACTERS.test(key)) {
      this.problem(
        name,
        `invalid ${name}: attribute keys cannot contain quotes, backslashes or control characters`,
      )
    } else if (value === '') {
      // Other parameters treat an empty value as no condition, but an empty
      // attribute value would quietly match only attributes set to "".
      this.problem(
        name,
        `missing value for ${name}: expected ${ATTRIBUTE_PREFIX}KEY=VALUE, e.g. attr.user.id=42`,
      )
    } else if (conditions.length >= MAX_ATTRIBUTE_CONDITIONS) {
      this.problem(name, `too many attr.KEY conditions: at most ${MAX_ATTRIBUTE_CONDITIONS}`)
    } else {
      conditions.push({ key, value })
    }
  }

  checkRanges(): void {
    const f = this.filter
    if (f.attributes?.length === 0) delete f.attributes
    const pairs: [string, string, number | undefined, number | undefined][] = [
      ['minDuration', 'maxDuration', f.minDurationMs, f.maxDurationMs],
      ['minCost', 'maxCost', f.minCostUsd, f.maxCostUsd],
      ['minTokens', 'maxTokens', f.minTokens, f.maxTokens],
    ]
    for (const [minName, maxName, min, max] of pairs) {
      if (min !== undefined && max !== undefined && max < min) {
        this.problem(maxName, `${maxName} is less than ${minName}; no trace can match`)
      }
    }
    if (f.since && f.until) {
      const now = Date.now()
      if (resolveTimeBound(f.until, now) < resolveTimeBound(f.since, now)) {
        this.problem('until', 'until is earlier than since; no trace can match')
      }
    }
  }

  private errorClass(value: string, invalid: (expected: string) => void): void {
    const expected = `any, or one or more of ${ERROR_CLASSES.join(', ')} separated by commas`
    if (value === 'any') {
      this.filter.errorClass = 'any'
      return
    }
    const classes = value.split(',').map((part) => part.trim())
    if (classes.some((c) => !(ERROR_CLASSES as string[]).includes(c))) {
      invalid(expected)
      return
    }
    this.filter.errorClass = [...new Set(classes as ErrorClass[])]
  }
}

/** Shows a value in an error message, shortened so that a long text stays readable. */
function quoteValue(value: string): string {
  const shortened = value.length > 80 ? `${value.slice(0, 77)}...` : value
  return JSON.stringify(shortened)
}

/** Field of a span or log record that the text matched. */
export type MatchField = 'name' | 'messages' | 'toolArguments' | 'toolResult' | 'error' | 'log'

/** A piece of a snippet; `match` marks the words the search matched. */
export interface SnippetPart {
  text: string
  match: boolean
}

/** The match of a filter's text in a trace: the best matching span, its field and a snippet. */
export interface TextMatch {
  /** The best matching span, or null when only a log record without a span matched. */
  spanId: string | null
  field: MatchField
  /** Text around the match, cut to about a dozen words. */
  snippet: SnippetPart[]
  /** Spans and log records of the trace that match. */
  matchCount: number
}

/** A row of GET /api/traces: the trace's summary, and where the text matched when a filter has text. */
export interface TraceListItem extends TraceSummary {
  match?: TextMatch
}
