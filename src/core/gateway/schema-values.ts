// Generates a JSON value that is valid against a JSON Schema, for the mock's
// tool arguments and structured output. It reads the keywords that tool and
// output schemas use in drafts 4 to 2020-12, as pydantic, zod and the
// provider SDKs write them. These are type, enum, const, $ref with $defs or
// definitions, allOf, anyOf, oneOf, properties, required,
// additionalProperties, min/maxProperties, items, prefixItems, min/maxItems,
// uniqueItems, numeric bounds and multipleOf, min/maxLength, pattern and the
// common string formats. anyOf and oneOf take their first branch.

import type { JsonValue } from '../../shared/api'
import { isJsonObject, type JsonObject } from './conversation'
import { stringMatching } from './pattern-strings'
import type { SeededRandom } from './random'

/**
 * Nesting depth past which optional properties, extra array items and
 * recursive anyOf branches are left out, so recursive schemas end.
 */
const SOFT_DEPTH = 6
/** Nesting depth at which generation gives up and returns null. */
const HARD_DEPTH = 32
/** Range used for a number without bounds, and around a single bound. */
const DEFAULT_SPAN = 100

const WORDS = [
  'amber',
  'birch',
  'cedar',
  'dune',
  'ember',
  'fjord',
  'grove',
  'harbor',
  'iris',
  'juniper',
  'kelp',
  'lagoon',
  'meadow',
  'nectar',
  'orchid',
  'pebble',
  'quartz',
  'river',
  'sage',
  'tundra',
  'umber',
  'valley',
  'willow',
  'zephyr',
]

interface Generation {
  root: JsonValue
  random: SeededRandom
  /** Values that may still be generated, so that a schema demanding huge values cannot exhaust the core. */
  budget: number
}

/** Most values (array items, properties, scalars) that one generated value may contain. */
export const MAX_GENERATED_VALUES = 10_000
/** Longest string the mock generates, in characters. */
export const MAX_GENERATED_STRING = 100_000

/** A schema whose smallest valid value is larger than the mock generates. */
export class GenerationLimitError extends Error {
  override name = 'GenerationLimitError'
}

/**
 * Returns a value valid against `schema`, chosen by `random`. Throws a
 * GenerationLimitError when the schema's minimums (minItems, minLength,
 * minProperties) ask for more than the mock's limits.
 */
export function generateValue(schema: JsonValue, random: SeededRandom): JsonValue {
  return generate(schema, { root: schema, random, budget: MAX_GENERATED_VALUES }, 0)
}

function generate(schema: JsonValue, generation: Generation, depth: number): JsonValue {
  if (--generation.budget < 0) {
    throw new GenerationLimitError(
      `the schema asks for more than ${MAX_GENERATED_VALUES} values (check minItems and minProperties)`,
    )
  }
  if (depth >= HARD_DEPTH) return null
  if (schema === false) return null
  if (!isJsonObject(schema)) return word(generation.random)
  const resolved = resolveSchema(schema, generation.root)
  if ('const' in resolved) return resolved.const!
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) {
    return generation.random.pick(resolved.enum)
  }
  const branches = Array.isArray(resolved.anyOf)
    ? resolved.anyOf
    : Array.isArray(resolved.oneOf)
      ? resolved.oneOf
      : null
  if (branches && branches.length > 0) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = resolved
    const branch = chooseBranch(branches, generation.root, depth)
    return generate(mergeSchemas([outer, branch], generation.root), generation, depth)
  }
  switch (schemaType(resolved, depth)) {
    case 'null':
      return null
    case 'boolean':
      return generation.random.boolean()
    case 'integer':
      return generateNumber(resolved, true, generation.random)
    case 'number':
      return generateNumber(resolved, false, generation.random)
    case 'array':
      return generateArray(resolved, generation, depth)
    case 'object':
      return generateObject(resolved, generation, depth)
    default:
      return generateString(resolved, generation.random)
  }
}

/** Follows `$ref` and folds `allOf` into one schema, keeping sibling keywords. */
function resolveSchema(schema: JsonObject, root: JsonValue, seen = new Set<string>()): JsonObject {
  let current = schema
  while (typeof current.$ref === 'string') {
    const ref = current.$ref
    if (seen.has(ref)) break
    seen.add(ref)
    const { $ref: _ref, ...siblings } = current
    const target = resolvePointer(root, ref)
    current = isJsonObject(target) ? { ...target, ...siblings } : siblings
  }
  if (Array.isArray(current.allOf)) {
    const { allOf, ...rest } = current
    return mergeSchemas([rest, ...allOf], root, seen)
  }
  return current
}

/** Resolves a same-document reference such as `#/$defs/Point`. Other references resolve to {}, which any value satisfies. */
function resolvePointer(root: JsonValue, ref: string): JsonValue {
  if (!ref.startsWith('#')) return {}
  const path = ref.slice(1)
  if (path === '') return root
  let node: JsonValue | undefined = root
  for (const raw of path.replace(/^\//, '').split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) node = node[Number(key)]
    else if (isJsonObject(node)) node = node[key]
    else return {}
  }
  return node ?? {}
}

/**
 * Merges schemas that must all hold (allOf, or an anyOf branch with its
 * outer keywords): properties and required lists are combined, numeric and
 * length bounds take the tighter value, and other keywords take the later one.
 */
function mergeSchemas(schemas: JsonValue[], root: JsonValue, seen = new Set<string>()): JsonObject {
  const merged: JsonObject = {}
  for (const raw of schemas) {
    if (!isJsonObject(raw)) continue
    const schema = resolveSchema(raw, root, new Set(seen))
    for (const [key, value] of Object.entries(schema)) {
      const existing = merged[key]
      if (key === 'properties' && isJsonObject(existing) && isJsonObject(value)) {
        merged[key] = { ...existing, ...value }
      } else if (key === 'required' && Array.isArray(existing) && Array.isArray(value)) {
        merged[key] = [...new Set([...existing, ...value])]
      } else if (
        /^(minimum|exclusiveMinimum|minLength|minItems|minProperties)$/.test(key) &&
        typeof existing === 'number' &&
        typeof value === 'number'
      ) {
        merged[key] = Math.max(existing, value)
      } else if (
        /^(maximum|exclusiveMaximum|maxLength|maxItems|maxProperties)$/.test(key) &&
        typeof existing === 'number' &&
        typeof value === 'number'
      ) {
        merged[key] = Math.min(existing, value)
      } else {
        merged[key] = value
      }
    }
  }
  return merged
}

/** Takes the first branch, except deep in a recursive schema, where a branch that ends is preferred. */
function chooseBranch(branches: JsonValue[], root: JsonValue, depth: number): JsonValue {
  if (depth < SOFT_DEPTH) return branches[0]!
  const ending = branches.find((branch) => {
    if (!isJsonObject(branch)) return false
    const resolved = resolveSchema(branch, root)
    const type = resolved.type
    return type === 'null' || (typeof type === 'string' && type !== 'object' && type !== 'array')
  })
  return ending ?? branches[0]!
}

function schemaType(schema: JsonObject, depth: number): string {
  const type = schema.type
  if (typeof type === 'string') return type
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === 'string')
    if (depth >= SOFT_DEPTH && types.includes('null')) return 'null'
    return types.find((t) => t !== 'null') ?? types[0] ?? 'string'
  }
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) {
    return 'object'
  }
  if ('items' in schema || 'prefixItems' in schema) return 'array'
  if (
    'minimum' in schema ||
    'maximum' in schema ||
    'exclusiveMinimum' in schema ||
    'exclusiveMaximum' in schema ||
    'multipleOf' in schema
  ) {
    return 'number'
  }
  return 'string'
}

function word(random: SeededRandom): string {
  return random.pick(WORDS)
}

/** Reads the bounds of a number schema, including draft-4 boolean exclusive bounds. */
function numberBounds(
  schema: JsonObject,
  integer: boolean,
): { low: number; high: number; lowOpen: boolean; highOpen: boolean } {
  let low = -Infinity
  let high = Infinity
  let lowOpen = false
  let highOpen = false
  if (typeof schema.minimum === 'number') {
    low = schema.minimum
    lowOpen = schema.exclusiveMinimum === true
  }
  if (typeof schema.exclusiveMinimum === 'number' && schema.exclusiveMinimum >= low) {
    low = schema.exclusiveMinimum
    lowOpen = true
  }
  if (typeof schema.maximum === 'number') {
    high = schema.maximum
    highOpen = schema.exclusiveMaximum === true
  }
  if (typeof schema.exclusiveMaximum === 'number' && schema.exclusiveMaximum <= high) {
    high = schema.exclusiveMaximum
    highOpen = true
  }
  if (integer) {
    if (Number.isFinite(low)) low = lowOpen ? Math.floor(low) + 1 : Math.ceil(low)
    if (Number.isFinite(high)) high = highOpen ? Math.ceil(high) - 1 : Math.floor(high)
    lowOpen = false
    highOpen = false
  }
  if (!Number.isFinite(low) && !Number.isFinite(high)) {
    low = 0
    high = DEFAULT_SPAN
  } else if (!Number.isFinite(low)) {
    low = high - DEFAULT_SPAN
  } else if (!Number.isFinite(high)) {
    high = low + DEFAULT_SPAN
  }
  return { low, high, lowOpen, highOpen }
}

function generateNumber(schema: JsonObject, integer: boolean, random: SeededRandom): number {
  const { low, high, lowOpen, highOpen } = numberBounds(schema, integer)
  const step =
    typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : 0
  if (step > 0) {
    let first = Math.ceil(low / step)
    let last = Math.floor(high / step)
    if (lowOpen && first * step <= low) first++
    if (highOpen && last * step >= high) last--
    // Rounding to the step's decimals keeps 0.1 * 3 from printing as 0.30000000000000004.
    const decimals = (String(step).split('.')[1] ?? '').length
    return Number((random.integer(first, Math.max(first, last)) * step).toFixed(decimals))
  }
  if (integer) return random.integer(low, high)
  if (high <= low) return low
  const value = Math.round((low + (0.1 + 0.8 * random.next()) * (high - low)) * 100) / 100
  const inside = (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high)
  return inside ? value : (low + high) / 2
}

function generateString(schema: JsonObject, random: SeededRandom): string {
  const format = typeof schema.format === 'string' ? schema.format : null
  const formatted = format ? formattedString(format, random) : null
  if (formatted !== null) return formatted
  if (typeof schema.pattern === 'string') {
    const matching = stringMatching(schema.pattern, random)
    if (matching !== null) return matching
  }
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity
  if (minLength > MAX_GENERATED_STRING) {
    throw new GenerationLimitError(
      `the schema asks for a string of at least ${minLength} characters, more than the mock's ${MAX_GENERATED_STRING}`,
    )
  }
  let text = word(random)
  while (text.length < minLength) text += ` ${word(random)}`
  text = text.slice(0, Math.max(minLength, Math.min(maxLength, text.length)))
  // A letter replaces a trailing space left by the cut, which keeps the length.
  return text.endsWith(' ') ? `${text.slice(0, -1)}a` : text
}

function formattedString(format: string, random: SeededRandom): string | null {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  const date = () =>
    `${random.integer(2020, 2029)}-${pad(random.integer(1, 12))}-${pad(random.integer(1, 28))}`
  const time = () =>
    `${pad(random.integer(0, 23))}:${pad(random.integer(0, 59))}:${pad(random.integer(0, 59))}`
  switch (format) {
    case 'date-time':
      return `${date()}T${time()}Z`
    case 'date':
      return date()
    case 'time':
      return `${time()}Z`
    case 'duration':
      return `PT${random.integer(1, 59)}M`
    case 'email':
    case 'idn-email':
      return `${word(random)}@example.com`
    case 'hostname':
    case 'idn-hostname':
      return `${word(random)}.example.com`
    case 'uri':
    case 'iri':
    case 'url':
      return `https://example.com/${word(random)}`
    case 'uri-reference':
    case 'iri-reference':
      return `/${word(random)}`
    case 'uuid':
      return `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${random.pick(['8', '9', 'a', 'b'])}${random.hex(3)}-${random.hex(12)}`
    case 'ipv4':
      // 192.0.2.0/24 is reserved for documentation (RFC 5737).
      return `192.0.2.${random.integer(1, 254)}`
    case 'ipv6':
      return `2001:db8::${random.integer(1, 0xffff).toString(16)}`
    case 'byte':
      return Buffer.from(word(random)).toString('base64')
    case 'json-pointer':
      return `/${word(random)}`
    default:
      return null
  }
}

function generateArray(schema: JsonObject, generation: Generation, depth: number): JsonValue[] {
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity

  // Draft 2020-12 writes a tuple as prefixItems and the items after it as items. Drafts 4
  // to 7 write the tuple as an items array and the items after it as additionalItems.
  let prefix: JsonValue[] = []
  let rest: JsonValue | undefined = schema.items
  if (Array.isArray(schema.prefixItems)) {
    prefix = schema.prefixItems
  } else if (Array.isArray(schema.items)) {
    prefix = schema.items
    rest = schema.additionalItems
  }
  rest ??= true

  // A tuple gets its listed items, and more only to reach minItems. A list gets one or two items.
  const wanted =
    prefix.length > 0 || depth >= SOFT_DEPTH
      ? Math.max(minItems, prefix.length)
      : Math.max(minItems, 1) + generation.random.integer(0, 1)
  const count = Math.min(rest === false ? prefix.length : wanted, maxItems)

  const unique = schema.uniqueItems === true
  const items: JsonValue[] = []
  const seen = new Set<string>()
  for (let index = 0; index < count; index++) {
    const itemSchema = index < prefix.length ? prefix[index]! : rest
    let item = generate(itemSchema, generation, depth + 1)
    for (let attempt = 0; unique && seen.has(JSON.stringify(item)) && attempt < 20; attempt++) {
      item = generate(itemSchema, generation, depth + 1)
    }
    if (unique && seen.has(JSON.stringify(item))) {
      // No further distinct value came up, so stop once the minimum is met.
      if (items.length >= minItems) break
    }
    seen.add(JSON.stringify(item))
    items.push(item)
  }
  return items
}

function generateObject(schema: JsonObject, generation: Generation, depth: number): JsonObject {
  const properties = isJsonObject(schema.properties) ? schema.properties : {}
  const required = new Set(
    Array.isArray(schema.required)
      ? schema.required.filter((key): key is string => typeof key === 'string')
      : [],
  )
  const additional = schema.additionalProperties
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0
  const maxProperties = typeof schema.maxProperties === 'number' ? schema.maxProperties : Infinity
  const value: JsonObject = {}
  let count = 0
  const add = (key: string, propertySchema: JsonValue) => {
    value[key] = generate(propertySchema, generation, depth + 1)
    count++
  }

  for (const [key, propertySchema] of Object.entries(properties)) {
    if (required.has(key)) add(key, propertySchema)
  }
  for (const key of required) {
    if (!(key in properties)) add(key, isJsonObject(additional) ? additional : true)
  }
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (required.has(key) || count >= maxProperties) continue
    const wanted = count < minProperties || (depth < SOFT_DEPTH && generation.random.boolean())
    if (wanted) add(key, propertySchema)
  }
  // A map type (only additionalProperties) gets one entry, as do schemas that need more properties.
  const mapOnly = Object.keys(properties).length === 0 && isJsonObject(additional)
  const wantedExtra = Math.max(minProperties - count, mapOnly && depth < SOFT_DEPTH ? 1 : 0)
  if (additional !== false) {
    for (let index = 0; index < wantedExtra && count < maxProperties; index++) {
      let key = word(generation.random)
      while (key in value) key = `${key}_${index + 1}`
      add(key, isJsonObject(additional) ? additional : true)
    }
  }
  return value
}
