// Axis ticks and value formatting of the charts: round steps (1, 2 or 5
// times a power of ten) for values, calendar steps (minutes to months, in
// UTC) for times, and each unit's format.

import type { ChartUnit } from '../../../shared/dashboards'
import { formatCount, formatDuration, formatUsd } from '../format'

export interface LinearTicks {
  /** The axis range, widened to whole steps. */
  min: number
  max: number
  ticks: number[]
}

/**
 * Returns about `count` round ticks that cover [min, max]. An empty range
 * (one value, or none) is widened to show that value above a zero line.
 */
export function niceTicks(min: number, max: number, count = 5): LinearTicks {
  let low = Math.min(min, max)
  let high = Math.max(min, max)
  if (!Number.isFinite(low) || !Number.isFinite(high)) {
    low = 0
    high = 1
  }
  if (low === high) {
    if (low === 0) high = 1
    else if (low > 0) low = 0
    else high = 0
  }
  const rawStep = (high - low) / Math.max(1, count)
  const magnitude = 10 ** Math.floor(Math.log10(rawStep))
  // The round step nearest to the raw one on a log scale: the thresholds are
  // the geometric means of 1, 2, 5 and 10.
  const ratio = rawStep / magnitude
  const factor =
    ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.sqrt(2) ? 2 : 1
  const step = factor * magnitude
  const first = Math.floor(low / step) * step
  const last = Math.ceil(high / step) * step
  const ticks: number[] = []
  for (let value = first; value <= last + step / 2; value += step) {
    // Rounding to the step's precision removes float noise such as 0.30000000000000004.
    ticks.push(Number(value.toPrecision(12)))
  }
  return { min: first, max: last, ticks }
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const TIME_STEPS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  30 * DAY,
]

/** Returns UTC times at a calendar step that puts at most `count` ticks in [from, to]. */
export function timeTicks(from: number, to: number, count = 6): number[] {
  if (!(to > from)) return [from]
  const step = TIME_STEPS.find((s) => (to - from) / s <= count) ?? TIME_STEPS.at(-1)!
  const ticks: number[] = []
  for (let time = Math.ceil(from / step) * step; time <= to; time += step) ticks.push(time)
  return ticks
}

/**
 * Formats a time tick in UTC: the time of day, or the date at midnight and
 * for day steps, or both for a lone tick.
 */
export function formatTimeTick(time: number, ticks: readonly number[]): string {
  const iso = new Date(time).toISOString()
  if (ticks.length < 2) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
  const step = ticks[1]! - ticks[0]!
  if (step >= DAY || iso.slice(11, 16) === '00:00') return iso.slice(5, 10)
  return iso.slice(11, 16)
}

/** Formats an x value of a time axis for hover values, in UTC. */
export function formatTimeValue(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function compactNumber(value: number): string {
  const abs = Math.abs(value)
  // Past a trillion, a suffix would need ten or more digits before it (`4000000000B`).
  if (abs >= 1e12) return Number(value.toPrecision(3)).toExponential()
  if (abs >= 1e9) return `${Number((value / 1e9).toPrecision(3))}B`
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`
  return formatCount(Number(value.toPrecision(4)))
}

/** Formats a value for an axis label, short. */
export function formatAxisValue(value: number, unit: ChartUnit): string {
  switch (unit) {
    case 'usd':
      return formatUsd(value)
    case 'ms':
      return formatDuration(value)
    case 'ns':
      return formatDuration(value / 1e6)
    case 'percent':
      return `${Number(value.toPrecision(3))}%`
    case 'tokens':
    case 'count':
    case 'none':
      return compactNumber(value)
  }
}

/** Formats a value for hover values and tables, with its unit. */
export function formatChartValue(value: number | null, unit: ChartUnit): string {
  if (value === null) return 'no value'
  switch (unit) {
    case 'usd':
      return formatUsd(value)
    case 'ms':
      return formatDuration(value)
    case 'ns':
      return formatDuration(value / 1e6)
    case 'percent':
      return `${Number(value.toPrecision(4))}%`
    case 'tokens':
      return `${formatCount(Math.round(value))} tokens`
    case 'count':
      return formatCount(Number(value.toPrecision(6)))
    case 'none':
      return Number.isInteger(value) ? formatCount(value) : String(Number(value.toPrecision(6)))
  }
}

/** The axis title for a unit, or null for plain numbers. */
export const UNIT_LABELS: Record<ChartUnit, string | null> = {
  usd: 'US dollars',
  ms: 'milliseconds',
  ns: 'nanoseconds',
  tokens: 'tokens',
  percent: 'percent',
  count: 'count',
  none: null,
}
