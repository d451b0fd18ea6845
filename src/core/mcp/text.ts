// Small text helpers for the MCP tools' output, which a model reads: short
// durations, costs, one-line cuts of long values.

import type { JsonValue } from '../../shared/api'
import type { MessagePart } from '../../shared/genai'

export function formatDuration(ms: number): string {
  if (ms < 0) return 'negative'
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

export function formatCost(usd: number): string {
  return `$${usd < 0.01 ? usd.toPrecision(2) : usd.toFixed(4)}`
}

/**
 * Returns `text` on one line, cut to `maxChars` characters with a note of
 * how many were left out.
 */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= maxChars) return flat
  return `${flat.slice(0, maxChars)}… [${flat.length - maxChars} more chars]`
}

/** Returns a JSON value as compact text: strings as themselves, the rest as JSON. */
export function valueText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Returns the text of message parts: text as is, tool calls and results as name(arguments). */
export function partsText(parts: MessagePart[]): string {
  return parts
    .map((part) => {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          return part.content
        case 'tool_call':
          return `call ${part.name}(${valueText(part.arguments)})`
        case 'tool_result':
          return `result${part.name ? ` of ${part.name}` : ''}${part.isError ? ' (error)' : ''}: ${valueText(part.result)}`
        case 'media':
          return `[${part.modality}${part.mimeType ? ` ${part.mimeType}` : ''}]`
        case 'other':
          return `[${part.originalType}]`
      }
    })
    .join(' ')
}
