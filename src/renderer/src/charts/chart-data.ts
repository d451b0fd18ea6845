// Turns a query result and a chart spec into the series that a chart draws.
// There is one x value per distinct value of the x column, sorted by time on
// a time axis. There is one series per y column, or per y column and value
// of the `series` column for results in long form.

import type { QueryResult } from '../../../shared/api'
import type { ChartSpec, ChartUnit } from '../../../shared/dashboards'

type Cell = string | number | null

/** The maximum number of series drawn; a chart with more lists how many it left out. */
export const MAX_SERIES = 12

export interface ChartPoint {
  /** The x value as the query returned it, shown on the axis and in hover values. */
  label: string
  /** Unix milliseconds on a time axis, else null. */
  time: number | null
}

export interface ChartSeries {
  name: string
  /** One value per x value, in the order of `ChartData.points`; null where no row gave one. */
  values: (number | null)[]
}

export interface ChartData {
  xKind: 'time' | 'category'
  points: ChartPoint[]
  series: ChartSeries[]
  /** Series beyond MAX_SERIES that are not drawn. */
  hiddenSeries: number
  /** Columns of the spec that the result does not have. */
  missingColumns: string[]
  /** True when the result has rows but no y value is a number. */
  allNull: boolean
  /**
   * The bucket size in milliseconds that the x column's name gives on a time
   * axis (`minute`, `hour` or `day`, as the dashboard panels name it), else null.
   */
  bucketMs: number | null
}

const BUCKET_MS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
}

/** Returns the bucket size that a time column's name gives, such as 1 hour for `hour`. */
export function bucketOfColumn(column: string): number | null {
  return BUCKET_MS[column.toLowerCase()] ?? null
}

/**
 * SQLite's datetime text (`2026-05-01 10:00`, `2026-05-01 10:00:00.123`, a
 * date alone) and ISO 8601, read as UTC when they carry no offset.
 */
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/

/** The smallest `_ns` value read as a time: 10^17 ns after 1970 is March 1973. */
const MIN_TIME_NS = 10n ** 17n

/** Returns a time cell as Unix milliseconds, or null when it is no time. */
export function parseTimeCell(value: Cell, column: string): number | null {
  if (typeof value === 'string' && DATETIME.test(value)) {
    const match = DATETIME.exec(value)!
    const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = ''] = match
    const offset = match[8] ?? 'Z'
    const ms = Date.parse(
      `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${offset}`,
    )
    return Number.isNaN(ms) ? null : ms
  }
  // Unix nanoseconds, such as the views' start_ns, arrive as numbers or decimal strings.
  // Smaller values, such as a duration_ns, are read as durations, because traces from
  // before 1973 are unlikely.
  if (column.endsWith('_ns')) {
    let nanoseconds: bigint | null = null
    if (typeof value === 'number' && Number.isFinite(value)) nanoseconds = BigInt(Math.trunc(value))
    if (typeof value === 'string' && /^\d+$/.test(value)) nanoseconds = BigInt(value)
    if (nanoseconds !== null && nanoseconds >= MIN_TIME_NS) return Number(nanoseconds / 1_000_000n)
  }
  return null
}

/** Returns whether every non-NULL value of a column is a time (and at least one is). */
export function isTimeColumn(result: QueryResult, index: number): boolean {
  const column = result.columns[index]!
  let seen = false
  for (const row of result.rows) {
    const value = row[index] ?? null
    if (value === null) continue
    if (parseTimeCell(value, column) === null) return false
    seen = true
  }
  return seen
}

/** Returns a cell as a number: numbers as they are, numeric text (such as 64-bit integers) parsed, else null. */
export function numberCell(value: Cell): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return Number(value)
  }
  return null
}

/** Returns whether a column has a numeric value and no text that is not a number. */
export function isNumericColumn(result: QueryResult, index: number): boolean {
  let seen = false
  for (const row of result.rows) {
    const value = row[index] ?? null
    if (value === null) continue
    if (numberCell(value) === null) return false
    seen = true
  }
  return seen
}

function labelOf(value: Cell): string {
  return value === null ? 'NULL' : String(value)
}

/**
 * Builds the series of a chart. Rows that share an x value and a series add
 * up. On a time axis the x values are sorted by time, otherwise they keep
 * the order of the rows.
 */
export function buildChartData(result: QueryResult, spec: ChartSpec): ChartData {
  const indexOf = (name: string) => result.columns.indexOf(name)
  const wanted = [spec.x, ...spec.y, ...(spec.series === null ? [] : [spec.series])]
  const missingColumns = wanted.filter((name) => indexOf(name) === -1)
  const empty: ChartData = {
    xKind: 'category',
    points: [],
    series: [],
    hiddenSeries: 0,
    missingColumns,
    allNull: false,
    bucketMs: null,
  }
  if (missingColumns.length > 0) return empty
  const xIndex = indexOf(spec.x)
  const xKind = isTimeColumn(result, xIndex) ? 'time' : 'category'
  const splitIndex = spec.series === null ? -1 : indexOf(spec.series)
  const yIndexes = spec.y.map(indexOf)

  const pointIndex = new Map<string, number>()
  const points: ChartPoint[] = []
  const seriesIndex = new Map<string, number>()
  const series: ChartSeries[] = []
  const cells: [number, number, number | null][] = []
  for (const row of result.rows) {
    const x = row[xIndex] ?? null
    const label = labelOf(x)
    let point = pointIndex.get(label)
    if (point === undefined) {
      point = points.length
      pointIndex.set(label, point)
      points.push({ label, time: xKind === 'time' ? parseTimeCell(x, spec.x) : null })
    }
    const group = splitIndex === -1 ? null : labelOf(row[splitIndex] ?? null)
    yIndexes.forEach((yIndex, y) => {
      const name = seriesName(group, spec.y[y]!, spec.y.length)
      let at = seriesIndex.get(name)
      if (at === undefined) {
        at = series.length
        seriesIndex.set(name, at)
        series.push({ name, values: [] })
      }
      cells.push([at, point, numberCell(row[yIndex] ?? null)])
    })
  }
  for (const line of series) line.values = new Array<number | null>(points.length).fill(null)
  for (const [at, point, value] of cells) {
    if (value === null) continue
    const line = series[at]!
    line.values[point] = (line.values[point] ?? 0) + value
  }
  const order = points.map((_, index) => index)
  if (xKind === 'time') order.sort((a, b) => points[a]!.time! - points[b]!.time!)
  const sortedPoints = order.map((index) => points[index]!)
  const sortedSeries = series.map((line) => ({
    name: line.name,
    values: order.map((index) => line.values[index]!),
  }))
  const allNull =
    result.rows.length > 0 && sortedSeries.every((line) => line.values.every((v) => v === null))
  return {
    xKind,
    points: sortedPoints,
    series: sortedSeries.slice(0, MAX_SERIES),
    hiddenSeries: Math.max(0, sortedSeries.length - MAX_SERIES),
    missingColumns,
    allNull,
    bucketMs: xKind === 'time' ? bucketOfColumn(spec.x) : null,
  }
}

function seriesName(group: string | null, column: string, yCount: number): string {
  if (group === null) return column
  return yCount === 1 ? group : `${group} · ${column}`
}

/** Guesses a y column's unit from its name: cost or usd, *_ms, *_ns, tokens, rate or percent. */
export function guessUnit(column: string): ChartUnit {
  const name = column.toLowerCase()
  if (/cost|usd|dollar/.test(name)) return 'usd'
  if (/(_ns$|nanos)/.test(name)) return 'ns'
  if (/(_ms|millis)/.test(name)) return 'ms'
  if (/token/.test(name)) return 'tokens'
  if (/rate|percent|pct/.test(name)) return 'percent'
  if (/count|calls|runs|traces|failures|errors|^n$/.test(name)) return 'count'
  return 'none'
}

/**
 * Suggests a chart for a result: the first time column on the x axis (a
 * line chart), else the first text column (a bar chart). The y columns are
 * at most three numeric columns of one unit: the cost columns when there
 * are any, else those of the first numeric column's unit. A second text
 * column next to a time column splits the series.
 */
export function suggestChart(result: QueryResult): ChartSpec | null {
  const indexes = result.columns.map((_, index) => index)
  const numeric = indexes.filter((index) => isNumericColumn(result, index))
  const time = indexes.find((index) => isTimeColumn(result, index))
  const text = indexes.filter((index) => !numeric.includes(index) && index !== time)
  const x = time ?? text[0] ?? indexes[0]
  if (x === undefined) return null
  // A time column, such as end_ns next to start_ns, is no value to draw.
  const candidates = numeric
    .filter((index) => index !== x && !isTimeColumn(result, index))
    .map((index) => result.columns[index]!)
  if (candidates.length === 0) return null
  const unit = candidates.some((name) => guessUnit(name) === 'usd')
    ? 'usd'
    : guessUnit(candidates[0]!)
  const split = time !== undefined ? text.find((index) => index !== x) : undefined
  return {
    type: time !== undefined ? 'line' : 'bar',
    x: result.columns[x]!,
    y: candidates.filter((name) => guessUnit(name) === unit).slice(0, 3),
    series: split === undefined ? null : result.columns[split]!,
    unit,
  }
}
