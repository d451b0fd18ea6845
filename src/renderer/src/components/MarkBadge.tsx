import type { TreeSpan } from '../../../shared/api'
import type { SpanMark } from '../tree/build-tree'

export const MARK_LABELS: Record<SpanMark, string> = {
  'self-parent': 'parent is itself',
  cycle: 'cycle',
  skew: 'skew',
  'zero-time': 'zero timestamp',
  'duplicate-id': 'duplicate id',
  running: 'running',
}

function describeMark(mark: SpanMark, span: TreeSpan): string {
  switch (mark) {
    case 'self-parent':
      return 'This span names itself as its parent; it is shown as a root.'
    case 'cycle':
      return `The parent chain of this span loops back to it (its parent id is ${span.parentSpanId ?? 'empty'}). The loop is cut here, so this span is shown as a root and the rest of the loop under it.`
    case 'skew':
      return 'This span starts before its parent: the clocks of the processes that recorded them probably disagree.'
    case 'zero-time':
      return 'The start or end timestamp of this span is zero (1970-01-01), so its timing is unknown.'
    case 'duplicate-id':
      return 'Another span of this trace has the same span id, which usually means an SDK reused it.'
    case 'running':
      return 'Started and not ended yet (a pending span).'
  }
}

export function MarkBadge({ mark, span }: { mark: SpanMark; span: TreeSpan }) {
  return (
    <span className={`badge mark mark-${mark}`} title={describeMark(mark, span)}>
      {MARK_LABELS[mark]}
    </span>
  )
}
