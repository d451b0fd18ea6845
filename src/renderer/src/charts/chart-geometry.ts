// Positions of everything a chart draws, in pixels of its plot area: the x
// position of each point, the y scale, and the path or bars of each series.
// Lines break where a series has no value, and on a time axis where a step
// of the x values is missing. Stacked areas drop to zero there instead.

import type { ChartType } from '../../../shared/dashboards'
import type { ChartData } from './chart-data'
import { formatTimeTick, niceTicks, timeTicks, type LinearTicks } from './chart-scale'

/** The widest bar in pixels, so that a few categories do not fill the plot with color. */
const MAX_BAR_WIDTH = 64

export interface Bar {
  x: number
  y: number
  width: number
  height: number
  value: number
}

export interface SeriesShape {
  /** Index of the series in ChartData.series, which sets its color. */
  index: number
  /** SVG path data: the line of a line chart, the filled band of an area chart. */
  path: string | null
  bars: Bar[]
}

export interface AxisTick {
  position: number
  label: string
}

export interface ChartGeometry {
  /** The x position of each point of ChartData.points. */
  xPositions: number[]
  yTicks: LinearTicks
  yPosition: (value: number) => number
  xTicks: AxisTick[]
  shapes: SeriesShape[]
}

/** Returns the smallest positive gap between consecutive sorted times, or null for fewer than two. */
export function timeStep(times: readonly number[]): number | null {
  let step: number | null = null
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!
    if (gap > 0 && (step === null || gap < step)) step = gap
  }
  return step
}

/**
 * Returns the time step that gaps are measured against: the smaller of the
 * bucket that the x column names and the smallest gap between points. The
 * named bucket matters when every gap is a missing stretch, as with two
 * points hours apart on an hourly chart.
 */
function chartStep(data: ChartData): number | null {
  const smallestGap = timeStep(data.points.map((point) => point.time!))
  if (data.bucketMs === null) return smallestGap
  if (smallestGap === null) return data.bucketMs
  return Math.min(data.bucketMs, smallestGap)
}

/** Returns whether the x values are laid out by time (line and area on a time axis). */
function usesTimeScale(data: ChartData, type: ChartType): boolean {
  return data.xKind === 'time' && type !== 'bar'
}

function xPositionsOf(data: ChartData, type: ChartType, width: number): number[] {
  const count = data.points.length
  if (usesTimeScale(data, type)) {
    const first = data.points[0]?.time ?? 0
    const last = data.points.at(-1)?.time ?? 0
    if (last === first) return data.points.map(() => width / 2)
    return data.points.map((point) => ((point.time! - first) / (last - first)) * width)
  }
  const band = width / Math.max(1, count)
  return data.points.map((_, index) => (index + 0.5) * band)
}

/** Returns the sums of the visible series at each point, for a stacked area's y range. */
function stackTotals(data: ChartData, visible: number[]): number[] {
  return data.points.map((_, point) =>
    visible.reduce((sum, index) => sum + Math.max(0, data.series[index]!.values[point] ?? 0), 0),
  )
}

function yRange(data: ChartData, type: ChartType, visible: number[]): LinearTicks {
  const values =
    type === 'area'
      ? stackTotals(data, visible)
      : visible.flatMap((index) => data.series[index]!.values.filter((v) => v !== null))
  const min = Math.min(0, ...values)
  const max = Math.max(0, ...values)
  return niceTicks(min, max)
}

function xTicksOf(
  data: ChartData,
  type: ChartType,
  xPositions: number[],
  width: number,
): AxisTick[] {
  if (usesTimeScale(data, type) && data.points.length > 1) {
    const first = data.points[0]!.time!
    const last = data.points.at(-1)!.time!
    const ticks = timeTicks(first, last, Math.max(2, Math.floor(width / 90)))
    return ticks.map((time) => ({
      position: ((time - first) / (last - first)) * width,
      label: formatTimeTick(time, ticks),
    }))
  }
  // One label every `every` points, so that labels about 80 px wide do not overlap.
  const every = Math.max(1, Math.ceil((data.points.length * 80) / Math.max(1, width)))
  const times = data.points.map((point) => point.time ?? 0)
  return data.points
    .map((point, index) => ({
      position: xPositions[index]!,
      label: point.time === null ? point.label : formatTimeTick(point.time, times),
    }))
    .filter((_, index) => index % every === 0)
}

/** Builds the path of one line, breaking it at null values and at missing time steps. */
function linePath(
  values: (number | null)[],
  xPositions: number[],
  y: (value: number) => number,
  breaksBefore: Set<number>,
): string {
  let path = ''
  let drawing = false
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false
      return
    }
    const command = drawing && !breaksBefore.has(index) ? 'L' : 'M'
    path += `${command}${xPositions[index]!.toFixed(1)},${y(value).toFixed(1)}`
    drawing = true
  })
  return path
}

/**
 * Returns the stacked areas: each series' band between the series below and
 * its own top, with missing values as zero. Where time steps are missing,
 * the stack drops to zero one step after the last value and rises one step
 * before the next.
 */
function areaPaths(
  data: ChartData,
  visible: number[],
  xPositions: number[],
  y: (value: number) => number,
  step: number | null,
): SeriesShape[] {
  const xs: number[] = []
  const sources: (number | null)[] = []
  const times = data.points.map((point) => point.time)
  const pixelsPerMs =
    data.points.length > 1 && times[0] !== null
      ? (xPositions.at(-1)! - xPositions[0]!) / (times.at(-1)! - times[0]!)
      : 0
  data.points.forEach((_, index) => {
    const gap = index > 0 && step !== null ? times[index]! - times[index - 1]! : 0
    if (step !== null && gap > 1.5 * step) {
      xs.push(xPositions[index - 1]! + step * pixelsPerMs, xPositions[index]! - step * pixelsPerMs)
      sources.push(null, null)
    }
    xs.push(xPositions[index]!)
    sources.push(index)
  })
  let below = xs.map(() => 0)
  return visible.map((seriesIndex) => {
    const values = data.series[seriesIndex]!.values
    const top = sources.map((source, at) =>
      source === null ? below[at]! : below[at]! + Math.max(0, values[source] ?? 0),
    )
    const forward = xs.map((x, at) => `${x.toFixed(1)},${y(top[at]!).toFixed(1)}`)
    const backward = xs.map((x, at) => `${x.toFixed(1)},${y(below[at]!).toFixed(1)}`).reverse()
    below = top
    return { index: seriesIndex, path: `M${forward.join('L')}L${backward.join('L')}Z`, bars: [] }
  })
}

function barShapes(
  data: ChartData,
  visible: number[],
  xPositions: number[],
  width: number,
  y: (value: number) => number,
): SeriesShape[] {
  const band = width / Math.max(1, data.points.length)
  const groupWidth = Math.min(band * 0.8, MAX_BAR_WIDTH * Math.max(1, visible.length))
  const barWidth = groupWidth / Math.max(1, visible.length)
  return visible.map((seriesIndex, slot) => ({
    index: seriesIndex,
    path: null,
    bars: data.series[seriesIndex]!.values.flatMap((value, point) => {
      if (value === null) return []
      const top = y(Math.max(0, value))
      const bottom = y(Math.min(0, value))
      return [
        {
          x: xPositions[point]! - groupWidth / 2 + slot * barWidth,
          y: top,
          width: Math.max(1, barWidth - 1),
          height: Math.max(value === 0 ? 0 : 1, bottom - top),
          value,
        },
      ]
    }),
  }))
}

/** Lays out a chart in a plot area of `width` by `height` pixels, drawing only the `visible` series. */
export function layoutChart(
  data: ChartData,
  type: ChartType,
  width: number,
  height: number,
  visible: number[],
): ChartGeometry {
  const xPositions = xPositionsOf(data, type, width)
  const yTicks = yRange(data, type, visible)
  const yPosition = (value: number) =>
    height - ((value - yTicks.min) / (yTicks.max - yTicks.min)) * height
  const timeScale = usesTimeScale(data, type)
  const step = timeScale ? chartStep(data) : null
  let shapes: SeriesShape[]
  // A line or area through one point would be invisible, so one point is drawn as a bar.
  if (type === 'bar' || data.points.length === 1) {
    shapes = barShapes(data, visible, xPositions, width, yPosition)
  } else if (type === 'area') {
    shapes = areaPaths(data, visible, xPositions, yPosition, step)
  } else {
    const breaksBefore = new Set<number>()
    if (step !== null) {
      data.points.forEach((point, index) => {
        if (index > 0 && point.time! - data.points[index - 1]!.time! > 1.5 * step)
          breaksBefore.add(index)
      })
    }
    shapes = visible.map((index) => ({
      index,
      path: linePath(data.series[index]!.values, xPositions, yPosition, breaksBefore),
      bars: [],
    }))
  }
  return {
    xPositions,
    yTicks,
    yPosition,
    xTicks: xTicksOf(data, type, xPositions, width),
    shapes,
  }
}
