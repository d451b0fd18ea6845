// The time range of the dashboards page: parsed from the `from` and `to`
// parameters of GET /api/dashboards, with the size of the time buckets that
// its series use, and written into the panels' SQL as view timestamps.

import type { TimeBucket } from '../../shared/dashboards'
import { isCalendarDate } from '../../shared/trace-filter'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** The range shown when the request names none: the last 24 hours. */
export const DEFAULT_RANGE_MS = DAY_MS
/** The maximum range, so that a series has at most a few hundred day buckets. */
export const MAX_RANGE_MS = 366 * DAY_MS

/** ISO 8601 with a date, a time and a UTC offset, as `Date.prototype.toISOString` writes it. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

export interface TimeRange {
  /** Unix milliseconds; `from` is inclusive and `to` exclusive. */
  fromMs: number
  toMs: number
  bucket: TimeBucket
}

/** A `from` or `to` parameter that is not a valid time, or a range that is empty or too long. */
export class TimeRangeError extends Error {
  override name = 'TimeRangeError'
}

/** Returns the bucket size for a range: minutes up to 2 hours, hours up to 14 days, else days. */
export function bucketFor(rangeMs: number): TimeBucket {
  if (rangeMs <= 2 * HOUR_MS) return 'minute'
  if (rangeMs <= 14 * DAY_MS) return 'hour'
  return 'day'
}

/** Returns the time in Unix milliseconds, or NaN after adding a message to `problems`. */
function parseTime(name: string, value: string, problems: string[]): number {
  const ms = ISO_TIME.test(value) ? Date.parse(value) : NaN
  if (!Number.isNaN(ms) && !isCalendarDate(value)) {
    throw new TimeRangeError(`invalid ${name}=${value}: not a calendar date`)
  }
  if (Number.isNaN(ms)) {
    problems.push(
      `invalid ${name}=${value}: expected an ISO 8601 time with a UTC offset, such as 2026-05-01T10:00:00Z`,
    )
  }
  return ms
}

/**
 * Parses the `from` and `to` parameters. Without `to` the range ends now,
 * and without `from` it starts DEFAULT_RANGE_MS before its end. Throws
 * TimeRangeError for an invalid time, an empty range or one longer than
 * MAX_RANGE_MS.
 */
export function parseTimeRange(params: URLSearchParams, nowMs: number): TimeRange {
  const to = params.get('to')
  const from = params.get('from')
  // Both parameters are parsed before throwing, so that the message names
  // every invalid one.
  const problems: string[] = []
  const parsedFrom = from === null ? null : parseTime('from', from, problems)
  const parsedTo = to === null ? null : parseTime('to', to, problems)
  if (problems.length > 0) throw new TimeRangeError(problems.join('; '))
  const toMs = parsedTo ?? nowMs
  const fromMs = parsedFrom ?? toMs - DEFAULT_RANGE_MS
  if (fromMs >= toMs) {
    throw new TimeRangeError(
      `the time range is empty: from=${from} is not before to=${to ?? 'now'}`,
    )
  }
  if (toMs - fromMs > MAX_RANGE_MS) {
    throw new TimeRangeError(
      `the time range is longer than ${MAX_RANGE_MS / DAY_MS} days; choose a shorter one`,
    )
  }
  return { fromMs, toMs, bucket: bucketFor(toMs - fromMs) }
}

/**
 * Returns a time as a SQL string literal in the views' timestamp form
 * (`'2026-05-01 10:00:00.000'`, UTC), which compares correctly with
 * their `start_timestamp` columns.
 */
export function sqlTimestamp(ms: number): string {
  return `'${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`
}

/** Returns the SQL expression that puts a timestamp column into its bucket, as text. */
export function bucketExpression(bucket: TimeBucket, column: string): string {
  switch (bucket) {
    case 'minute':
      return `strftime('%Y-%m-%d %H:%M', ${column})`
    case 'hour':
      return `strftime('%Y-%m-%d %H:00', ${column})`
    case 'day':
      return `date(${column})`
  }
}
