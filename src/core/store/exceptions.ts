// Exceptions of a trace grouped by type and by the stack frame that raised
// them, as Logfire users triage them.

import type { ExceptionGroup } from '../../shared/api'
import type { StoredEvent } from './queries'

/**
 * The innermost frame of a stack trace: the last `File "…", line N, in f`
 * of a Python traceback, or the first `at …` line of a JavaScript stack.
 */
export function raisingFrame(stacktrace: string | null): string | null {
  if (!stacktrace) return null
  const python = [...stacktrace.matchAll(/File "([^"]+)", line (\d+), in (\S+)/g)].at(-1)
  if (python) return `${python[1]}:${python[2]} in ${python[3]}`
  const js = /^\s+at (.+)$/m.exec(stacktrace)
  return js ? js[1]!.trim() : null
}

export function groupExceptions(
  spans: { spanId: string; events: string | null }[],
): ExceptionGroup[] {
  const groups = new Map<string, ExceptionGroup>()
  for (const span of spans) {
    if (!span.events) continue
    for (const event of JSON.parse(span.events) as StoredEvent[]) {
      if (event.name !== 'exception') continue
      const type = String(event.attributes['exception.type'] ?? 'unknown')
      const message = String(event.attributes['exception.message'] ?? '')
      const stack = event.attributes['exception.stacktrace']
      const frame = raisingFrame(typeof stack === 'string' ? stack : null)
      const key = `${type}\n${frame ?? ''}`
      const group = groups.get(key)
      if (group) {
        group.count++
        if (!group.spanIds.includes(span.spanId)) group.spanIds.push(span.spanId)
      } else {
        groups.set(key, { type, frame, message, count: 1, spanIds: [span.spanId] })
      }
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count)
}
