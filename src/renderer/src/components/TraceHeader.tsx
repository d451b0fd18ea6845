import { useMemo } from 'react'
import type { TraceSummary } from '../../../shared/api'
import { formatCount, formatDuration, formatLocalTime, pluralize } from '../format'
import type { TraceExceptionsState } from '../hooks/use-trace-exceptions'
import { navigate } from '../navigation'
import { checkHash, replayHash } from '../route'
import type { SpanMark, SpanTree } from '../tree/build-tree'
import { CopyButton } from './CopyButton'
import { ExceptionGroups } from './ExceptionGroups'
import { ErrorEvidenceView } from './ErrorEvidenceView'
import { StatusBadge } from './StatusBadge'
import { TraceFigures } from './TraceFigures'
import { TraceSessionLink } from './TraceSessionLink'

/**
 * Renders the trace's summary: root name, id, service, start, duration,
 * counts and tree problems, then its agent figures (calls, tokens, cost),
 * the evidence for its error class and its exceptions. Its Replay button
 * opens the playground's replay form for the trace, and its Check button the
 * trace's production-readiness check.
 */
export function TraceHeader({
  trace,
  tree,
  exceptions,
}: {
  trace: TraceSummary
  tree: SpanTree
  exceptions: TraceExceptionsState
}) {
  const problems = useMemo(() => describeTreeProblems(tree), [tree])
  // Logfire names spans by their message template, so the root's formatted title says more.
  const rootTitle =
    trace.rootSpanId === null ? undefined : tree.bySpanId.get(trace.rootSpanId)?.[0]?.span.title

  return (
    <header className="trace-header">
      <div className="trace-title">
        <h1>{trace.rootName || '(no name)'}</h1>
        {rootTitle !== undefined && rootTitle !== '' && rootTitle !== trace.rootName && (
          <span className="trace-root-title" title="The root span's formatted message">
            {rootTitle}
          </span>
        )}
        <StatusBadge status={trace.status} />
        {!trace.complete && (
          <span className="badge warn" title="No root span has arrived for this trace yet">
            incomplete
          </span>
        )}
        {trace.inProgressCount > 0 && (
          <span className="badge running">{formatCount(trace.inProgressCount)} running</span>
        )}
        <span className="toolbar-spacer" />
        <button
          type="button"
          onClick={() => navigate(replayHash(trace.traceId))}
          title="Run the agent again in the playground, against this trace's recorded model replies"
          data-testid="replay-trace"
        >
          Replay
        </button>
        <button
          type="button"
          onClick={() => navigate(checkHash(trace.traceId))}
          title="Check this trace against a production checklist for agent services"
          data-testid="check-trace"
        >
          Check
        </button>
      </div>
      <dl className="trace-meta">
        <div>
          <dt>Trace</dt>
          <dd>
            <code data-testid="trace-id">{trace.traceId}</code>
            <CopyButton text={trace.traceId} />
          </dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>{trace.serviceName ?? 'unknown'}</dd>
        </div>
        <div>
          <dt>Start</dt>
          <dd>
            <time dateTime={trace.startTime} title={trace.startTime}>
              {formatLocalTime(trace.startTime)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(trace.durationMs)}</dd>
        </div>
        <div>
          <dt>Spans</dt>
          <dd data-testid="trace-span-count">{pluralize(trace.spanCount, 'span')}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd className={trace.errorCount > 0 ? 'error-count' : undefined}>
            {pluralize(trace.errorCount, 'error')}
          </dd>
        </div>
      </dl>
      <TraceSessionLink traceId={trace.traceId} reloadKey={trace.updatedAt} />
      {problems.length > 0 && (
        <p className="tree-problems" title="Problems in the parent links of this trace's spans">
          Tree: {problems.join(', ')}
        </p>
      )}
      <TraceFigures trace={trace} />
      {trace.unnormalizedSpans === 0 && trace.error !== null && (
        <ErrorEvidenceView evidence={trace.error} traceId={trace.traceId} />
      )}
      <ExceptionGroups traceId={trace.traceId} exceptions={exceptions} />
    </header>
  )
}

const PROBLEM_NOUNS: [SpanMark, string, string][] = [
  ['cycle', 'parent cycle', 'parent cycles'],
  ['self-parent', 'span is its own parent', 'spans are their own parent'],
  ['duplicate-id', 'span with a duplicate id', 'spans with duplicate ids'],
  ['skew', 'span starts before its parent', 'spans start before their parent'],
  ['zero-time', 'span with a zero timestamp', 'spans with zero timestamps'],
]

function describeTreeProblems(tree: SpanTree): string[] {
  const counts = new Map<SpanMark, number>()
  let missingParents = 0
  for (const node of tree.byKey.values()) {
    if (node.type === 'missing-parent') {
      missingParents++
      continue
    }
    for (const mark of node.marks) counts.set(mark, (counts.get(mark) ?? 0) + 1)
  }
  const problems: string[] = []
  if (missingParents > 0) {
    problems.push(pluralize(missingParents, 'missing parent'))
  }
  for (const [mark, singular, plural] of PROBLEM_NOUNS) {
    const count = counts.get(mark) ?? 0
    if (count > 0) problems.push(pluralize(count, singular, plural))
  }
  return problems
}
