// Reads attribute values that the Logfire Python SDK encoded. Logfire sends
// str, bool, int and float values as themselves. Every other value (dicts,
// lists, None, Pydantic models, dataclasses, enums, dates) goes as JSON text,
// with a schema in `logfire.json_schema`, where a plain value has the empty
// schema `{}`. Source: logfire 5.4,
// `logfire/_internal/main.py` (prepare_otlp_attribute) and
// `logfire/_internal/json_schema.py` (create_json_schema).

import type { AttributeMap, JsonValue } from '../../shared/api'

const JSON_SCHEMA_ATTRIBUTE = 'logfire.json_schema'

/** A decoded attribute: its value, or `unreadable` when its JSON text could not be parsed. */
export type DecodedValue = { value: JsonValue; unreadable: false } | { unreadable: true }

/** Decodes a span's attributes by their `logfire.json_schema` entries. */
export class LogfireAttributes {
  private readonly encoded: Set<string>

  constructor(private readonly attributes: AttributeMap) {
    this.encoded = jsonEncodedKeys(attributes[JSON_SCHEMA_ATTRIBUTE])
  }

  has(key: string): boolean {
    return key in this.attributes
  }

  /**
   * Returns the attribute's value, parsed when Logfire JSON-encoded it. A
   * missing attribute is `{value: null}`. JSON text that does not parse (cut
   * by Loupe's value size cap, for example) is `unreadable`.
   */
  read(key: string): DecodedValue {
    const raw = this.attributes[key]
    if (raw === undefined) return { value: null, unreadable: false }
    if (typeof raw !== 'string' || !this.encoded.has(key)) return { value: raw, unreadable: false }
    try {
      return { value: JSON.parse(raw) as JsonValue, unreadable: false }
    } catch {
      return { unreadable: true }
    }
  }

  /** Returns the value when it is a string, else null. */
  string(key: string): string | null {
    const raw = this.attributes[key]
    return typeof raw === 'string' ? raw : null
  }

  /** Returns the value when it is a finite number, else null. */
  number(key: string): number | null {
    const raw = this.attributes[key]
    return typeof raw === 'number' && Number.isFinite(raw) ? raw : null
  }
}

/**
 * Returns the keys that `logfire.json_schema` gives a non-empty schema,
 * which are the keys whose values Logfire sent as JSON text.
 */
function jsonEncodedKeys(schemaText: JsonValue | undefined): Set<string> {
  const keys = new Set<string>()
  if (typeof schemaText !== 'string') return keys
  let schema: unknown
  try {
    schema = JSON.parse(schemaText)
  } catch {
    return keys
  }
  const properties = isObject(schema) ? schema.properties : undefined
  if (!isObject(properties)) return keys
  for (const [key, property] of Object.entries(properties)) {
    if (isObject(property) && Object.keys(property).length > 0) keys.add(key)
  }
  return keys
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
