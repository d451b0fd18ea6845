import { useMemo } from 'react'
import type { SpanJson } from '../../../shared/api'
import { formatDuration, formatSpanKind, nanosToIso } from '../format'
import type { TraceLogsState } from '../hooks/use-trace-logs'
import { traceHash } from '../route'
import type { SpanTree } from '../tree/build-tree'
import { AttributeTable } from './AttributeTable'
import { CopyButton } from './CopyButton'
import { DroppedCount } from './DroppedCount'
import { EventList } from './EventList'
import { LinkList } from './LinkList'
import { SpanLogs } from './SpanLogs'

export interface SpanRawDetailProps {
  span: SpanJson
  traceId: string
  tree: SpanTree
  logs: TraceLogsState
}

/** Everything stored for one span, section by section, as OpenTelemetry sent it. */
export function SpanRawDetail({ span, traceId, tree, logs }: SpanRawDetailProps) {
  const unknownKeys = useMemo(() => new Set(span.inspector?.unknown ?? []), [span.inspector])
  return (
    <div className="span-raw" data-testid="span-raw">
      <SpanFields span={span} traceId={traceId} tree={tree} />

      <details open className="detail-section">
        <summary>Attributes ({Object.keys(span.attributes).length})</summary>
        <AttributeTable attributes={span.attributes} searchable unknownKeys={unknownKeys} />
        <DroppedCount count={span.droppedAttributesCount} noun="attribute" />
      </details>

      {(span.events.length > 0 || span.droppedEventsCount > 0) && (
        <details open className="detail-section">
          <summary>Events ({span.events.length})</summary>
          <EventList events={span.events} spanStartUnixNano={span.startTimeUnixNano} />
          <DroppedCount count={span.droppedEventsCount} noun="event" />
        </details>
      )}

      {(span.links.length > 0 || span.droppedLinksCount > 0) && (
        <details open className="detail-section">
          <summary>Links ({span.links.length})</summary>
          <LinkList links={span.links} traceId={traceId} tree={tree} />
          <DroppedCount count={span.droppedLinksCount} noun="link" />
        </details>
      )}

      <details open className="detail-section">
        <summary>Logs</summary>
        <SpanLogs logs={logs} spanId={span.spanId} />
      </details>

      <details open className="detail-section">
        <summary>Resource ({Object.keys(span.resource.attributes).length})</summary>
        <AttributeTable attributes={span.resource.attributes} />
        <DroppedCount count={span.resource.droppedAttributesCount} noun="resource attribute" />
        {span.resource.schemaUrl !== '' && (
          <p className="muted">Schema: {span.resource.schemaUrl}</p>
        )}
      </details>

      <details open className="detail-section">
        <summary>Instrumentation scope</summary>
        <dl className="fields">
          <dt>Name</dt>
          <dd>{span.scope.name || <span className="muted">(empty)</span>}</dd>
          <dt>Version</dt>
          <dd>{span.scope.version || <span className="muted">(empty)</span>}</dd>
          {span.scope.schemaUrl !== '' && (
            <>
              <dt>Schema</dt>
              <dd>{span.scope.schemaUrl}</dd>
            </>
          )}
        </dl>
        {Object.keys(span.scope.attributes).length > 0 && (
          <AttributeTable attributes={span.scope.attributes} />
        )}
        <DroppedCount count={span.scope.droppedAttributesCount} noun="scope attribute" />
      </details>
    </div>
  )
}

function SpanFields({ span, traceId, tree }: { span: SpanJson; traceId: string; tree: SpanTree }) {
  const parentKnown = span.parentSpanId !== null && tree.bySpanId.has(span.parentSpanId)
  return (
    <dl className="fields">
      <dt>Span id</dt>
      <dd>
        <code>{span.spanId}</code> <CopyButton text={span.spanId} />
      </dd>
      <dt>Parent</dt>
      <dd>
        {span.parentSpanId === null ? (
          <span className="muted">none (root)</span>
        ) : parentKnown && span.parentSpanId !== span.spanId ? (
          <a href={traceHash(traceId, span.parentSpanId)}>
            <code>{span.parentSpanId}</code>
          </a>
        ) : (
          <>
            <code>{span.parentSpanId}</code>{' '}
            <span className="muted">
              {span.parentSpanId === span.spanId ? '(the span itself)' : '(not received)'}
            </span>
          </>
        )}
      </dd>
      <dt>Kind</dt>
      <dd data-testid="span-kind">{formatSpanKind(span.spanKind, span.spanKindCode)}</dd>
      <dt>Service</dt>
      <dd>{span.serviceName ?? <span className="muted">unknown</span>}</dd>
      <dt>Start</dt>
      <dd>
        <TimeValue unixNano={span.startTimeUnixNano} />
      </dd>
      <dt>End</dt>
      <dd>
        {span.inProgress ? (
          <span className="muted">not ended yet</span>
        ) : (
          <TimeValue unixNano={span.endTimeUnixNano} />
        )}
      </dd>
      <dt>Duration</dt>
      <dd>{span.inProgress ? 'running' : formatDuration(span.durationMs)}</dd>
      <dt>Status</dt>
      <dd>
        {span.status}
        {span.statusMessage !== '' && (
          <span className="status-message">: {span.statusMessage}</span>
        )}
      </dd>
      {span.traceState !== '' && (
        <>
          <dt>Trace state</dt>
          <dd>
            <code>{span.traceState}</code>
          </dd>
        </>
      )}
      {span.flags !== 0 && (
        <>
          <dt>Flags</dt>
          <dd>0x{span.flags.toString(16).padStart(2, '0')}</dd>
        </>
      )}
    </dl>
  )
}

function TimeValue({ unixNano }: { unixNano: string }) {
  return (
    <span className="time-value">
      {nanosToIso(unixNano)} <span className="muted">({unixNano} ns)</span>
    </span>
  )
}
