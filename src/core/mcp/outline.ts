// The compact trace that `show_trace` returns to a model: a header with the
// trace's GenAI totals, then the span tree with one line per span and short
// excerpts of prompts, replies, tool arguments and results. Large traces
// keep errors, agent runs, model calls and tool calls first, and state what
// was left out and how to see it.

import type { SpanJson, TraceSummary, TraceTree, TreeSpan } from '../../shared/api'
import { formatCost, formatDuration, oneLine, partsText, valueText } from './text'

export interface OutlineOptions {
  /** Maximum spans listed. Their ancestors are added so that the tree stays connected. */
  maxSpans: number
  /** Maximum length of an excerpt of a message, argument or result, in characters. */
  maxTextChars: number
  /** Returns the full span for excerpts, or null when it is gone. */
  spanDetail: (spanId: string) => SpanJson | null
}

/** Returns the trace as text: header, error, then the selected spans as an indented tree. */
export function outlineTrace(tree: TraceTree, options: OutlineOptions): string {
  const lines = traceHeader(tree.trace)
  const selected = selectSpans(tree.spans, options.maxSpans)
  const children = childrenOf(tree.spans)
  lines.push('', 'Spans: [span id] +start offset, duration, kind, title, figures')
  const printed = new Set<TreeSpan>()
  const visit = (root: TreeSpan) => {
    const stack: [TreeSpan, number][] = [[root, 0]]
    while (stack.length > 0) {
      const [span, depth] = stack.pop()!
      if (printed.has(span)) continue
      printed.add(span)
      const indent = '  '.repeat(depth)
      lines.push(`${indent}- ${spanLine(span)}`)
      for (const excerpt of excerpts(span, options)) lines.push(`${indent}    ${excerpt}`)
      const kids = children.get(span.spanId) ?? []
      const hidden = kids.filter((kid) => !selected.has(kid))
      if (hidden.length > 0) {
        const count = hidden.reduce((sum, kid) => sum + 1 + descendantCount(kid, children), 0)
        lines.push(`${indent}    (${count} more span${count === 1 ? '' : 's'} below, not shown)`)
      }
      const visible = kids.filter((kid) => selected.has(kid))
      for (let i = visible.length - 1; i >= 0; i--) stack.push([visible[i]!, depth + 1])
    }
  }
  const ids = new Set(tree.spans.map((span) => span.spanId))
  for (const span of tree.spans) {
    const orphan = span.parentSpanId === null || !ids.has(span.parentSpanId)
    if (orphan && selected.has(span)) visit(span)
  }
  // Spans in a parent cycle have no root to start from.
  for (const span of tree.spans) if (selected.has(span) && !printed.has(span)) visit(span)
  if (selected.size < tree.spans.length) {
    lines.push(
      '',
      `Showed ${selected.size} of ${tree.spans.length} spans. Call show_trace with a larger ` +
        'max_spans to see more, or get_span for one span in full.',
    )
  } else {
    lines.push('', 'Call get_span with a span id for its full attributes, messages and events.')
  }
  return lines.join('\n')
}

function traceHeader(trace: TraceSummary): string[] {
  const lines = [
    `Trace ${trace.traceId}: ${oneLine(trace.title, 200)}`,
    `service ${trace.serviceName ?? '-'}, started ${trace.startTime}, ` +
      `${formatDuration(trace.durationMs)}, ${trace.spanCount} spans` +
      (trace.errorCount > 0 ? `, ${trace.errorCount} with error status` : '') +
      (trace.complete ? '' : ', root span not received (yet)'),
  ]
  const genai: string[] = []
  if (trace.agentName) genai.push(`agent ${trace.agentName}`)
  if (trace.models.length > 0) genai.push(`models ${trace.models.join(', ')}`)
  if (trace.modelCalls > 0 || trace.toolCalls > 0) {
    genai.push(`${trace.modelCalls} model calls, ${trace.toolCalls} tool calls`)
  }
  if (trace.toolRetries > 0) genai.push(`${trace.toolRetries} tool retries`)
  if (trace.modelRetries > 0) genai.push(`${trace.modelRetries} model retries`)
  if (trace.inputTokens > 0 || trace.outputTokens > 0) {
    genai.push(`tokens ${trace.inputTokens} in, ${trace.outputTokens} out`)
  }
  if (trace.costUsd !== null) genai.push(`cost ${formatCost(trace.costUsd)}`)
  if (trace.unpricedCalls > 0) genai.push(`${trace.unpricedCalls} calls without a price`)
  if (genai.length > 0) lines.push(genai.join(', '))
  lines.push(`status ${trace.status}, error class ${trace.errorClass}`)
  if (trace.error) {
    const error = trace.error
    const errorText = [error.exceptionType, error.message].filter((part) => part).join(': ')
    lines.push(
      `error: ${oneLine(errorText || 'no message', 400)}` +
        (error.spanId ? ` (span ${error.spanId})` : '') +
        (error.toolName ? ` in tool ${error.toolName}` : '') +
        (error.providerStatus !== null ? `, provider HTTP ${error.providerStatus}` : ''),
    )
  }
  if (trace.unnormalizedSpans > 0) {
    lines.push(`note: ${trace.unnormalizedSpans} spans are not normalized yet, so figures may grow`)
  }
  return lines
}

function spanLine(span: TreeSpan): string {
  const parts = [
    `[${span.spanId}]`,
    `+${formatDuration(span.startOffsetMs)}`,
    span.inProgress ? 'running' : formatDuration(span.durationMs),
    span.kind,
    oneLine(span.title, 120),
  ]
  if (span.model) parts.push(`model ${span.model}`)
  if (span.inputTokens !== null || span.outputTokens !== null) {
    parts.push(`tokens ${span.inputTokens ?? 0} in, ${span.outputTokens ?? 0} out`)
  }
  if (span.costUsd !== null) parts.push(formatCost(span.costUsd))
  if (span.status === 'error') parts.push('ERROR')
  if (span.errorClass !== 'none') parts.push(`error class ${span.errorClass}`)
  if (span.retried) parts.push('retried')
  return parts.join(' ')
}

/** Returns the excerpt lines of a span: messages of a model call, payloads of a tool call, its error. */
function excerpts(span: TreeSpan, options: OutlineOptions): string[] {
  const hasExcerpts = span.kind === 'model' || span.kind === 'tool' || span.status === 'error'
  if (!hasExcerpts) return []
  const detail = options.spanDetail(span.spanId)
  if (!detail) return []
  const max = options.maxTextChars
  const lines: string[] = []
  if (detail.kind === 'model') {
    const lastInput = detail.inputMessages?.at(-1)
    if (lastInput)
      lines.push(`last input (${lastInput.role}): ${oneLine(partsText(lastInput.parts), max)}`)
    for (const message of detail.outputMessages ?? []) {
      lines.push(`output (${message.role}): ${oneLine(partsText(message.parts), max)}`)
    }
  }
  if (detail.kind === 'tool') {
    if (detail.toolArguments !== null) {
      lines.push(`arguments: ${oneLine(valueText(detail.toolArguments), max)}`)
    }
    if (detail.toolResult !== null)
      lines.push(`result: ${oneLine(valueText(detail.toolResult), max)}`)
  }
  if (detail.status === 'error') {
    const exception = detail.events.find((event) => event.name === 'exception')
    const type = exception?.attributes['exception.type']
    const message = exception?.attributes['exception.message'] ?? detail.statusMessage
    const text = [type, message].filter((part) => part !== undefined && part !== '').map(String)
    if (text.length > 0) lines.push(`error: ${oneLine(text.join(': '), max)}`)
  }
  return lines
}

/** Importance of a span when a trace has more spans than fit: lower comes first. */
function rank(span: TreeSpan): number {
  if (span.status === 'error' || span.errorClass !== 'none') return 0
  if (span.kind === 'agent') return 1
  if (span.kind === 'model' || span.kind === 'tool') return 2
  return 3
}

/**
 * Picks up to `maxSpans` spans by rank, then adds every ancestor of a picked
 * span, so the result may exceed `maxSpans` by the depth of the tree.
 */
function selectSpans(spans: TreeSpan[], maxSpans: number): Set<TreeSpan> {
  if (spans.length <= maxSpans) return new Set(spans)
  const byId = new Map(spans.map((span) => [span.spanId, span]))
  const ordered = spans
    .map((span, index) => ({ span, index }))
    .sort((a, b) => rank(a.span) - rank(b.span) || a.index - b.index)
  const selected = new Set<TreeSpan>()
  for (const { span } of ordered.slice(0, maxSpans)) {
    let current: TreeSpan | undefined = span
    while (current && !selected.has(current)) {
      selected.add(current)
      current = current.parentSpanId === null ? undefined : byId.get(current.parentSpanId)
    }
  }
  return selected
}

function childrenOf(spans: TreeSpan[]): Map<string, TreeSpan[]> {
  const children = new Map<string, TreeSpan[]>()
  for (const span of spans) {
    if (span.parentSpanId === null || span.parentSpanId === span.spanId) continue
    const siblings = children.get(span.parentSpanId)
    if (siblings) siblings.push(span)
    else children.set(span.parentSpanId, [span])
  }
  return children
}

/** Counts the descendants of a span, following each span once so that a cycle ends. */
function descendantCount(span: TreeSpan, children: Map<string, TreeSpan[]>): number {
  const seen = new Set<TreeSpan>([span])
  const stack = [...(children.get(span.spanId) ?? [])]
  while (stack.length > 0) {
    const next = stack.pop()!
    if (seen.has(next)) continue
    seen.add(next)
    stack.push(...(children.get(next.spanId) ?? []))
  }
  return seen.size - 1
}
