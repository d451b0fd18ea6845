import { useMemo, useState } from 'react'
import type { RunJson, TraceSummary } from '../../../shared/api'
import { useCollapsedNodes } from '../hooks/use-collapsed-nodes'
import type { SpanSearch } from '../hooks/use-span-search'
import { useTraceTree } from '../hooks/use-trace-tree'
import { formatCount, pluralize } from '../format'
import { navigate } from '../navigation'
import { traceHash } from '../route'
import { flattenVisible } from '../tree/build-tree'
import { ErrorNotice } from './ErrorNotice'
import { SpanTreeView } from './SpanTreeView'
import { StatusBadge } from './StatusBadge'

const NO_SEARCH: SpanSearch = { query: '', matches: [], matchKeys: new Set() }

/**
 * Shows the span tree of one of the run's traces as it grows, with a picker
 * when the run has several. The agent's own traces come first; the run's
 * own trace (named "loupe run …") contains the gateway calls that carried no
 * trace context. Clicking a span opens it in the trace view.
 */
export function RunTracePane({ run, traces }: { run: RunJson | null; traces: TraceSummary[] }) {
  const ordered = useMemo(() => orderTraces(traces), [traces])
  const [chosen, setChosen] = useState<string | null>(null)
  const traceId =
    chosen !== null && ordered.some((t) => t.traceId === chosen)
      ? chosen
      : (ordered[0]?.traceId ?? null)

  return (
    <section className="run-trace-pane" aria-label="Run traces" data-testid="run-traces">
      <div className="run-output-head">
        <h2>Trace</h2>
        {ordered.length > 1 && (
          <select
            value={traceId ?? ''}
            onChange={(event) => setChosen(event.target.value)}
            aria-label="Trace of this run"
          >
            {ordered.map((trace) => (
              <option key={trace.traceId} value={trace.traceId}>
                {trace.title || trace.rootName} ({pluralize(trace.spanCount, 'span')})
              </option>
            ))}
          </select>
        )}
        {traceId !== null && (
          <a href={traceHash(traceId)} data-testid="open-run-trace">
            Open in the trace view
          </a>
        )}
      </div>
      {run === null ? null : traceId === null ? (
        <p className="muted">
          {run.state === 'running'
            ? 'No spans yet. They appear here as the agent sends them.'
            : 'This run sent no spans.'}
        </p>
      ) : (
        <RunTraceTree key={traceId} traceId={traceId} />
      )}
    </section>
  )
}

function RunTraceTree({ traceId }: { traceId: string }) {
  const { data, tree, error } = useTraceTree(traceId)
  const expansion = useCollapsedNodes(tree)
  const rows = useMemo(
    () => (tree === null ? [] : flattenVisible(tree, expansion.collapsed)),
    [tree, expansion.collapsed],
  )
  if (data === null || tree === null) {
    if (error !== null)
      return <ErrorNotice title={`Could not load trace ${traceId}`} message={error} />
    return <p className="muted">Loading the trace…</p>
  }
  const openSpan = (key: string) => {
    const node = tree.byKey.get(key)
    if (node?.type === 'span') navigate(traceHash(traceId, node.span.spanId))
  }
  return (
    <>
      <p className="muted run-trace-summary">
        <StatusBadge status={data.trace.status} /> {pluralize(data.trace.spanCount, 'span')}
        {data.trace.modelCalls > 0 && `, ${pluralize(data.trace.modelCalls, 'model call')}`}
        {data.trace.toolCalls > 0 && `, ${pluralize(data.trace.toolCalls, 'tool call')}`}
        {data.trace.inProgressCount > 0 &&
          `, ${formatCount(data.trace.inProgressCount)} in progress`}
      </p>
      <SpanTreeView
        rows={rows}
        traceDurationMs={data.trace.durationMs}
        traceService={data.trace.serviceName}
        selectedKey={null}
        scrollRequest={null}
        search={NO_SEARCH}
        onSelect={openSpan}
        onMoveSelection={() => {}}
        setExpanded={expansion.setExpanded}
        openDetail={() => {}}
      />
    </>
  )
}

/** Puts the agent's own traces first (newest first), then the run's own trace. */
function orderTraces(traces: TraceSummary[]): TraceSummary[] {
  const isRunTrace = (trace: TraceSummary) => trace.rootName.startsWith('loupe run')
  return [...traces.filter((t) => !isRunTrace(t)), ...traces.filter(isRunTrace)]
}
