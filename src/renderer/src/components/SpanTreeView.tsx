import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useMemo, useRef } from 'react'
import type { SpanSearch } from '../hooks/use-span-search'
import type { ScrollRequest } from '../hooks/use-span-selection'
import { useTreeKeyboard } from '../hooks/use-tree-keyboard'
import type { VisibleRow } from '../tree/build-tree'
import { rowElementId, SpanRow, ROW_HEIGHT } from './SpanRow'
import { TimeAxis } from './TimeAxis'

export interface SpanTreeViewProps {
  rows: VisibleRow[]
  traceDurationMs: number
  traceService: string | null
  selectedKey: string | null
  scrollRequest: ScrollRequest | null
  search: SpanSearch
  /** Click: select and open the detail. */
  onSelect: (key: string) => void
  /** Keyboard: select and scroll into view, without reopening a closed detail. */
  onMoveSelection: (key: string, options: { scroll: boolean }) => void
  setExpanded: (key: string, expanded: boolean) => void
  openDetail: () => void
}

/**
 * Renders the span tree and waterfall. Rows are virtualized, so the DOM
 * contains only the rows in view plus a small overscan, whatever the size of
 * the trace.
 */
export function SpanTreeView(props: SpanTreeViewProps) {
  const { rows, selectedKey, scrollRequest, onMoveSelection } = props
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]!.node.key,
    overscan: 12,
    useFlushSync: false,
  })

  const indexByKey = useMemo(() => {
    const map = new Map<string, number>()
    rows.forEach((row, index) => map.set(row.node.key, index))
    return map
  }, [rows])
  const selectedIndex = selectedKey === null ? -1 : (indexByKey.get(selectedKey) ?? -1)

  useEffect(() => {
    if (scrollRequest === null) return
    const index = indexByKey.get(scrollRequest.key)
    if (index !== undefined) virtualizer.scrollToIndex(index, { align: 'auto' })
    // Only a new request scrolls: rows changing under a selection must not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollRequest])

  const moveTo = useCallback(
    (index: number) => {
      const row = rows[index]
      if (row !== undefined) onMoveSelection(row.node.key, { scroll: true })
    },
    [rows, onMoveSelection],
  )
  const pageSize = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1)
  const onKeyDown = useTreeKeyboard({
    rows,
    selectedIndex,
    pageSize,
    select: moveTo,
    setExpanded: props.setExpanded,
    openDetail: props.openDetail,
  })

  const scale = useMemo(
    () => waterfallScale(rows, props.traceDurationMs),
    [rows, props.traceDurationMs],
  )

  return (
    <div className="span-tree">
      <div className="span-tree-head" aria-hidden="true">
        <div className="row-name">Span</div>
        <TimeAxis totalMs={scale} />
      </div>
      <div
        ref={scrollRef}
        className="span-tree-scroll"
        role="tree"
        aria-label="Spans"
        tabIndex={0}
        aria-activedescendant={
          selectedIndex >= 0 ? rowElementId(rows[selectedIndex]!.node.key) : undefined
        }
        onKeyDown={onKeyDown}
        data-testid="span-tree"
      >
        <div className="span-tree-canvas" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!
            const key = row.node.key
            return (
              <SpanRow
                key={key}
                row={row}
                top={item.start}
                selected={key === selectedKey}
                matched={props.search.matchKeys.has(key)}
                query={props.search.query}
                totalMs={scale}
                traceService={props.traceService}
                onSelect={props.onSelect}
                onToggle={props.setExpanded}
                focusTree={() => scrollRef.current?.focus()}
              />
            )
          })}
        </div>
      </div>
    </div>
  )
}

/**
 * Returns the time span that 100% of the waterfall stands for: the trace's
 * duration, or, when that is zero or missing, the latest end among the rows.
 */
function waterfallScale(rows: VisibleRow[], traceDurationMs: number): number {
  if (Number.isFinite(traceDurationMs) && traceDurationMs > 0) return traceDurationMs
  let latestEnd = 0
  for (const row of rows) {
    if (row.node.type !== 'span' || row.node.span.zeroTime) continue
    latestEnd = Math.max(latestEnd, row.node.span.startOffsetMs + row.node.span.durationMs)
  }
  return latestEnd > 0 ? latestEnd : 1
}
