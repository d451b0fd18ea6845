// Turns a span the writer just stored into the row the live tail shows. The
// fields come from the same attribute keys and rules as the trace view's
// normalizer. Messages, usage and tool arguments are not read, because the
// tail does not show them and every stored span passes through here.

import type { TailSpan } from '../../shared/tail'
import { detectKind } from '../genai/detect'
import { classifyError, isControlFlow, isRetryError } from '../genai/errors'
import { AGENT_KEYS, MODEL_KEYS, recordedError, TOOL_NAME_KEYS } from '../genai/normalize'
import { stringAt } from '../genai/values'
import { nsDurationMs, nsToIso, spanKindName, statusName, type StoredEvent } from '../store/queries'
import type { StoredSpan } from '../store/writer'

export function toTailSpan(stored: StoredSpan, seq: number): TailSpan {
  const { span, resource, scope } = stored
  const attributes = span.attributes.values
  const kind = detectKind({ name: span.name, scopeName: scope.name, attributes })
  const error = recordedError({
    name: span.name,
    scopeName: scope.name,
    attributes,
    // Only exception events matter for the error.
    events: span.events.filter((event) => event.name === 'exception').map(storedEvent),
    statusCode: span.statusCode,
    statusMessage: span.statusMessage,
    spanKind: span.kind,
  })
  // A tool attempt the model was asked to retry, or a deferred call, did not fail the run.
  const retried = kind === 'tool' && error !== null && (isRetryError(error) || isControlFlow(error))
  const service = resource.attributes.values['service.name']
  return {
    seq,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    title: stringAt(attributes, 'logfire.msg') ?? span.name,
    serviceName: typeof service === 'string' ? service : null,
    spanKind: spanKindName(span.kind),
    kind,
    status: statusName(span.statusCode),
    startTime: nsToIso(span.startTimeUnixNano),
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    durationMs: nsDurationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    agentName:
      stringAt(attributes, ...AGENT_KEYS) ??
      (kind === 'agent' ? stringAt(attributes, 'traceloop.entity.name') : null),
    model: stringAt(attributes, ...MODEL_KEYS),
    toolName: kind === 'tool' ? stringAt(attributes, ...TOOL_NAME_KEYS) : null,
    errorClass: error !== null && !retried ? classifyError(error, kind) : 'none',
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
