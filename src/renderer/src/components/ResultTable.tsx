import { useVirtualizer } from '@tanstack/react-virtual'
import { useMemo, useRef } from 'react'
import type { QueryResult } from '../../../shared/api'

const ROW_HEIGHT = 24
/** Characters of a cell shown in the table; the full text is in the cell's tooltip. */
const MAX_CELL_CHARS = 300
const SAMPLED_ROWS = 200

function cellText(value: string | number | null): string {
  if (value === null) return 'NULL'
  const text = String(value)
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text
}

/** Returns a width in pixels for each column, from its name and the first rows' text. */
function columnWidths(result: QueryResult): number[] {
  return result.columns.map((name, index) => {
    let chars = name.length
    for (const row of result.rows.slice(0, SAMPLED_ROWS)) {
      chars = Math.max(chars, cellText(row[index] ?? null).length)
    }
    return Math.min(360, Math.max(64, chars * 7.5 + 18))
  })
}

/**
 * Renders a query result as a table whose rows are virtualized, so the DOM
 * contains only the rows in view even for the 100,000-row maximum.
 */
export function ResultTable({ result }: { result: QueryResult }) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const widths = useMemo(() => columnWidths(result), [result])
  const template = widths.map((width) => `${width}px`).join(' ')
  const virtualizer = useVirtualizer({
    count: result.rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    useFlushSync: false,
  })
  const totalWidth = widths.reduce((sum, width) => sum + width, 0)

  return (
    <div
      className="result-table"
      ref={scrollRef}
      role="table"
      aria-label="Query result"
      aria-rowcount={result.rows.length + 1}
      data-testid="result-table"
    >
      <div
        className="result-row result-header"
        role="row"
        style={{ gridTemplateColumns: template, width: totalWidth }}
      >
        {result.columns.map((name, index) => (
          <span key={index} role="columnheader" className="result-cell" title={name}>
            {name}
          </span>
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), width: totalWidth, position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = result.rows[item.index]!
          return (
            <div
              key={item.key}
              className="result-row"
              role="row"
              aria-rowindex={item.index + 2}
              data-testid="result-row"
              style={{
                gridTemplateColumns: template,
                transform: `translateY(${item.start}px)`,
                height: ROW_HEIGHT,
              }}
            >
              {row.map((value, index) => (
                <span
                  key={index}
                  role="cell"
                  className={
                    value === null
                      ? 'result-cell null'
                      : typeof value === 'number'
                        ? 'result-cell number'
                        : 'result-cell'
                  }
                  title={value === null ? undefined : String(value).slice(0, 5000)}
                >
                  {cellText(value)}
                </span>
              ))}
            </div>
          )
        })}
      </div>
    </div>
  )
}
