// The SQL charts that users pin from the SQL explorer to the dashboards
// page, stored in the pinned_charts table of the store.

import { randomBytes } from 'node:crypto'
import type Database from 'better-sqlite3'
import { z } from 'zod'
import {
  CHART_TYPES,
  CHART_UNITS,
  MAX_CHART_Y_COLUMNS,
  type ChartSpec,
  type PinnedChart,
  type PinnedChartInput,
} from '../../shared/dashboards'

/** The maximum number of pinned charts, so that the dashboards page stays quick to load. */
export const MAX_PINNED_CHARTS = 50
export const MAX_TITLE_CHARS = 120
export const MAX_SQL_CHARS = 20_000

const columnName = z
  .string()
  .trim()
  .min(1, 'a column name is required')
  .max(200, 'a column name is at most 200 characters')

export const chartSpecSchema = z.object({
  type: z.enum(CHART_TYPES as [ChartSpec['type'], ...ChartSpec['type'][]]),
  x: columnName,
  y: z
    .array(columnName)
    .min(1, 'choose at least one y column')
    .max(MAX_CHART_Y_COLUMNS, `choose at most ${MAX_CHART_Y_COLUMNS} y columns`),
  series: columnName.nullable().default(null),
  unit: z.enum(CHART_UNITS as [ChartSpec['unit'], ...ChartSpec['unit'][]]).default('none'),
})

export const pinnedChartInputSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'title is required')
    .max(MAX_TITLE_CHARS, `title is at most ${MAX_TITLE_CHARS} characters`),
  sql: z
    .string()
    .trim()
    .min(1, 'sql is required')
    .max(MAX_SQL_CHARS, `sql is at most ${MAX_SQL_CHARS} characters`),
  chart: chartSpecSchema,
})

interface PinnedChartRow {
  id: string
  title: string
  sql: string
  chart: string
  created_ms: number
  updated_ms: number
}

function fromRow(row: PinnedChartRow): PinnedChart {
  return {
    id: row.id,
    title: row.title,
    sql: row.sql,
    chart: JSON.parse(row.chart) as ChartSpec,
    createdAt: new Date(row.created_ms).toISOString(),
    updatedAt: new Date(row.updated_ms).toISOString(),
  }
}

/** Reads and writes pinned charts on the core's connection to the store. */
export class PinnedCharts {
  private readonly statements

  constructor(db: Database.Database) {
    this.statements = {
      list: db.prepare('SELECT * FROM pinned_charts ORDER BY created_ms, id'),
      get: db.prepare('SELECT * FROM pinned_charts WHERE id = ?'),
      count: db.prepare('SELECT count(*) FROM pinned_charts').pluck(),
      insert: db.prepare(
        `INSERT INTO pinned_charts (id, title, sql, chart, created_ms, updated_ms)
         VALUES (@id, @title, @sql, @chart, @now, @now)`,
      ),
      update: db.prepare(
        'UPDATE pinned_charts SET title = @title, sql = @sql, chart = @chart, updated_ms = @now WHERE id = @id',
      ),
      delete: db.prepare('DELETE FROM pinned_charts WHERE id = ?'),
    }
  }

  list(): PinnedChart[] {
    return (this.statements.list.all() as PinnedChartRow[]).map(fromRow)
  }

  get(id: string): PinnedChart | null {
    const row = this.statements.get.get(id) as PinnedChartRow | undefined
    return row ? fromRow(row) : null
  }

  count(): number {
    return this.statements.count.get() as number
  }

  /** Stores a new chart and returns it with its id. */
  create(input: PinnedChartInput): PinnedChart {
    const id = `chart_${randomBytes(8).toString('hex')}`
    this.statements.insert.run({ ...columns(input), id, now: Date.now() })
    return this.get(id)!
  }

  /** Replaces a chart's title, SQL and chart; returns null when no chart has this id. */
  update(id: string, input: PinnedChartInput): PinnedChart | null {
    const changes = this.statements.update.run({ ...columns(input), id, now: Date.now() }).changes
    return changes === 0 ? null : this.get(id)
  }

  /** Deletes a chart; returns false when no chart has this id. */
  delete(id: string): boolean {
    return this.statements.delete.run(id).changes > 0
  }
}

function columns(input: PinnedChartInput): { title: string; sql: string; chart: string } {
  return { title: input.title, sql: input.sql, chart: JSON.stringify(input.chart) }
}
