// Types of the dashboards API and the SQL explorer's charts, shared by the
// core and the renderer.

import type { QueryErrorJson, QueryResult } from './api'

/** `line` and `area` draw values over a time (or ordered) x axis, `bar` one group of bars per x value. */
export type ChartType = 'line' | 'area' | 'bar'

/** Unit of a chart's y values, which sets how the axis and hover values are formatted. */
export type ChartUnit = 'usd' | 'ms' | 'ns' | 'tokens' | 'percent' | 'count' | 'none'

export const CHART_TYPES: readonly ChartType[] = ['line', 'area', 'bar']
export const CHART_UNITS: readonly ChartUnit[] = [
  'usd',
  'ms',
  'ns',
  'tokens',
  'percent',
  'count',
  'none',
]

/** The maximum number of y columns of one chart. */
export const MAX_CHART_Y_COLUMNS = 8

/** The mapping of a query result's columns to a chart's axes. */
export interface ChartSpec {
  type: ChartType
  /** The column of the x axis: a time column for a time axis, else categories. */
  x: string
  /** The numeric columns drawn, one series each (or one per `series` value). */
  y: string[]
  /**
   * A column whose values split each y column into one series per value, or
   * null. It serves results in long form, with one row per time and group.
   */
  series: string | null
  unit: ChartUnit
}

/** Size of the time buckets of the built-in time series. */
export type TimeBucket = 'minute' | 'hour' | 'day'

/** A chart on the dashboards page: its SQL and its rows, or the error of its query. */
export interface PanelJson {
  /** `cost-by-provider` and the like for a built-in panel, the pinned chart's id for a pinned one. */
  id: string
  title: string
  /** A sentence or two on what the panel shows and how it counts. */
  description: string
  /** The SQL that was run, with the time range written in, so that it runs as is in the SQL explorer. */
  sql: string
  chart: ChartSpec
  /** Shown instead of an empty chart when the query returns no rows. */
  emptyText: string
  result: QueryResult | null
  error: QueryErrorJson | null
}

/** Reply of `GET /api/dashboards`. */
export interface DashboardJson {
  /** The time range, as ISO 8601 UTC times; `to` is exclusive. */
  from: string
  to: string
  bucket: TimeBucket
  panels: PanelJson[]
  /** The pinned charts, oldest first. Their SQL runs as written, without the time range. */
  pinned: PanelJson[]
}

/** Body of `POST /api/dashboards/pinned` and `PUT /api/dashboards/pinned/ID`. */
export interface PinnedChartInput {
  title: string
  sql: string
  chart: ChartSpec
}

/** A SQL chart pinned from the SQL explorer to the dashboards page. */
export interface PinnedChart extends PinnedChartInput {
  id: string
  /** ISO 8601 times. */
  createdAt: string
  updatedAt: string
}

/** A documented view and its columns, for the SQL editor's completion. */
export interface ViewSchema {
  name: string
  columns: string[]
}

/** A SQL function that the query connection adds, for the SQL editor's completion. */
export interface FunctionSchema {
  name: string
  /** Such as `percentile(value, p)`. */
  signature: string
  description: string
}

/** Reply of `GET /api/query/schema`. */
export interface QuerySchemaJson {
  views: ViewSchema[]
  functions: FunctionSchema[]
}
