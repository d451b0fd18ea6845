// Plain-text output of the CLI: a table of traces and an indented span tree.

import type { SpanJson, TraceDetail, TraceSummary } from '../shared/api'

export function formatDuration(ms: number): string {
  if (ms < 0) return 'invalid (ends before it starts)'
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

function statusLabel(trace: TraceSummary): string {
  if (trace.status === 'error')
    return trace.errorClass === 'none' ? 'ERROR' : `ERROR ${trace.errorClass}`
  if (trace.errorCount > 0) return `${trace.status}, ${trace.errorCount} err`
  if (!trace.complete) return 'incomplete'
  return trace.status
}

/**
 * Make telemetry text safe for a terminal: control characters (escape
 * sequences could retitle or clear it) are shown as \xNN.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
}

/**
 * Formats traces as a table. `detail` may return a line to print under a
 * trace's row, such as where a search matched.
 */
export function formatTraceTable(
  traces: TraceSummary[],
  detail: (trace: TraceSummary) => string | null = () => null,
): string {
  if (traces.length === 0)
    return 'No traces yet. Point an agent at Loupe: see `loupe serve --help`.'
  const rows = traces.map((t) => [
    t.traceId,
    t.startTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatDuration(t.durationMs),
    String(t.spanCount),
    statusLabel(t),
    printable(t.serviceName ?? '-'),
    printable(t.title),
  ])
  const header = ['TRACE', 'START', 'DURATION', 'SPANS', 'STATUS', 'SERVICE', 'ROOT']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')
  const lines = [line(header)]
  rows.forEach((row, index) => {
    lines.push(line(row))
    const extra = detail(traces[index]!)
    if (extra !== null) lines.push(extra)
  })
  return lines.join('\n')
}

/** Format the trace as an indented tree, marking cycles and missing parents instead of following them. */
export function formatTraceTree(detail: TraceDetail): string {
  const { trace, spans } = detail
  const lines = [
    `${printable(trace.title)}  ${trace.traceId}`,
    `${trace.spanCount} spans, ${formatDuration(trace.durationMs)}, service ${printable(trace.serviceName ?? '-')}, ` +
      `started ${trace.startTime}${trace.complete ? '' : ', root not received yet'}`,
    '',
  ]
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string, SpanJson[]>()
  const roots: SpanJson[] = []
  for (const span of spans) {
    const parent = span.parentSpanId
    if (parent === null || parent === span.spanId || !ids.has(parent)) roots.push(span)
    else {
      const siblings = children.get(parent)
      if (siblings) siblings.push(span)
      else children.set(parent, [span])
    }
  }
  const printed = new Set<SpanJson>()
  const startNs = BigInt(trace.startTimeUnixNano)
  const visit = (root: SpanJson, note: string) => {
    const stack: [SpanJson, number, string][] = [[root, 0, note]]
    while (stack.length > 0) {
      const [span, depth, mark] = stack.pop()!
      if (printed.has(span)) continue
      printed.add(span)
      const offset = Number(BigInt(span.startTimeUnixNano) - startNs) / 1e6
      const status =
        span.status === 'error' ? `  ERROR ${printable(span.statusMessage)}`.trimEnd() : ''
      const running = span.inProgress ? '  (running)' : ''
      lines.push(
        `${'  '.repeat(depth)}${printable(span.title)}  +${formatDuration(offset)} ${formatDuration(span.durationMs)}${status}${running}${mark}`,
      )
      const kids = children.get(span.spanId) ?? []
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1, ''])
    }
  }
  for (const root of roots) {
    const note =
      root.parentSpanId === root.spanId
        ? '  [parent is itself]'
        : root.parentSpanId !== null
          ? `  [parent ${root.parentSpanId} not received]`
          : ''
    visit(root, note)
  }
  // Whatever is left hangs in a parent cycle with no way in from a root.
  for (const span of spans) if (!printed.has(span)) visit(span, '  [parent cycle]')
  return lines.join('\n')
}
