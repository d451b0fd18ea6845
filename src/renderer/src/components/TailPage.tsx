import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { OperationKind } from '../../../shared/genai'
import type { TailSpan } from '../../../shared/tail'
import { formatCount, formatDuration, formatLocalTime, pluralize } from '../format'
import { useSessionState } from '../hooks/use-session-state'
import { useTail, type TailState } from '../hooks/use-tail'
import { navigate } from '../navigation'
import { traceHash } from '../route'
import { NO_TAIL_FILTER, SHOWN_LIMIT, type TailFilter } from '../tail-buffer'
import { ErrorClassBadge } from './ErrorClassBadge'
import { KindTag } from './KindTag'
import { ServiceSelect } from './ServiceSelect'
import { StatusBadge } from './StatusBadge'
import '../tail-logs-sessions.css'

const ROW_HEIGHT = 30
const KINDS: (OperationKind | 'all')[] = ['all', 'agent', 'model', 'tool', 'other']

/**
 * Renders the live tail: spans as the core stores them, filterable and
 * pausable, newest at the top or the bottom. A click opens the span in its
 * trace.
 */
export function TailPage() {
  const [filter, setFilter] = useSessionState<TailFilter>(
    'loupe.tailFilter',
    NO_TAIL_FILTER,
    isTailFilter,
  )
  const [newestFirst, setNewestFirst] = useSessionState<boolean>(
    'loupe.tailNewestFirst',
    true,
    (value): value is boolean => typeof value === 'boolean',
  )
  const [paused, setPaused] = useState(false)
  const tail = useTail(filter, paused)
  const { buffer } = tail
  const spans = useMemo(
    () => (newestFirst ? [...buffer.shown].reverse() : buffer.shown),
    // The buffer changes in place, and `version` changes with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [buffer, tail.version, newestFirst],
  )
  const services = [...buffer.services].sort()

  return (
    <main className="page tail-page">
      <div className="list-toolbar">
        <h1>Live tail</h1>
        <TailStatus tail={tail} />
      </div>
      <div className="trace-filters tail-filters" role="search">
        <button
          type="button"
          className={paused ? 'primary' : undefined}
          onClick={() => setPaused(!paused)}
          data-testid="tail-pause"
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
        <ServiceSelect
          services={services}
          value={filter.service}
          onChange={(service) => setFilter({ ...filter, service })}
        />
        <label>
          Kind
          <select
            aria-label="Filter by kind"
            value={filter.kind}
            onChange={(event) =>
              setFilter({ ...filter, kind: event.target.value as TailFilter['kind'] })
            }
          >
            {KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind === 'all' ? 'all kinds' : kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={filter.errorsOnly}
            onChange={(event) => setFilter({ ...filter, errorsOnly: event.target.checked })}
          />
          Errors only
        </label>
        <input
          type="search"
          className="trace-text-filter"
          aria-label="Filter spans by text"
          placeholder="Filter by name, service, agent, model, tool or trace id"
          value={filter.text}
          onChange={(event) => setFilter({ ...filter, text: event.target.value })}
          spellCheck={false}
        />
        <label>
          <input
            type="checkbox"
            checked={newestFirst}
            onChange={(event) => setNewestFirst(event.target.checked)}
          />
          Newest at top
        </label>
      </div>
      {paused && (
        <p className="tail-paused" data-testid="tail-paused">
          Paused: {pluralize(buffer.heldCount, 'new span')} arrived,{' '}
          {formatCount(buffer.held.length + buffer.heldDropped)} matching the filter.
          {buffer.heldDropped > 0 &&
            ` Resume shows the last ${formatCount(SHOWN_LIMIT)}; ${formatCount(buffer.heldDropped)} older ones are not kept.`}
        </p>
      )}
      <TailList spans={spans} newestFirst={newestFirst} />
      <p className="muted tail-note">
        Shows the last {formatCount(SHOWN_LIMIT)} matching spans; a changed filter applies to the
        spans on the list and the last 5,000 received. Spans that are still running (Logfire pending
        spans) appear when they end.
      </p>
    </main>
  )
}

function TailStatus({ tail }: { tail: TailState }) {
  const { buffer } = tail
  return (
    <span className="tail-status" data-testid="tail-status">
      <span className={`push-state push-${tail.connection}`}>
        {tail.connection === 'live' ? 'live' : tail.connection}
      </span>
      <span data-testid="tail-received">{pluralize(buffer.received, 'span')} received</span>
      {buffer.missed > 0 && (
        <span
          className="error-count"
          data-testid="tail-missed"
          title={`The page fell behind by more than the ${formatCount(tail.capacity ?? 0)} spans the core keeps, or no page followed the tail for a minute`}
        >
          {pluralize(buffer.missed, 'span')} missed
        </span>
      )}
      {tail.restarts > 0 && (
        <span className="error-count" title="Spans stored while the core restarted are not shown">
          stream restarted {pluralize(tail.restarts, 'time')}
        </span>
      )}
      {tail.delayMs !== null && (
        <span
          className="muted"
          data-testid="tail-delay"
          title="Time between the core storing the newest span and this page receiving it"
        >
          delay {formatDuration(Math.max(0, tail.delayMs))}
        </span>
      )}
      {tail.error !== null && tail.connection === 'reconnecting' && (
        <span className="muted">({tail.error})</span>
      )}
    </span>
  )
}

function TailList({ spans, newestFirst }: { spans: TailSpan[]; newestFirst: boolean }) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: spans.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => spans[index]!.seq,
    overscan: 10,
    useFlushSync: false,
  })
  // With the newest at the bottom, follow new spans while the list is scrolled to its end.
  const atEnd = useRef(true)
  useEffect(() => {
    if (!newestFirst && atEnd.current && spans.length > 0) {
      virtualizer.scrollToIndex(spans.length - 1, { align: 'end' })
    }
  }, [spans, newestFirst, virtualizer])

  if (spans.length === 0) {
    return <p className="muted">No spans yet. New spans show here as Loupe stores them.</p>
  }
  return (
    <div className="tail-table" role="table" aria-label="Live spans">
      <div className="tail-row tail-head" role="row">
        <span role="columnheader">Start</span>
        <span role="columnheader">Span</span>
        <span role="columnheader">Service</span>
        <span role="columnheader">Kind</span>
        <span role="columnheader">Agent / model</span>
        <span role="columnheader" className="number">
          Duration
        </span>
        <span role="columnheader">Status</span>
      </div>
      <div
        ref={scrollRef}
        className="tail-scroll"
        onScroll={(event) => {
          const element = event.currentTarget
          atEnd.current =
            element.scrollTop + element.clientHeight >= element.scrollHeight - ROW_HEIGHT
        }}
        data-testid="tail-list"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => (
            <TailRow key={item.key} span={spans[item.index]!} top={item.start} />
          ))}
        </div>
      </div>
    </div>
  )
}

function TailRow({ span, top }: { span: TailSpan; top: number }) {
  const href = traceHash(span.traceId, span.spanId)
  const failed = span.status === 'error' || span.errorClass !== 'none'
  const subject = [span.agentName, span.model ?? span.toolName].filter(Boolean).join(' / ')
  return (
    <div
      className={failed ? 'tail-row failed' : 'tail-row'}
      role="row"
      tabIndex={0}
      style={{ top, height: ROW_HEIGHT }}
      onClick={() => navigate(href)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') navigate(href)
      }}
      data-testid="tail-row"
      data-span-id={span.spanId}
      data-trace-id={span.traceId}
    >
      <span role="cell">
        <time
          dateTime={span.startTime}
          title={`Started ${span.startTime}, stored ${new Date(span.receivedMs).toISOString()}`}
        >
          {formatLocalTime(span.startTime)}
        </time>
      </span>
      <span role="cell" className="tail-name" title={span.title}>
        <a href={href} tabIndex={-1}>
          {span.title || span.name || '(no name)'}
        </a>
      </span>
      <span role="cell" className="tail-service">
        {span.serviceName ?? <span className="muted">unknown</span>}
      </span>
      <span role="cell">
        <KindTag kind={span.kind} />
        {span.kind === 'other' && <span className="muted">{span.spanKind}</span>}
      </span>
      <span role="cell" className="tail-subject" title={subject}>
        {subject}
      </span>
      <span role="cell" className="number">
        {formatDuration(span.durationMs)}
      </span>
      <span role="cell" className="tail-status-cell">
        <StatusBadge status={span.status} />
        <ErrorClassBadge errorClass={span.errorClass} />
      </span>
    </div>
  )
}

function isTailFilter(value: unknown): value is TailFilter {
  return (
    typeof value === 'object' &&
    value !== null &&
    'service' in value &&
    typeof value.service === 'string' &&
    'text' in value &&
    typeof value.text === 'string' &&
    'errorsOnly' in value &&
    typeof value.errorsOnly === 'boolean' &&
    'kind' in value &&
    KINDS.includes(value.kind as TailFilter['kind'])
  )
}
