import { useId, useState } from 'react'
import type { SpanJson } from '../../../shared/api'
import type { TraceLogsState } from '../hooks/use-trace-logs'
import { navigate } from '../navigation'
import { callHash } from '../route'
import type { SpanTree } from '../tree/build-tree'
import { ConversationView, hasConversation } from './ConversationView'
import { ErrorClassBadge } from './ErrorClassBadge'
import { IngestInspector } from './IngestInspector'
import { KindTag } from './KindTag'
import { LevelTag } from './LevelTag'
import { SpanRawDetail } from './SpanRawDetail'
import { SpanSummary } from './SpanSummary'
import { StatusBadge } from './StatusBadge'

export interface SpanDetailProps {
  span: SpanJson
  traceId: string
  tree: SpanTree
  logs: TraceLogsState
}

type DetailTab = 'conversation' | 'raw' | 'ingest'

const TAB_LABELS: Record<DetailTab, string> = {
  conversation: 'Conversation',
  raw: 'Raw',
  ingest: 'Ingest',
}

/**
 * Renders one span: its title and badges, what it is in agent terms, and tabs for
 * the conversation (model calls and agent runs with messages), everything
 * stored for it (Raw) and what the normalizer made of it (Ingest).
 */
export function SpanDetail({ span, traceId, tree, logs }: SpanDetailProps) {
  const tabs = tabsFor(span)
  // The chosen tab belongs to one span; another span starts on its own default.
  const [chosen, setChosen] = useState<{ spanId: string; tab: DetailTab } | null>(null)
  const tab = chosen !== null && chosen.spanId === span.spanId ? chosen.tab : tabs[0]!
  // Several spans can share an id, so element ids come from React instead.
  const idPrefix = useId()

  return (
    <article className="span-detail">
      <SpanHeading span={span} />
      {span.kind === 'model' && (
        <div className="span-actions">
          <button
            type="button"
            onClick={() => navigate(callHash(traceId, span.spanId))}
            title="Edit this call's messages, tools and settings, and run it again against the mock or the real provider"
            data-testid="open-call"
          >
            Open in playground
          </button>
        </div>
      )}
      <SpanSummary span={span} traceId={traceId} tree={tree} />
      <div className="detail-tabs" role="tablist" aria-label="Span detail views">
        {tabs.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${name}`}
            aria-selected={name === tab}
            aria-controls={`${idPrefix}-panel`}
            className={name === tab ? 'detail-tab selected' : 'detail-tab'}
            onClick={() => setChosen({ spanId: span.spanId, tab: name })}
          >
            {TAB_LABELS[name]}
            {name === 'ingest' && (span.inspector?.unknown.length ?? 0) > 0 && (
              <span className="tab-count" title="GenAI keys that Loupe does not map">
                {span.inspector!.unknown.length}
              </span>
            )}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${tab}`}>
        {tab === 'conversation' && <ConversationView span={span} />}
        {tab === 'raw' && <SpanRawDetail span={span} traceId={traceId} tree={tree} logs={logs} />}
        {tab === 'ingest' && <IngestInspector inspection={span.inspector} />}
      </div>
    </article>
  )
}

/** Returns the tabs of a span, its default first: the conversation when there is one, else Raw. */
function tabsFor(span: SpanJson): DetailTab[] {
  const conversation = (span.kind === 'model' || span.kind === 'agent') && hasConversation(span)
  return conversation ? ['conversation', 'raw', 'ingest'] : ['raw', 'ingest']
}

function SpanHeading({ span }: { span: SpanJson }) {
  const name = span.name || '(no name)'
  const titled = span.title !== '' && span.title !== span.name
  return (
    <>
      {titled ? (
        <>
          <h2 className="span-title-heading">{span.title}</h2>
          <p className="span-name-line">
            <span className="muted">span name </span>
            <code data-testid="span-detail-name">{name}</code>
          </p>
        </>
      ) : (
        <h2 data-testid="span-detail-name">{name}</h2>
      )}
      <div className="detail-badges">
        <KindTag kind={span.kind} />
        {span.level !== null && <LevelTag level={span.level} />}
        <StatusBadge status={span.status} />
        {span.retried && (
          <span
            className="badge retried"
            title="This attempt failed and the model was asked to retry; the run went on"
          >
            retried
          </span>
        )}
        <ErrorClassBadge errorClass={span.errorClass} />
        {span.inProgress && <span className="badge running">running</span>}
      </div>
    </>
  )
}
