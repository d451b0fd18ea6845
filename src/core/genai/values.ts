// Typed reads of raw span attributes. SDKs send the same datum as a number,
// a numeric string or a JSON string depending on language and version, so
// every reader here accepts the forms seen in practice.

import type { AttributeMap, JsonValue } from '../../shared/api'

export function stringAt(attributes: AttributeMap, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = attributes[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return null
}

/** Return the first of `keys` with a finite number (int64 values beyond 2^53 arrive as strings). */
export function numberAt(attributes: AttributeMap, ...keys: string[]): number | null {
  for (const key of keys) {
    const value = attributes[key]
    if (typeof value === 'number' && Number.isFinite(value)) return value
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value)
  }
  return null
}

/**
 * Parse a value that SDKs send either structured or as a JSON string (GenAI
 * messages, tool arguments). Text that is not JSON stays text: pydantic-ai
 * stores a string tool result unquoted.
 */
export function parseJsonish(value: JsonValue | undefined): JsonValue | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') return value
  const trimmed = value.trimStart()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(value) as JsonValue
    } catch {
      return value
    }
  }
  return value
}

/** Return the first of `keys` present, parsed with `parseJsonish`. */
export function jsonAt(attributes: AttributeMap, ...keys: string[]): JsonValue | null {
  for (const key of keys) {
    if (attributes[key] !== undefined && attributes[key] !== null)
      return parseJsonish(attributes[key])
  }
  return null
}

export function isObject(
  value: JsonValue | null | undefined,
): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function asString(value: JsonValue | null | undefined): string | null {
  return typeof value === 'string' ? value : null
}

/**
 * Collect indexed attributes (`prefix.0.role`, `prefix.0.tool_calls.1.name`)
 * into an array of nested objects, as OpenInference and older OpenLLMetry
 * flatten lists.
 */
export function collectIndexed(
  attributes: AttributeMap,
  prefix: string,
): { [key: string]: JsonValue }[] {
  const items: { [key: string]: JsonValue }[] = []
  const start = `${prefix}.`
  for (const key of Object.keys(attributes)) {
    if (!key.startsWith(start)) continue
    const path = key.slice(start.length).split('.')
    const index = Number(path[0])
    if (!Number.isInteger(index) || index < 0 || index > 10_000) continue
    let node: { [key: string]: JsonValue } = (items[index] ??= Object.create(null) as {
      [key: string]: JsonValue
    })
    for (let i = 1; i < path.length - 1; i++) {
      const segment = path[i]!
      const next = node[segment]
      if (!isObject(next)) node[segment] = Object.create(null) as { [key: string]: JsonValue }
      node = node[segment] as { [key: string]: JsonValue }
    }
    const last = path[path.length - 1]!
    if (path.length > 1) node[last] = attributes[key]!
  }
  return items.filter((item) => item !== undefined)
}

/** Turn an object whose keys are indexes ("0", "1", ...) into an array, leaving other values alone. */
export function indexedToArray(value: JsonValue | undefined): JsonValue[] {
  if (Array.isArray(value)) return value
  if (!isObject(value)) return []
  return Object.keys(value)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => value[key]!)
}
