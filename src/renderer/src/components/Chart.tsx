import { useEffect, useMemo, useRef, useState, type MouseEvent, type RefObject } from 'react'
import type { QueryResult } from '../../../shared/api'
import type { ChartSpec } from '../../../shared/dashboards'
import { buildChartData, MAX_SERIES, type ChartData } from '../charts/chart-data'
import { layoutChart, type ChartGeometry } from '../charts/chart-geometry'
import {
  formatAxisValue,
  formatChartValue,
  formatTimeValue,
  UNIT_LABELS,
} from '../charts/chart-scale'
import '../charts/charts.css'

const MARGIN = { top: 22, right: 16, bottom: 26, left: 72 }
/** Line charts with at most this many points mark each value with a dot. */
const MAX_MARKED_POINTS = 60

export interface ChartProps {
  result: QueryResult
  spec: ChartSpec
  /** The chart's accessible name. */
  title: string
  /** Shown instead of the chart when the result has no rows. */
  emptyText?: string
  height?: number
}

/**
 * Draws a query result as an SVG line, area (stacked) or bar chart with
 * axes, a legend that hides and shows series, and the values under the
 * pointer. Shows a message instead for no rows, for columns the result
 * lacks, and for y values that are all NULL.
 */
export function Chart({ result, spec, title, emptyText, height = 240 }: ChartProps) {
  const data = useMemo(() => buildChartData(result, spec), [result, spec])
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set())
  useEffect(() => setHidden(new Set()), [data])

  const notice = chartNotice(data, result, spec, emptyText)
  if (notice !== null) {
    return (
      <div className="chart chart-notice" data-testid="chart-notice" style={{ height }}>
        {notice}
      </div>
    )
  }
  const toggle = (index: number) =>
    setHidden((old) => {
      const next = new Set(old)
      if (next.has(index)) next.delete(index)
      else next.add(index)
      return next
    })
  return (
    <div className="chart" data-testid="chart" data-chart-type={spec.type}>
      <ChartPlot data={data} spec={spec} title={title} height={height} hidden={hidden} />
      <ul className="chart-legend" aria-label={`Series of ${title}`}>
        {data.series.map((line, index) => (
          <li key={line.name}>
            <button
              type="button"
              className="chart-legend-item"
              aria-pressed={!hidden.has(index)}
              title={hidden.has(index) ? 'Show this series' : 'Hide this series'}
              onClick={() => toggle(index)}
            >
              <span className={`chart-swatch chart-color-${index % MAX_SERIES}`} />
              {line.name}
            </button>
          </li>
        ))}
        {data.hiddenSeries > 0 && (
          <li className="muted">
            {data.hiddenSeries} more series not drawn (at most {MAX_SERIES})
          </li>
        )}
      </ul>
    </div>
  )
}

function chartNotice(
  data: ChartData,
  result: QueryResult,
  spec: ChartSpec,
  emptyText: string | undefined,
): string | null {
  if (data.missingColumns.length > 0) {
    return `The result has no column ${data.missingColumns.join(', ')}; choose the chart's columns again.`
  }
  if (result.rows.length === 0) return emptyText ?? 'The query returned no rows.'
  if (data.allNull) {
    return `Every value of ${spec.y.join(', ')} is NULL, so there is nothing to draw.`
  }
  return null
}

interface PlotProps {
  data: ChartData
  spec: ChartSpec
  title: string
  height: number
  hidden: ReadonlySet<number>
}

function ChartPlot({ data, spec, title, height, hidden }: PlotProps) {
  const frameRef = useRef<HTMLDivElement>(null)
  const width = useWidth(frameRef)
  const [hover, setHover] = useState<number | null>(null)
  const plotWidth = Math.max(40, width - MARGIN.left - MARGIN.right)
  const plotHeight = Math.max(40, height - MARGIN.top - MARGIN.bottom)
  const visible = data.series.map((_, index) => index).filter((index) => !hidden.has(index))
  const geometry = layoutChart(data, spec.type, plotWidth, plotHeight, visible)

  const onMove = (event: MouseEvent<SVGRectElement>) => {
    const box = event.currentTarget.getBoundingClientRect()
    setHover(nearestPoint(geometry.xPositions, event.clientX - box.left))
  }
  const unitLabel = UNIT_LABELS[spec.unit]
  return (
    <div className="chart-frame" ref={frameRef}>
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={`${title}: ${spec.type} chart of ${spec.y.join(', ')} by ${spec.x}`}
      >
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          <YAxis geometry={geometry} spec={spec} width={plotWidth} />
          <XAxis geometry={geometry} height={plotHeight} />
          <Shapes geometry={geometry} data={data} spec={spec} />
          {hover !== null && (
            <line
              className="chart-hover-line"
              x1={geometry.xPositions[hover]}
              x2={geometry.xPositions[hover]}
              y1={0}
              y2={plotHeight}
            />
          )}
          <rect
            className="chart-hit-area"
            width={plotWidth}
            height={plotHeight}
            onMouseMove={onMove}
            onMouseLeave={() => setHover(null)}
          />
        </g>
        {unitLabel !== null && (
          <text className="chart-unit" x={4} y={2} dominantBaseline="hanging">
            {unitLabel}
          </text>
        )}
      </svg>
      {hover !== null && (
        <HoverValues
          data={data}
          spec={spec}
          point={hover}
          visible={visible}
          left={MARGIN.left + geometry.xPositions[hover]!}
          flip={geometry.xPositions[hover]! > plotWidth / 2}
        />
      )}
    </div>
  )
}

/** Returns the frame's width in pixels, following its resizes. */
function useWidth(ref: RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(600)
  useEffect(() => {
    const element = ref.current
    if (element === null) return
    setWidth(element.clientWidth || 600)
    const observer = new ResizeObserver(() => setWidth(element.clientWidth || 600))
    observer.observe(element)
    return () => observer.disconnect()
  }, [ref])
  return width
}

function nearestPoint(positions: number[], x: number): number | null {
  let best: number | null = null
  for (let index = 0; index < positions.length; index++) {
    if (best === null || Math.abs(positions[index]! - x) < Math.abs(positions[best]! - x))
      best = index
  }
  return best
}

function YAxis({
  geometry,
  spec,
  width,
}: {
  geometry: ChartGeometry
  spec: ChartSpec
  width: number
}) {
  return (
    <g className="chart-axis chart-y-axis">
      {geometry.yTicks.ticks.map((tick) => {
        const y = geometry.yPosition(tick)
        return (
          <g key={tick}>
            <line className="chart-grid" x1={0} x2={width} y1={y} y2={y} />
            <text x={-6} y={y} textAnchor="end" dominantBaseline="middle">
              {formatAxisValue(tick, spec.unit)}
            </text>
          </g>
        )
      })}
    </g>
  )
}

function XAxis({ geometry, height }: { geometry: ChartGeometry; height: number }) {
  return (
    <g className="chart-axis chart-x-axis" transform={`translate(0,${height})`}>
      {geometry.xTicks.map((tick, index) => (
        <text key={`${index}-${tick.label}`} x={tick.position} y={16} textAnchor="middle">
          {tick.label}
        </text>
      ))}
    </g>
  )
}

function Shapes({
  geometry,
  data,
  spec,
}: {
  geometry: ChartGeometry
  data: ChartData
  spec: ChartSpec
}) {
  const marked = spec.type === 'line' && data.points.length <= MAX_MARKED_POINTS
  return (
    <g className="chart-shapes">
      {geometry.shapes.map((shape) => {
        const color = `chart-color-${shape.index % MAX_SERIES}`
        return (
          <g key={shape.index} className={color} data-series={data.series[shape.index]!.name}>
            {shape.path !== null && (
              <path className={spec.type === 'area' ? 'chart-area' : 'chart-line'} d={shape.path} />
            )}
            {shape.bars.map((bar, index) => (
              <rect
                key={index}
                className="chart-bar"
                x={bar.x}
                y={bar.y}
                width={bar.width}
                height={bar.height}
              />
            ))}
            {marked &&
              data.series[shape.index]!.values.map((value, point) =>
                value === null ? null : (
                  <circle
                    key={point}
                    className="chart-dot"
                    cx={geometry.xPositions[point]}
                    cy={geometry.yPosition(value)}
                    r={2.5}
                  />
                ),
              )}
          </g>
        )
      })}
    </g>
  )
}

function HoverValues(props: {
  data: ChartData
  spec: ChartSpec
  point: number
  visible: number[]
  left: number
  flip: boolean
}) {
  const { data, spec, point, visible } = props
  const x = data.points[point]!
  return (
    <div
      className="chart-hover"
      data-testid="chart-hover"
      style={props.flip ? { right: `calc(100% - ${props.left - 8}px)` } : { left: props.left + 8 }}
    >
      <div className="chart-hover-x">{x.time === null ? x.label : formatTimeValue(x.time)}</div>
      <table>
        <tbody>
          {visible.map((index) => (
            <tr key={index}>
              <td>
                <span className={`chart-swatch chart-color-${index % MAX_SERIES}`} />
                {data.series[index]!.name}
              </td>
              <td className="chart-hover-value">
                {formatChartValue(data.series[index]!.values[point] ?? null, spec.unit)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
