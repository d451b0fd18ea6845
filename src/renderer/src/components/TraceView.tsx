import { useCallback, useDeferredValue, useMemo, useState } from 'react'
import { useCollapsedNodes } from '../hooks/use-collapsed-nodes'
import { useSpanSearch } from '../hooks/use-span-search'
import { useSpanSelection } from '../hooks/use-span-selection'
import { useTraceExceptions } from '../hooks/use-trace-exceptions'
import { useTraceLogs } from '../hooks/use-trace-logs'
import { useTraceTree } from '../hooks/use-trace-tree'
import { flattenVisible, keysBelowLevel, keysWithAncestors } from '../tree/build-tree'
import { formatCount, pluralize } from '../format'
import { ErrorNotice } from './ErrorNotice'
import { isHexTraceId } from './OpenTraceBox'
import { SpanDetailPanel } from './SpanDetailPanel'
import { SpanTreeView } from './SpanTreeView'
import { TraceHeader } from './TraceHeader'
import { TreeToolbar } from './TreeToolbar'

/** Renders one trace: header, span tree with waterfall, and the selected span's detail. */
export function TraceView({ traceId, spanId }: { traceId: string; spanId: string | null }) {
  const { data, tree, loading, error, notFound, version, progress } = useTraceTree(traceId)
  const logs = useTraceLogs(traceId, version)
  const expansion = useCollapsedNodes(tree)
  const selection = useSpanSelection(traceId, tree, spanId, expansion.reveal)
  const [detailOpen, setDetailOpen] = useState(true)

  const [query, setQuery] = useState('')
  const [filterMatches, setFilterMatches] = useState(false)
  const [minLevel, setMinLevel] = useState(0)
  const hasLevels = useMemo(
    () =>
      tree !== null && [...tree.bySpanId.values()].some((nodes) => nodes[0]!.span.level !== null),
    [tree],
  )
  const hidden = useMemo(
    () => (tree === null || minLevel === 0 ? undefined : keysBelowLevel(tree, minLevel)),
    [tree, minLevel],
  )
  const search = useSpanSearch(tree, useDeferredValue(query), hidden)

  const keep = useMemo(
    () => (filterMatches && search.query !== '' ? keysWithAncestors(search.matches) : undefined),
    [filterMatches, search],
  )
  const rows = useMemo(
    () => (tree === null ? [] : flattenVisible(tree, expansion.collapsed, keep, hidden)),
    [tree, expansion.collapsed, keep, hidden],
  )
  const exceptions = useTraceExceptions(traceId, version)

  const { select } = selection
  const selectAndOpen = useCallback(
    (key: string, options?: { scroll?: boolean }) => {
      select(key, options)
      setDetailOpen(true)
    },
    [select],
  )
  const openDetail = useCallback(() => setDetailOpen(true), [])

  if (data === null || tree === null) {
    if (notFound) return <TraceNotFound traceId={traceId} />
    if (error !== null) {
      return (
        <main className="page">
          <ErrorNotice title={`Could not load trace ${traceId}`} message={error} />
        </main>
      )
    }
    return <main className="page muted">{loading ? 'Loading trace…' : ''}</main>
  }

  return (
    <main className="trace-page">
      <TraceHeader trace={data.trace} tree={tree} exceptions={exceptions} />
      {error !== null && <ErrorNotice title="Could not reload this trace" message={error} />}
      <div className={detailOpen ? 'trace-body with-detail' : 'trace-body'}>
        <section className="tree-pane" aria-label="Span tree">
          <TreeToolbar
            query={query}
            onQueryChange={setQuery}
            search={search}
            filterMatches={filterMatches}
            onFilterMatchesChange={setFilterMatches}
            selectedKey={selection.selectedKey}
            onJump={(key) => selectAndOpen(key, { scroll: true })}
            showLevelFilter={hasLevels || minLevel !== 0}
            minLevel={minLevel}
            onMinLevelChange={setMinLevel}
            levelsHidden={hidden?.size ?? 0}
            onExpandAll={expansion.expandAll}
            onCollapseAll={expansion.collapseAll}
            rows={rows}
            totalSpans={data.trace.spanCount}
            loadedSpans={tree.spanCount}
          />
          {progress !== null && (
            <p className="tree-loading muted" data-testid="tree-loading" role="status">
              loading {formatCount(progress.loadedSpans)} of{' '}
              {pluralize(progress.totalSpans, 'span')}…
            </p>
          )}
          <SpanTreeView
            rows={rows}
            traceDurationMs={data.trace.durationMs}
            traceService={data.trace.serviceName}
            selectedKey={selection.selectedKey}
            scrollRequest={selection.scrollRequest}
            search={search}
            onSelect={selectAndOpen}
            onMoveSelection={selection.select}
            setExpanded={expansion.setExpanded}
            openDetail={openDetail}
          />
        </section>
        {detailOpen && (
          <SpanDetailPanel
            traceId={traceId}
            tree={tree}
            node={selection.selectedNode}
            routeSpanId={spanId}
            logs={logs}
            version={version}
            onClose={() => setDetailOpen(false)}
          />
        )}
      </div>
    </main>
  )
}

function TraceNotFound({ traceId }: { traceId: string }) {
  if (!isHexTraceId(traceId)) {
    return (
      <main className="page">
        <section className="not-found" data-testid="trace-not-found">
          <h1>Invalid trace id</h1>
          <p>
            <code>{traceId}</code> is not a trace id: a trace id is hexadecimal (0-9, a-f), usually
            32 characters. Check the link, or open a trace from the trace list.
          </p>
          <p>
            <a href="#/">Back to the trace list</a>
          </p>
        </section>
      </main>
    )
  }
  return (
    <main className="page">
      <section className="not-found" data-testid="trace-not-found">
        <h1>Trace not found</h1>
        <p>
          Loupe has no trace with id <code>{traceId}</code>. If its spans are still on their way,
          this page loads the trace as soon as they arrive.
        </p>
        <p>
          <a href="#/">Back to the trace list</a>
        </p>
      </section>
    </main>
  )
}
