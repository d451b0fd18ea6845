import type { SpanJson } from '../../../shared/api'
import { pluralize } from '../format'
import { useSpanDetail } from '../hooks/use-span-detail'
import type { TraceLogsState } from '../hooks/use-trace-logs'
import type { MissingParentNode, SpanNode, SpanTree, TreeNode } from '../tree/build-tree'
import { ErrorNotice } from './ErrorNotice'
import { SpanDetail } from './SpanDetail'

export interface SpanDetailPanelProps {
  traceId: string
  tree: SpanTree
  node: TreeNode | null
  /** The span id in the address bar, to explain a link to a span this trace does not have. */
  routeSpanId: string | null
  logs: TraceLogsState
  version: number
  onClose: () => void
}

/** Renders the right-hand panel with the selected span's full detail, fetched on selection. */
export function SpanDetailPanel(props: SpanDetailPanelProps) {
  const { node } = props
  return (
    <aside className="detail-pane" aria-label="Span detail" data-testid="span-detail">
      <button
        type="button"
        className="close-detail"
        onClick={props.onClose}
        title="Close the detail (Enter in the tree reopens it)"
      >
        ×
      </button>
      {node === null ? (
        <NoSelection routeSpanId={props.routeSpanId} tree={props.tree} />
      ) : node.type === 'missing-parent' ? (
        <MissingParentDetail node={node} />
      ) : (
        <SelectedSpan {...props} node={node} />
      )}
    </aside>
  )
}

function NoSelection({ routeSpanId, tree }: { routeSpanId: string | null; tree: SpanTree }) {
  if (routeSpanId !== null && !tree.bySpanId.has(routeSpanId)) {
    return (
      <p className="muted" data-testid="span-not-found">
        Span <code>{routeSpanId}</code> is not in this trace (it may not have arrived yet).
      </p>
    )
  }
  return (
    <p className="muted">
      Select a span to see its attributes, events, links and logs. In the tree, use the arrow keys
      to move and Enter to open.
    </p>
  )
}

function MissingParentDetail({ node }: { node: MissingParentNode }) {
  return (
    <div className="span-detail">
      <h2>
        Missing parent <code>{node.spanId}</code>
      </h2>
      <p>
        {pluralize(node.children.length, 'span names', 'spans name')} this span id as parent, but
        Loupe has not received a span with it. The parent may still be running or in flight, or its
        exporter dropped it.
      </p>
    </div>
  )
}

function SelectedSpan(props: SpanDetailPanelProps & { node: SpanNode }) {
  const { span } = props.node
  // A running span changes as it ends, so it reloads with the trace; others load once.
  const { spans, loading, error } = useSpanDetail(
    props.traceId,
    span.spanId,
    span.inProgress ? props.version : 0,
  )

  if (error !== null)
    return <ErrorNotice title={`Could not load span ${span.spanId}`} message={error} />
  if (spans === null) return <p className="muted">{loading ? 'Loading span…' : ''}</p>
  if (spans.length === 0) {
    return (
      <p className="muted">
        The core returned no span with id <code>{span.spanId}</code>.
      </p>
    )
  }
  return (
    <>
      {spans.length > 1 && (
        <p className="duplicate-notice">
          {spans.length} spans share the id <code>{span.spanId}</code>, probably because an SDK
          reused it. All of them are shown below.
        </p>
      )}
      {spans.map((full: SpanJson, index) => (
        <SpanDetail
          key={index}
          span={full}
          traceId={props.traceId}
          tree={props.tree}
          logs={props.logs}
        />
      ))}
    </>
  )
}
