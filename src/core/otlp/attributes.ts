// Builds Loupe's attribute form (`Attributes` and `DecodedValue` in model.ts)
// from decoded OTLP AnyValues, and converts it back to canonical OTLP/JSON
// KeyValues for export. The AnyValue types and their JSON mapping follow
// opentelemetry/proto/common/v1/common.proto and the OTLP/JSON rules of the
// OTLP specification: 64-bit integers as decimal strings, bytes as base64.
//
// A value is lossy when the served JSON shape cannot tell its OTLP type: an
// integral or non-finite double, an integer outside ±(2^53 - 1) or bytes, or
// an array or key-value list that contains one. For a lossy top-level value
// the whole original AnyValue is kept in canonical OTLP/JSON form in
// `otlpTypes`, so export restores every type exactly.

import type { JsonValue } from '../../shared/api'
import type { Attributes, OtlpJsonAnyValue } from './model'

/**
 * Maximum nesting depth of arrays and key-value lists inside one AnyValue.
 * Deeper values are rejected so a crafted body cannot exhaust the stack.
 */
export const MAX_ANY_VALUE_DEPTH = 64

export type OtlpJsonKeyValue = { key: string; value: OtlpJsonAnyValue }

/** Creates an object with a null prototype, so every key, `__proto__` included, is data. */
export function createJsonMap<T = JsonValue>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

export function createAttributes(): Attributes {
  return { values: createJsonMap(), otlpTypes: null }
}

/**
 * Stores one attribute. `otlp` is the canonical OTLP/JSON AnyValue for a lossy
 * value, else null. A later duplicate key replaces the earlier value and type.
 */
export function setAttribute(
  attributes: Attributes,
  key: string,
  value: JsonValue,
  otlp: OtlpJsonAnyValue | null,
): void {
  attributes.values[key] = value
  if (otlp !== null) {
    if (attributes.otlpTypes === null) attributes.otlpTypes = createJsonMap<OtlpJsonAnyValue>()
    attributes.otlpTypes[key] = otlp
  } else if (attributes.otlpTypes !== null && key in attributes.otlpTypes) {
    delete attributes.otlpTypes[key]
  }
}

/** True for a double that the JSON shape would show as an integer or as a string. */
export function isLossyDouble(value: number): boolean {
  return Number.isInteger(value) || !Number.isFinite(value)
}

/**
 * Returns a double as served: the number itself, or "NaN", "Infinity" or
 * "-Infinity". This is also its canonical OTLP/JSON `doubleValue`.
 */
export function doubleToJsonValue(value: number): number | string {
  return Number.isFinite(value) ? value : String(value)
}

/** Returns the served JSON form of an int64: a number when safe, else a decimal string. */
export function int64ToJsonValue(value: number | bigint): number | string {
  return typeof value === 'number' ? value : value.toString()
}

export function bytesToJsonValue(base64: string): JsonValue {
  return { bytes: base64 }
}

/** Returns the canonical OTLP/JSON KeyValue list for attributes, restoring lossy types. */
export function toOtlpJsonKeyValues(
  values: Record<string, JsonValue>,
  otlpTypes: Record<string, OtlpJsonAnyValue> | null,
): OtlpJsonKeyValue[] {
  const keyValues: OtlpJsonKeyValue[] = []
  for (const key of Object.keys(values)) {
    const otlp = otlpTypes !== null && key in otlpTypes ? otlpTypes[key]! : null
    keyValues.push({ key, value: toOtlpJsonAnyValue(values[key]!, otlp) })
  }
  return keyValues
}

/**
 * Returns the canonical OTLP/JSON AnyValue of one value: `otlp` when given,
 * else the value mapped by its JSON type. Strings map to stringValue, booleans
 * to boolValue, safe integers to intValue, other numbers to doubleValue,
 * arrays to arrayValue, objects to kvlistValue and null to the empty AnyValue.
 */
export function toOtlpJsonAnyValue(
  value: JsonValue,
  otlp: OtlpJsonAnyValue | null,
): OtlpJsonAnyValue {
  if (otlp !== null) return otlp
  return jsonValueToOtlpJson(value, 0)
}

function jsonValueToOtlpJson(value: JsonValue, depth: number): OtlpJsonAnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new RangeError(`value is nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`)
  }
  switch (typeof value) {
    case 'string':
      return { stringValue: value }
    case 'boolean':
      return { boolValue: value }
    case 'number':
      return Number.isSafeInteger(value)
        ? { intValue: String(value) }
        : { doubleValue: doubleToJsonValue(value) }
  }
  if (value === null) return {}
  if (Array.isArray(value)) {
    const values: OtlpJsonAnyValue[] = []
    for (const element of value) values.push(jsonValueToOtlpJson(element, depth + 1))
    return { arrayValue: { values } }
  }
  const entries: OtlpJsonKeyValue[] = []
  for (const key of Object.keys(value)) {
    entries.push({ key, value: jsonValueToOtlpJson(value[key]!, depth + 1) })
  }
  return { kvlistValue: { values: entries } }
}
