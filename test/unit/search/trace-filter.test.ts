// Parsing and serializing trace filters as URL query parameters, the form
// that the API, the CLI and the UI share.

import { describe, expect, test } from 'vitest'
import {
  formatDuration,
  isCalendarDate,
  isEmptyFilter,
  MAX_UNIX_MS,
  parseDuration,
  parseTimeBound,
  parseTraceFilter,
  renameParameters,
  resolveTimeBound,
  serializeTraceFilter,
  type FilterProblem,
  type TraceFilter,
} from '../../../src/shared/trace-filter'

function parse(query: string, other: string[] = []) {
  return parseTraceFilter(new URLSearchParams(query), other)
}

function problemsOf(query: string): FilterProblem[] {
  const result = parse(query)
  if (result.ok) throw new Error(`${query} parsed without problems`)
  return result.problems
}

const FILTERS: [string, TraceFilter][] = [
  ['empty', {}],
  [
    'every field',
    {
      since: { kind: 'relative', ms: 86_400_000 },
      until: { kind: 'absolute', unixMs: Date.UTC(2030, 0, 2, 3, 4, 5, 678) },
      service: 'checkout',
      agent: 'weather_agent',
      model: 'gpt-4o-mini',
      errorClass: ['timeout', 'tool_failed'],
      status: 'error',
      minDurationMs: 1500,
      maxDurationMs: 7_200_000,
      minCostUsd: 0.0005,
      maxCostUsd: 2,
      minTokens: 0,
      maxTokens: 120_000,
      route: '/orders/{id}',
      attributes: [
        { key: 'user.id', value: '42' },
        { key: 'user.id', value: 'x&y=z' },
        { key: 'blank', value: ' ' },
      ],
      text: 'Utrecht, NL "exact phrase" forec*',
    },
  ],
  ['any error class', { errorClass: 'any' }],
  ['absolute since', { since: { kind: 'absolute', unixMs: 0 } }],
  ['unicode text', { text: 'Zürich café 東京' }],
]

describe('parseTraceFilter and serializeTraceFilter', () => {
  test.each(FILTERS)('round trip: %s', (_name, filter) => {
    const params = serializeTraceFilter(filter)
    const parsed = parseTraceFilter(new URLSearchParams(params.toString()))
    expect(parsed).toEqual({ ok: true, filter })
  })

  test('writes canonical values', () => {
    const parsed = parse(
      'minDuration=1.5s&maxDuration=120m&since=1w&minCost=$0.50&errorClass=timeout,timeout',
    )
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(serializeTraceFilter(parsed.filter).toString()).toBe(
      'since=7d&errorClass=timeout&minDuration=1500ms&maxDuration=2h&minCost=0.5',
    )
  })

  test('ignores empty values', () => {
    expect(parse('service=&text=++&status=')).toEqual({ ok: true, filter: {} })
  })

  test('accepts the caller parameters it is told about', () => {
    expect(parse('limit=5&before=123&text=a', ['limit', 'before'])).toEqual({
      ok: true,
      filter: { text: 'a' },
    })
  })

  test('reads dates and times with zones', () => {
    expect(parse('since=2026-03-02&until=2026-03-02T15:00:00%2B01:00')).toEqual({
      ok: true,
      filter: {
        since: { kind: 'absolute', unixMs: Date.UTC(2026, 2, 2) },
        until: { kind: 'absolute', unixMs: Date.UTC(2026, 2, 2, 14) },
      },
    })
  })

  const BAD: [string, string, RegExp][] = [
    ['since=yesterday', 'since', /^invalid since="yesterday": expected a time before now/],
    ['until=2026-03-02T15:00:00', 'until', /expected .*ISO 8601 date or time with a zone/],
    ['since=2026-13-45', 'since', /^invalid since=/],
    ['minDuration=2', 'minDuration', /expected a duration with a unit, such as 500ms/],
    ['maxDuration=-1s', 'maxDuration', /^invalid maxDuration="-1s"/],
    ['minDuration=2x', 'minDuration', /^invalid minDuration="2x"/],
    ['minCost=cheap', 'minCost', /expected an amount in US dollars such as 0\.05/],
    ['maxCost=-0.1', 'maxCost', /^invalid maxCost=/],
    ['minTokens=1.5', 'minTokens', /expected a whole number of tokens/],
    ['maxTokens=1e6', 'maxTokens', /^invalid maxTokens=/],
    ['status=failed', 'status', /expected ok, error, unset$/],
    ['errorClass=oops', 'errorClass', /expected any, or one or more of input_invalid, /],
    ['errorClass=any,timeout', 'errorClass', /^invalid errorClass=/],
    ['text=%3F%21', 'text', /expected text with at least one letter or digit/],
    [`text=${'a'.repeat(1001)}`, 'text', /expected at most 1000 characters/],
    [`service=${'s'.repeat(501)}`, 'service', /expected at most 500 characters/],
    ['attr.=x', 'attr.', /expected attr\.KEY=VALUE with an attribute key/],
    [
      'attr.user.id=',
      'attr.user.id',
      /^missing value for attr\.user\.id: expected attr\.KEY=VALUE/,
    ],
    ['attr.broken+line=', 'attr.broken line', /^missing value for attr\.broken line: /],
    ['attr.a%22b=x', 'attr.a"b', /cannot contain quotes, backslashes or control characters/],
    ['errorclass=timeout', 'errorclass', /^unknown parameter errorclass; expected one of since, /],
    ['service=a&service=b', 'service', /service is given more than once/],
    ['minDuration=2s&maxDuration=1s', 'maxDuration', /maxDuration is less than minDuration/],
    ['minCost=1&maxCost=0.5', 'maxCost', /maxCost is less than minCost/],
    ['minTokens=10&maxTokens=9', 'maxTokens', /maxTokens is less than minTokens/],
    ['since=1h&until=2h', 'until', /until is earlier than since/],
    ['since=2026-02-30', 'since', /^invalid since="2026-02-30": not a calendar date$/],
    ['until=2025-02-29T10:00:00Z', 'until', /^invalid until=".*": not a calendar date$/],
    ['since=2026-04-31', 'since', /not a calendar date$/],
    ['since=0001-01-01', 'since', /between 1970-01-01 and 2262-04-11T23:47:16\.854Z/],
    ['since=1969-12-31T23:59:59Z', 'since', /between 1970-01-01 and /],
    ['since=9999-12-31', 'since', /signed 64-bit Unix nanoseconds$/],
    ['until=2262-04-12', 'until', /^invalid until="2262-04-12": expected a time between/],
    ['until=99999999d', 'until', /expected a time at most 106751d before now$/],
    ['minDuration=99999999999999999999h', 'minDuration', /a duration of at most 106751d$/],
    ['maxDuration=106752d', 'maxDuration', /a duration of at most 106751d$/],
  ]

  test.each(BAD)('rejects %s', (query, parameter, message) => {
    const problems = problemsOf(query)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.parameter).toBe(parameter)
    expect(problems[0]!.message).toMatch(message)
  })

  test('reports every bad parameter at once', () => {
    const problems = problemsOf('status=bad&minTokens=x&colour=red')
    expect(problems.map((problem) => problem.parameter)).toEqual(['status', 'minTokens', 'colour'])
  })

  test('caps attribute conditions', () => {
    const query = Array.from({ length: 21 }, (_, i) => `attr.k${i}=v`).join('&')
    const problems = problemsOf(query)
    expect(problems).toEqual([
      { parameter: 'attr.k20', message: 'too many attr.KEY conditions: at most 20' },
    ])
  })

  test.each([
    [
      'invalid minDuration="2x": expected a duration',
      'invalid <minDuration> "2x": expected a duration',
    ],
    ['maxCost is less than minCost; no trace', '<maxCost> is less than <minCost>; no trace'],
    ['until is earlier than since; no trace', '<until> is earlier than <since>; no trace'],
    ['service is given more than once', '<service> is given more than once'],
    ['invalid text="untilx": expected', 'invalid <text> "untilx": expected'],
  ])('renameParameters(%j)', (message, renamed) => {
    expect(renameParameters(message, (parameter) => `<${parameter}>`)).toBe(renamed)
  })

  test('isEmptyFilter', () => {
    expect(isEmptyFilter({})).toBe(true)
    expect(isEmptyFilter({ attributes: [] })).toBe(true)
    expect(isEmptyFilter({ text: 'x' })).toBe(false)
    expect(isEmptyFilter({ errorClass: 'any' })).toBe(false)
  })
})

describe('durations and times', () => {
  test.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5m', 90_000],
    ['.5h', 1_800_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['0s', 0],
  ])('parseDuration(%s)', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  test.each([['2'], ['s'], ['1.2.3s'], ['-5s'], ['5 minutes'], ['']])(
    'parseDuration rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull()
    },
  )

  test.each([
    [0, '0ms'],
    [1500, '1500ms'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [172_800_000, '2d'],
    [0.5, '0.5ms'],
  ])('formatDuration(%d)', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  test('accepts the ends of the time range', () => {
    expect(parse('since=1970-01-01&until=2262-04-11T23:47:16.854Z&maxDuration=106751d')).toEqual({
      ok: true,
      filter: {
        since: { kind: 'absolute', unixMs: 0 },
        until: { kind: 'absolute', unixMs: MAX_UNIX_MS },
        maxDurationMs: 106_751 * 86_400_000,
      },
    })
    expect(parse('since=2024-02-29').ok).toBe(true)
  })

  test('resolves far relative times to 1970', () => {
    const nowMs = Date.UTC(2026, 2, 2)
    expect(resolveTimeBound({ kind: 'relative', ms: 106_751 * 86_400_000 }, nowMs)).toBe(0)
    expect(resolveTimeBound({ kind: 'relative', ms: 86_400_000 }, nowMs)).toBe(nowMs - 86_400_000)
  })

  test.each([
    ['2026-02-28', true],
    ['2024-02-29T00:00:00Z', true],
    ['2025-02-29', false],
    ['2026-02-30', false],
    ['2026-06-31', false],
    ['2026-00-10', false],
    ['2026-12-00', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
  ])('isCalendarDate(%s)', (text, valid) => {
    expect(isCalendarDate(text)).toBe(valid)
  })

  test('parseTimeBound', () => {
    expect(parseTimeBound('24h')).toEqual({ kind: 'relative', ms: 86_400_000 })
    expect(parseTimeBound('2026-03-02T03:00:00.5Z')).toEqual({
      kind: 'absolute',
      unixMs: Date.UTC(2026, 2, 2, 3, 0, 0, 500),
    })
    expect(parseTimeBound('03/02/2026')).toBeNull()
  })
})
