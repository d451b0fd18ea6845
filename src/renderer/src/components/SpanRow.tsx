import { memo, type MouseEvent } from 'react'
import type { TreeSpan } from '../../../shared/api'
import { formatCount, formatDuration, formatUsd, pluralize } from '../format'
import { isLogSpan } from '../genai/logfire'
import { rowLabel } from '../genai/row-label'
import type { MissingParentNode, SpanNode, VisibleRow } from '../tree/build-tree'
import { ErrorClassBadge } from './ErrorClassBadge'
import { HighlightedText } from './HighlightedText'
import { KindTag } from './KindTag'
import { LevelTag } from './LevelTag'
import { MarkBadge } from './MarkBadge'
import { WaterfallBar } from './WaterfallBar'

/** Logfire levels from warn up are tagged on ordinary spans too, not only on log lines. */
const NOTABLE_LEVEL = 13

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
  const errored = isSpan && node.span.status === 'error'
  // A failed tool attempt that the model retried did not fail the run.
  const retried = errored && node.span.retried
  const className = [
    'span-row',
    isSpan ? '' : 'placeholder',
    selected ? 'selected' : '',
    matched ? 'matched' : '',
    errored && !retried ? 'failed' : '',
    retried ? 'retried' : '',
    isSpan && isLogSpan(node.span) ? 'log-row' : '',
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
  const log = isLogSpan(span)
  const label = rowLabel(span)
  const showToolName =
    span.kind === 'tool' && span.toolName !== null && !label.title.includes(span.toolName)
  return (
    <>
      {log ? <LevelTag level={span.level!} /> : <KindTag kind={span.kind} />}
      {span.status === 'error' && !span.retried && (
        <span className="error-dot" title="Status ERROR" />
      )}
      {label.secondaryName === null ? (
        <span className="span-name span-title" title={span.name}>
          <HighlightedText text={label.title} query={props.query} />
        </span>
      ) : (
        <>
          <span className="span-title" title={label.title}>
            <HighlightedText text={label.title} query={props.query} />
          </span>
          <span className="span-name secondary" title={span.name}>
            <HighlightedText text={label.secondaryName} query={props.query} />
          </span>
        </>
      )}
      {showToolName && <span className="tool-tag">{span.toolName}</span>}
      {span.kind === 'model' && <ModelFigures span={span} />}
      {!log && span.level !== null && span.level >= NOTABLE_LEVEL && (
        <LevelTag level={span.level} />
      )}
      {span.retried && (
        <span
          className="badge retried"
          title="This attempt failed and the model was asked to retry; the run went on"
        >
          retried
        </span>
      )}
      <ErrorClassBadge errorClass={span.errorClass} />
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

/** Tokens and cost of a model call, compactly: "812→41 · $0.00244". */
function ModelFigures({ span }: { span: TreeSpan }) {
  if (span.inputTokens === null && span.outputTokens === null && span.costUsd === null) return null
  const input = formatCount(span.inputTokens ?? 0)
  const output = formatCount(span.outputTokens ?? 0)
  const hasTokens = (span.inputTokens ?? 0) > 0 || (span.outputTokens ?? 0) > 0
  let cost: string | null = null
  if (span.costUsd !== null) cost = formatUsd(span.costUsd)
  else if (hasTokens) cost = 'unpriced'
  return (
    <span
      className="row-figures"
      title={`${input} input tokens, ${output} output tokens${cost !== null ? `, cost ${cost}` : ''}`}
    >
      {input}→{output}
      {cost !== null && ` · ${cost}`}
    </span>
  )
}

function rowDuration(span: TreeSpan): string {
  if (span.inProgress) return 'running'
  if (isLogSpan(span)) return ''
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
