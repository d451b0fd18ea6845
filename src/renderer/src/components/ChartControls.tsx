import type { QueryResult } from '../../../shared/api'
import {
  CHART_TYPES,
  CHART_UNITS,
  MAX_CHART_Y_COLUMNS,
  type ChartSpec,
  type ChartType,
  type ChartUnit,
} from '../../../shared/dashboards'
import { guessUnit, isNumericColumn, isTimeColumn } from '../charts/chart-data'

const TYPE_LABELS: Record<ChartType, string> = { line: 'Line', area: 'Area', bar: 'Bar' }
const UNIT_LABELS: Record<ChartUnit, string> = {
  usd: 'US dollars',
  ms: 'milliseconds',
  ns: 'nanoseconds',
  tokens: 'tokens',
  percent: 'percent',
  count: 'count',
  none: 'plain number',
}

/**
 * Chooses how a result is drawn: chart type, the x column (time columns
 * marked), the y columns (numeric ones), a column that splits the series,
 * and the unit of the values.
 */
export function ChartControls({
  result,
  spec,
  onChange,
}: {
  result: QueryResult
  spec: ChartSpec
  onChange: (spec: ChartSpec) => void
}) {
  const columns = result.columns
  const numeric = columns.filter((_, index) => isNumericColumn(result, index))
  const time = new Set(columns.filter((_, index) => isTimeColumn(result, index)))
  const toggleY = (column: string, on: boolean) => {
    const y = on
      ? [...spec.y, column].slice(0, MAX_CHART_Y_COLUMNS)
      : spec.y.filter((name) => name !== column)
    if (y.length === 0) return
    const unit = spec.y.length === 0 ? guessUnit(y[0]!) : spec.unit
    onChange({ ...spec, y, unit })
  }
  return (
    <div className="chart-controls" data-testid="chart-controls">
      <label>
        Chart{' '}
        <select
          value={spec.type}
          onChange={(event) => onChange({ ...spec, type: event.target.value as ChartType })}
          data-testid="chart-type"
        >
          {CHART_TYPES.map((type) => (
            <option key={type} value={type}>
              {TYPE_LABELS[type]}
            </option>
          ))}
        </select>
      </label>
      <label>
        X{' '}
        <select
          value={spec.x}
          onChange={(event) => onChange({ ...spec, x: event.target.value })}
          data-testid="chart-x"
        >
          {columns.map((column) => (
            <option key={column} value={column}>
              {time.has(column) ? `${column} (time)` : column}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="chart-y" data-testid="chart-y">
        <legend>Y</legend>
        {numeric.length === 0 && <span className="muted">no numeric column</span>}
        {numeric.map((column) => (
          <label key={column}>
            <input
              type="checkbox"
              checked={spec.y.includes(column)}
              onChange={(event) => toggleY(column, event.target.checked)}
            />{' '}
            {column}
          </label>
        ))}
      </fieldset>
      <label>
        Split by{' '}
        <select
          value={spec.series ?? ''}
          onChange={(event) => onChange({ ...spec, series: event.target.value || null })}
          data-testid="chart-series"
        >
          <option value="">none</option>
          {columns
            .filter((column) => column !== spec.x && !spec.y.includes(column))
            .map((column) => (
              <option key={column} value={column}>
                {column}
              </option>
            ))}
        </select>
      </label>
      <label>
        Unit{' '}
        <select
          value={spec.unit}
          onChange={(event) => onChange({ ...spec, unit: event.target.value as ChartUnit })}
          data-testid="chart-unit"
        >
          {CHART_UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {UNIT_LABELS[unit]}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}
