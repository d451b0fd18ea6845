// Turns a span the writer just stored into the row the live tail shows. The
// span is read with the same normalizer as the trace view, without its
// messages, so kind, agent, model and title match what the trace shows.

import type { TailSpan } from '../../shared/tail'
import { classifyError, isControlFlow } from '../genai/errors'
import { normalizeSpan } from '../genai/normalize'
import { nsDurationMs, nsToIso, spanKindName, statusName, type StoredEvent } from '../store/queries'
import type { StoredSpan } from '../store/writer'

export function toTailSpan(stored: StoredSpan, seq: number): TailSpan {
  const { span, resource, scope } = stored
  const normalized = normalizeSpan(
    {
      name: span.name,
      scopeName: scope.name,
      attributes: span.attributes.values,
      events: span.events.map(storedEvent),
      statusCode: span.statusCode,
      statusMessage: span.statusMessage,
      spanKind: span.kind,
    },
    { content: false },
  )
  const error = normalized.error
  const failed = error !== null && !normalized.retried && !isControlFlow(error)
  const service = resource.attributes.values['service.name']
  return {
    seq,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    title: normalized.title,
    serviceName: typeof service === 'string' ? service : null,
    spanKind: spanKindName(span.kind),
    kind: normalized.kind,
    status: statusName(span.statusCode),
    startTime: nsToIso(span.startTimeUnixNano),
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    durationMs: nsDurationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    agentName: normalized.agentName,
    model: normalized.model,
    toolName: normalized.toolName,
    errorClass: failed ? classifyError(error, normalized.kind) : 'none',
    receivedMs: stored.receivedMs,
  }
}

function storedEvent(event: StoredSpan['span']['events'][number]): StoredEvent {
  return {
    timeUnixNano: event.timeUnixNano.toString(),
    name: event.name,
    attributes: event.attributes.values,
    droppedAttributesCount: event.droppedAttributesCount,
  }
}
