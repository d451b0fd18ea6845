// SQL helper functions of the SQL explorer, registered on each query
// connection next to the views.

import type Database from 'better-sqlite3'

interface PercentileState {
  values: number[]
  percent: number | null
}

/**
 * Returns the `percent`-th percentile (0 to 100) of sorted values, with linear
 * interpolation between the two nearest values, as SQLite's percentile
 * extension computes it.
 */
export function percentileOf(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null
  const position = ((sorted.length - 1) * percent) / 100
  const below = Math.floor(position)
  const above = Math.ceil(position)
  const lower = sorted[below]!
  const upper = sorted[above]!
  return lower + (upper - lower) * (position - below)
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  return null
}

function checkPercent(value: unknown, name: string): number {
  const percent = toNumber(value)
  if (percent === null || !(percent >= 0 && percent <= 100)) {
    throw new RangeError(
      `${name}: the percentile must be a number from 0 to 100 (such as 95), not ${String(value)}`,
    )
  }
  return percent
}

function finish(state: PercentileState): number | null {
  if (state.percent === null) return null
  const sorted = state.values.slice().sort((a, b) => a - b)
  return percentileOf(sorted, state.percent)
}

/**
 * Registers `percentile(value, p)` (p from 0 to 100) and `median(value)`.
 * Both skip NULL and non-numeric values and return NULL for no values.
 */
export function registerFunctions(db: Database.Database): void {
  // better-sqlite3 takes the SQL argument count from step's declared
  // parameters (less the state), so step lists them one by one. Its type
  // declares a single argument, hence the casts. SQLite 3.53's own
  // percentile() and median() have the same meaning; these replace them so
  // the errors name the fix.
  db.aggregate('percentile', {
    start: (): PercentileState => ({ values: [], percent: null }),
    step: ((state: PercentileState, value: unknown, percent: unknown) => {
      const p = checkPercent(percent, 'percentile(value, p)')
      if (state.percent !== null && state.percent !== p) {
        throw new RangeError('percentile(value, p): p must be the same for every row of a group')
      }
      state.percent = p
      const number = toNumber(value)
      if (number !== null && !Number.isNaN(number)) state.values.push(number)
      return state
    }) as (state: PercentileState) => PercentileState,
    result: finish,
  })
  db.aggregate('median', {
    start: (): PercentileState => ({ values: [], percent: 50 }),
    step: ((state: PercentileState, value: unknown) => {
      const number = toNumber(value)
      if (number !== null && !Number.isNaN(number)) state.values.push(number)
      return state
    }) as (state: PercentileState) => PercentileState,
    result: finish,
  })
}
