import { describe, expect, it } from 'vitest'
import type { QueryResult } from '../../../src/shared/api'
import type { ChartSpec } from '../../../src/shared/dashboards'
import {
  buildChartData,
  guessUnit,
  isTimeColumn,
  MAX_SERIES,
  parseTimeCell,
  suggestChart,
} from '../../../src/renderer/src/charts/chart-data'
import { layoutChart, timeStep } from '../../../src/renderer/src/charts/chart-geometry'
import {
  formatAxisValue,
  formatChartValue,
  formatTimeTick,
  niceTicks,
  timeTicks,
} from '../../../src/renderer/src/charts/chart-scale'

function result(columns: string[], rows: (string | number | null)[][]): QueryResult {
  return { columns, rows, truncated: false, elapsedMs: 1 }
}

const HOUR = 3_600_000

describe('chart data', () => {
  it('reads SQLite and ISO times as UTC', () => {
    expect(parseTimeCell('2026-05-01 10:00', 'hour')).toBe(Date.UTC(2026, 4, 1, 10))
    expect(parseTimeCell('2026-05-01 10:00:30.250', 't')).toBe(Date.UTC(2026, 4, 1, 10, 0, 30, 250))
    expect(parseTimeCell('2026-05-01', 'day')).toBe(Date.UTC(2026, 4, 1))
    expect(parseTimeCell('2026-05-01T12:00:00+02:00', 't')).toBe(Date.UTC(2026, 4, 1, 10))
    expect(parseTimeCell('1777629600000000000', 'start_ns')).toBe(1_777_629_600_000)
    expect(parseTimeCell('support_agent', 'agent')).toBeNull()
    expect(parseTimeCell(42, 'calls')).toBeNull()
  })

  it('detects time columns', () => {
    const rows = result(
      ['hour', 'model', 'cost'],
      [
        ['2026-05-01 10:00', 'gpt-4o', 1],
        [null, 'gpt-4o', 2],
      ],
    )
    expect(isTimeColumn(rows, 0)).toBe(true)
    expect(isTimeColumn(rows, 1)).toBe(false)
    expect(isTimeColumn(rows, 2)).toBe(false)
  })

  it('pivots long rows into series sorted by time', () => {
    const rows = result(
      ['hour', 'model', 'cost_usd'],
      [
        ['2026-05-01 11:00', 'gpt-4o', 3],
        ['2026-05-01 10:00', 'gpt-4o', 1],
        ['2026-05-01 10:00', 'claude', 2],
        ['2026-05-01 10:00', 'claude', 0.5],
      ],
    )
    const spec: ChartSpec = {
      type: 'area',
      x: 'hour',
      y: ['cost_usd'],
      series: 'model',
      unit: 'usd',
    }
    const data = buildChartData(rows, spec)
    expect(data.xKind).toBe('time')
    expect(data.points.map((p) => p.label)).toEqual(['2026-05-01 10:00', '2026-05-01 11:00'])
    expect(data.series).toEqual([
      { name: 'gpt-4o', values: [1, 3] },
      { name: 'claude', values: [2.5, null] },
    ])
    expect(data.allNull).toBe(false)
    expect(data.missingColumns).toEqual([])
  })

  it('names series by group and column', () => {
    const rows = result(['hour', 'agent', 'p50', 'p95'], [['2026-05-01 10:00', 'a', 1, 2]])
    const data = buildChartData(rows, {
      type: 'line',
      x: 'hour',
      y: ['p50', 'p95'],
      series: 'agent',
      unit: 'ms',
    })
    expect(data.series.map((s) => s.name)).toEqual(['a · p50', 'a · p95'])
  })

  it('reports missing columns and all-NULL values', () => {
    const rows = result(['agent', 'cost'], [['a', null]])
    const missing = buildChartData(rows, {
      type: 'bar',
      x: 'agent',
      y: ['cost_usd'],
      series: null,
      unit: 'usd',
    })
    expect(missing.missingColumns).toEqual(['cost_usd'])
    const nulls = buildChartData(rows, {
      type: 'bar',
      x: 'agent',
      y: ['cost'],
      series: null,
      unit: 'usd',
    })
    expect(nulls.allNull).toBe(true)
    expect(nulls.points.map((p) => p.label)).toEqual(['a'])
  })

  it('caps the series drawn', () => {
    const rows = result(
      ['x', 'group', 'n'],
      Array.from({ length: MAX_SERIES + 3 }, (_, i) => ['a', `g${i}`, i]),
    )
    const data = buildChartData(rows, {
      type: 'bar',
      x: 'x',
      y: ['n'],
      series: 'group',
      unit: 'count',
    })
    expect(data.series).toHaveLength(MAX_SERIES)
    expect(data.hiddenSeries).toBe(3)
  })

  it('reads numeric text as numbers', () => {
    const rows = result(['x', 'big'], [['a', '9007199254740993']])
    const data = buildChartData(rows, {
      type: 'bar',
      x: 'x',
      y: ['big'],
      series: null,
      unit: 'none',
    })
    expect(data.series[0]!.values).toEqual([9007199254740992])
  })

  it('suggests a chart for a result', () => {
    const timeSeries = result(
      ['hour', 'model', 'calls', 'cost_usd'],
      [['2026-05-01 10:00', 'gpt-4o', 3, 0.5]],
    )
    expect(suggestChart(timeSeries)).toEqual({
      type: 'line',
      x: 'hour',
      y: ['cost_usd'],
      series: 'model',
      unit: 'usd',
    })
    const categories = result(['tool', 'calls', 'failures'], [['search', 10, 2]])
    expect(suggestChart(categories)).toEqual({
      type: 'bar',
      x: 'tool',
      y: ['calls', 'failures'],
      series: null,
      unit: 'count',
    })
    expect(suggestChart(result(['name'], [['a']]))).toBeNull()
  })

  it('reads small _ns values as durations', () => {
    expect(parseTimeCell('4000000000', 'duration_ns')).toBeNull()
    expect(parseTimeCell(4_000_000_000, 'duration_ns')).toBeNull()
    expect(parseTimeCell(1.7776296e18, 'start_ns')).toBe(1_777_629_600_000)
  })

  it('suggests no time column as y', () => {
    // `SELECT * FROM spans` has start_ns and end_ns: both times, neither a value.
    const spans = result(
      ['name', 'start_ns', 'end_ns', 'duration_ns'],
      [
        ['turn', '1777629600000000000', '1777629604000000000', 4_000_000_000],
        ['turn', '1777629700000000000', '1777629702500000000', 2_500_000_000],
      ],
    )
    expect(suggestChart(spans)).toEqual({
      type: 'line',
      x: 'start_ns',
      y: ['duration_ns'],
      series: 'name',
      unit: 'ns',
    })
  })

  it('guesses units from names', () => {
    expect(guessUnit('cost_usd')).toBe('usd')
    expect(guessUnit('p95_ms')).toBe('ms')
    expect(guessUnit('duration_ns')).toBe('ns')
    expect(guessUnit('input_tokens')).toBe('tokens')
    expect(guessUnit('failure_rate')).toBe('percent')
    expect(guessUnit('calls')).toBe('count')
    expect(guessUnit('duration')).toBe('none')
  })
})

describe('chart scale', () => {
  it('makes round ticks', () => {
    expect(niceTicks(0, 0.93)).toEqual({ min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] })
    expect(niceTicks(0, 1234)).toEqual({
      min: 0,
      max: 1400,
      ticks: [0, 200, 400, 600, 800, 1000, 1200, 1400],
    })
    expect(niceTicks(5, 5).min).toBe(0)
    expect(niceTicks(0, 0).max).toBe(1)
    expect(niceTicks(-3, 7).ticks).toEqual([-4, -2, 0, 2, 4, 6, 8])
  })

  it('puts time ticks on calendar steps', () => {
    const from = Date.UTC(2026, 4, 1, 10, 17)
    const ticks = timeTicks(from, from + 24 * HOUR, 6)
    expect(ticks[0]).toBe(Date.UTC(2026, 4, 1, 12))
    expect(ticks[1]! - ticks[0]!).toBe(6 * HOUR)
    expect(formatTimeTick(ticks[0]!, ticks)).toBe('12:00')
    expect(formatTimeTick(Date.UTC(2026, 4, 2), ticks)).toBe('05-02')
    expect(formatTimeTick(Date.UTC(2026, 4, 2, 9), [Date.UTC(2026, 4, 2, 9)])).toBe('05-02 09:00')
  })

  it('formats values by unit', () => {
    expect(formatChartValue(0.00123, 'usd')).toBe('$0.00123')
    expect(formatChartValue(1520, 'ms')).toBe('1.52 s')
    expect(formatChartValue(12345, 'tokens')).toBe('12,345 tokens')
    expect(formatChartValue(12.5, 'percent')).toBe('12.5%')
    expect(formatChartValue(null, 'count')).toBe('no value')
    expect(formatAxisValue(25_000, 'tokens')).toBe('25k')
    expect(formatAxisValue(3_500_000, 'count')).toBe('3.5M')
    expect(formatAxisValue(4_000_000_000, 'ns')).toBe('4 s')
    expect(formatChartValue(2_500_000, 'ns')).toBe('2.5 ms')
    expect(formatAxisValue(4e18, 'none')).toBe('4e+18')
  })
})

describe('chart geometry', () => {
  const hourly = (hours: number[], values: (number | null)[]) =>
    result(
      ['hour', 'n'],
      hours.map((h, i) => [
        new Date(Date.UTC(2026, 4, 1, h)).toISOString().slice(0, 13).replace('T', ' ') + ':00',
        values[i]!,
      ]),
    )

  it('finds the time step', () => {
    expect(timeStep([0, HOUR, 3 * HOUR])).toBe(HOUR)
    expect(timeStep([5])).toBeNull()
  })

  it('breaks a line at a missing step', () => {
    const data = buildChartData(hourly([0, 1, 4, 5], [1, 2, 3, 4]), {
      type: 'line',
      x: 'hour',
      y: ['n'],
      series: null,
      unit: 'count',
    })
    const geometry = layoutChart(data, 'line', 500, 100, [0])
    expect(geometry.xPositions).toEqual([0, 100, 400, 500])
    const path = geometry.shapes[0]!.path!
    expect(path.match(/M/g)).toHaveLength(2)
    expect(path.startsWith('M0.0,')).toBe(true)
    expect(path).toContain('M400.0,')
  })

  it('drops a stacked area to zero in a gap', () => {
    const data = buildChartData(hourly([0, 1, 4], [2, 2, 2]), {
      type: 'area',
      x: 'hour',
      y: ['n'],
      series: null,
      unit: 'count',
    })
    const geometry = layoutChart(data, 'area', 400, 100, [0])
    const zero = geometry.yPosition(0).toFixed(1)
    // One step after hour 1 and one before hour 4, the top of the stack is at zero.
    expect(geometry.shapes[0]!.path).toContain(`L200.0,${zero}L300.0,${zero}L400.0`)
  })

  it('drops an area to zero between two hours', () => {
    // Hourly tokens at 16:00 and 23:00 only: every gap between points is a missing stretch.
    const data = buildChartData(hourly([16, 23], [1500, 1500]), {
      type: 'area',
      x: 'hour',
      y: ['n'],
      series: null,
      unit: 'tokens',
    })
    expect(data.bucketMs).toBe(HOUR)
    const geometry = layoutChart(data, 'area', 700, 100, [0])
    const zero = geometry.yPosition(0).toFixed(1)
    const top = geometry.yPosition(1500).toFixed(1)
    // 100 px per hour: down to zero at 17:00, flat at zero, up again after 22:00.
    expect(geometry.shapes[0]!.path).toContain(
      `M0.0,${top}L100.0,${zero}L600.0,${zero}L700.0,${top}`,
    )
  })

  it('breaks a line between two days', () => {
    const daily = result(
      ['day', 'n'],
      [
        ['2026-05-01', 4],
        ['2026-05-04', 6],
      ],
    )
    const data = buildChartData(daily, {
      type: 'line',
      x: 'day',
      y: ['n'],
      series: null,
      unit: 'count',
    })
    expect(data.bucketMs).toBe(24 * HOUR)
    const path = layoutChart(data, 'line', 300, 100, [0]).shapes[0]!.path!
    expect(path.match(/M/g)).toHaveLength(2)
  })

  it('keeps a regular series whole without a bucket name', () => {
    // A column not named after a bucket takes its step from the smallest gap.
    const started = result(
      ['started', 'n'],
      [
        ['2026-05-01 16:00', 3],
        ['2026-05-01 23:00', 5],
      ],
    )
    const data = buildChartData(started, {
      type: 'area',
      x: 'started',
      y: ['n'],
      series: null,
      unit: 'count',
    })
    expect(data.bucketMs).toBeNull()
    const geometry = layoutChart(data, 'area', 700, 100, [0])
    const zero = geometry.yPosition(0).toFixed(1)
    expect(geometry.shapes[0]!.path).not.toContain(`L100.0,${zero}`)
  })

  it('groups bars side by side', () => {
    const rows = result(
      ['agent', 'p50', 'p95'],
      [
        ['a', 10, 20],
        ['b', 5, -5],
      ],
    )
    const data = buildChartData(rows, {
      type: 'bar',
      x: 'agent',
      y: ['p50', 'p95'],
      series: null,
      unit: 'ms',
    })
    const geometry = layoutChart(data, 'bar', 200, 100, [0, 1])
    const [p50, p95] = geometry.shapes
    expect(p50!.bars).toHaveLength(2)
    expect(p95!.bars[0]!.x).toBeGreaterThan(p50!.bars[0]!.x)
    expect(geometry.yTicks.min).toBeLessThan(0)
    // A negative bar hangs below the zero line.
    expect(p95!.bars[1]!.y).toBeCloseTo(geometry.yPosition(0), 6)
    expect(geometry.xTicks.map((tick) => tick.label)).toEqual(['a', 'b'])
  })

  it('draws one point as a bar', () => {
    const data = buildChartData(hourly([3], [7]), {
      type: 'line',
      x: 'hour',
      y: ['n'],
      series: null,
      unit: 'count',
    })
    const geometry = layoutChart(data, 'line', 300, 100, [0])
    expect(geometry.shapes[0]!.bars).toHaveLength(1)
    expect(geometry.xTicks.map((tick) => tick.label)).toEqual(['05-01 03:00'])
  })
})
