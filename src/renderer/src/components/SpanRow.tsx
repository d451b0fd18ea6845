import { memo, type MouseEvent } from 'react'
import type { TreeSpan } from '../../../shared/api'
import { formatDuration, pluralize } from '../format'
import type { MissingParentNode, SpanNode, VisibleRow } from '../tree/build-tree'
import { HighlightedText } from './HighlightedText'
import { MarkBadge } from './MarkBadge'
import { WaterfallBar } from './WaterfallBar'

/** Row height in px; rows are fixed-height so that the virtualizer needs no measuring. */
export const ROW_HEIGHT = 26

/** Levels of indentation drawn; deeper rows show their depth as a number instead. */
const MAX_INDENT_LEVELS = 24
const INDENT_PX = 14

export function rowElementId(key: string): string {
  return `span-row-${key}`
}

export interface SpanRowProps {
  row: VisibleRow
  /** Offset from the top of the tree canvas in px. */
  top: number
  selected: boolean
  matched: boolean
  query: string
  totalMs: number
  traceService: string | null
  onSelect: (key: string) => void
  onToggle: (key: string, expanded: boolean) => void
  focusTree: () => void
}

/** Renders one row of the span tree: name column and waterfall bar. */
export const SpanRow = memo(function SpanRow(props: SpanRowProps) {
  const { row, selected, matched } = props
  const node = row.node
  const isSpan = node.type === 'span'
  const failed = isSpan && node.span.status === 'error'
  const className = [
    'span-row',
    isSpan ? '' : 'placeholder',
    selected ? 'selected' : '',
    matched ? 'matched' : '',
    failed ? 'failed' : '',
  ]
    .filter(Boolean)
    .join(' ')

  const onClick = () => {
    props.onSelect(node.key)
    props.focusTree()
  }
  const onToggleClick = (event: MouseEvent) => {
    event.stopPropagation()
    props.onToggle(node.key, !row.expanded)
  }

  const indentLevels = Math.min(row.depth, MAX_INDENT_LEVELS)
  return (
    <div
      id={rowElementId(node.key)}
      className={className}
      style={{ transform: `translateY(${props.top}px)`, height: ROW_HEIGHT }}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={row.hasChildren ? row.expanded : undefined}
      aria-selected={selected}
      data-testid={isSpan ? 'span-row' : 'missing-parent-row'}
      data-span-id={node.type === 'span' ? node.span.spanId : node.spanId}
      onClick={onClick}
    >
      <div
        className="row-name"
        style={{ paddingLeft: `min(${4 + indentLevels * INDENT_PX}px, 20%)` }}
      >
        {row.depth > MAX_INDENT_LEVELS && (
          <span className="depth-label" title="Nesting depth">
            {row.depth}
          </span>
        )}
        {row.hasChildren ? (
          <button
            type="button"
            className="toggle"
            tabIndex={-1}
            aria-label={row.expanded ? 'Collapse' : 'Expand'}
            onClick={onToggleClick}
          >
            {row.expanded ? '▾' : '▸'}
          </button>
        ) : (
          <span className="toggle" />
        )}
        {node.type === 'span' ? (
          <SpanLabel node={node} query={props.query} traceService={props.traceService} />
        ) : (
          <PlaceholderLabel node={node} />
        )}
      </div>
      <div className="row-bar">
        {node.type === 'span' && <WaterfallBar span={node.span} totalMs={props.totalMs} />}
      </div>
    </div>
  )
})

function SpanLabel(props: { node: SpanNode; query: string; traceService: string | null }) {
  const { span, marks } = props.node
  const otherService = span.serviceName !== null && span.serviceName !== props.traceService
  return (
    <>
      {span.status === 'error' && <span className="error-dot" title="Status ERROR" />}
      <span className="span-name" title={span.name}>
        <HighlightedText text={span.name || '(no name)'} query={props.query} />
      </span>
      {otherService && <span className="service-tag">{span.serviceName}</span>}
      {marks.map((mark) => (
        <MarkBadge key={mark} mark={mark} span={span} />
      ))}
      {span.eventCount > 0 && (
        <span className="event-count" title={pluralize(span.eventCount, 'event')}>
          ◆{span.eventCount}
        </span>
      )}
      <span className="row-duration">{rowDuration(span)}</span>
    </>
  )
}

function rowDuration(span: TreeSpan): string {
  if (span.inProgress) return 'running'
  // A zero timestamp makes the duration meaningless; the row's mark explains why.
  if (span.zeroTime) return ''
  return formatDuration(span.durationMs)
}

function PlaceholderLabel({ node }: { node: MissingParentNode }) {
  return (
    <span
      className="span-name missing-parent"
      title={`${pluralize(node.children.length, 'span names', 'spans name')} this span as parent, but it has not been received (yet).`}
    >
      missing parent <code>{node.spanId}</code>
    </span>
  )
}
