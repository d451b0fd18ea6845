// Code shared by the two OpenAI APIs (Chat Completions and Responses): the error
// body `{"error": {"message", "type", "param", "code"}}` with OpenAI's
// wording for invalid parameters, request field readers that raise those
// errors, the checks of strict JSON schemas, and the model list.

import type { JsonValue } from '../../shared/api'
import { isJsonObject, type FunctionTool, type JsonObject, type OutputFormat } from './conversation'
import { errorResult, type ApiResult, type ProviderFamily } from './provider-api'

/** An invalid request, raised while reading it and reported with OpenAI's error body. */
export class OpenAIRequestError extends Error {
  override name = 'OpenAIRequestError'

  constructor(
    message: string,
    readonly param: string | null,
    readonly code: string | null,
    readonly status = 400,
    readonly type = 'invalid_request_error',
  ) {
    super(message)
  }

  toResult(requestModel: string | null): ApiResult {
    const body = {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    }
    return errorResult(
      { status: this.status, type: this.type, body, headers: {} },
      this.message,
      requestModel,
    )
  }
}

export const openaiFamily: ProviderFamily = {
  provider: 'openai',
  readKey: (_headers, bearer) => bearer,
  error(kind, message) {
    const status = {
      invalid_json: 400,
      unsupported_media_type: 400,
      missing_key: 401,
      not_found: 404,
      too_large: 413,
      not_implemented: 501,
      internal: 500,
    }[kind]
    return openaiFamily.statusError(status, message, null)
  },
  statusError(status, message, type) {
    const known = OPENAI_ERRORS[status]
    const errorType =
      type ?? known?.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error')
    const code = type === null ? (known?.code ?? null) : null
    return {
      status,
      type: errorType,
      body: { error: { message, type: errorType, param: null, code } },
      headers: {},
    }
  },
}

/** The error type and code that OpenAI's API sends with some statuses. */
const OPENAI_ERRORS: Record<number, { type: string; code: string | null } | undefined> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: null },
}

/** Names a JSON value's type as OpenAI's messages do ("a string", "an integer"). */
function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

export function missingParameter(param: string): OpenAIRequestError {
  return new OpenAIRequestError(
    `Missing required parameter: '${param}'.`,
    param,
    'missing_required_parameter',
  )
}

export function invalidType(param: string, expected: string, value: unknown): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`,
    param,
    'invalid_type',
  )
}

export function invalidValue(
  param: string,
  value: unknown,
  supported: readonly string[],
): OpenAIRequestError {
  const listed = supported.map((s) => `'${s}'`)
  const list =
    listed.length > 1 ? `${listed.slice(0, -1).join(', ')}, and ${listed.at(-1)}` : listed.join('')
  return new OpenAIRequestError(
    `Invalid value: '${String(value)}'. Supported values are: ${list}.`,
    param,
    'invalid_value',
  )
}

export function emptyArray(param: string): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    'empty_array',
  )
}

export function readString(object: JsonObject, key: string, param: string): string | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw invalidType(param, 'a string', value)
  return value
}

export function requireString(object: JsonObject, key: string, param: string): string {
  const value = readString(object, key, param)
  if (value === null) throw missingParameter(param)
  return value
}

export function readBoolean(object: JsonObject, key: string, param: string): boolean | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (typeof value !== 'boolean') throw invalidType(param, 'a boolean', value)
  return value
}

export function readObject(object: JsonObject, key: string, param: string): JsonObject | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (!isJsonObject(value)) throw invalidType(param, 'an object', value)
  return value
}

export function readArray(object: JsonObject, key: string, param: string): JsonValue[] | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  if (!Array.isArray(value)) throw invalidType(param, 'an array', value)
  return value
}

/** Reads a number and checks its range, with OpenAI's codes such as `decimal_above_max_value`. */
export function readNumber(
  object: JsonObject,
  key: string,
  param: string,
  range: { min?: number; max?: number; integer?: boolean },
): number | null {
  const value = object[key]
  if (value === undefined || value === null) return null
  const kind = range.integer ? 'integer' : 'decimal'
  if (typeof value !== 'number' || (range.integer && !Number.isInteger(value))) {
    throw invalidType(param, range.integer ? 'an integer' : 'a number', value)
  }
  if (range.min !== undefined && value < range.min) {
    throw new OpenAIRequestError(
      `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${range.min}, but got ${value} instead.`,
      param,
      `${kind}_below_min_value`,
    )
  }
  if (range.max !== undefined && value > range.max) {
    throw new OpenAIRequestError(
      `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${range.max}, but got ${value} instead.`,
      param,
      `${kind}_above_max_value`,
    )
  }
  return value
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/
const MAX_NAME_LENGTH = 64

/** Checks a function or schema name against OpenAI's pattern and length limit. */
export function checkName(name: string, param: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw new OpenAIRequestError(
      `Invalid '${param}': string too long. Expected a string with maximum length ${MAX_NAME_LENGTH}, but got a string with length ${name.length} instead.`,
      param,
      'string_above_max_length',
    )
  }
  if (!NAME_PATTERN.test(name)) {
    throw new OpenAIRequestError(
      `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${NAME_PATTERN.source}'.`,
      param,
      'invalid_value',
    )
  }
}

/**
 * Finds the first rule of OpenAI's strict mode (structured outputs) that a
 * schema breaks: the root is an object, and every object lists all its
 * properties as required and sets additionalProperties to false. Returns
 * null when the schema follows them.
 */
export function strictSchemaProblem(schema: JsonValue): string | null {
  if (!isJsonObject(schema) || schema.type !== 'object') {
    const type = isJsonObject(schema) ? JSON.stringify(schema.type ?? null) : describeType(schema)
    return `schema must be a JSON Schema of 'type: "object"', got 'type: ${type}'.`
  }
  return strictProblemAt(schema, [])
}

function strictProblemAt(schema: JsonValue, context: string[]): string | null {
  if (!isJsonObject(schema)) return null
  const where = `In context=(${context.map((c) => `'${c}'`).join(', ')}${context.length === 1 ? ',' : ''})`
  if (schema.type === 'object' || isJsonObject(schema.properties)) {
    if (schema.additionalProperties !== false) {
      return `${where}, 'additionalProperties' is required to be supplied and to be false.`
    }
    const properties = isJsonObject(schema.properties) ? Object.keys(schema.properties) : []
    const required = Array.isArray(schema.required) ? schema.required : []
    const missing = properties.filter((key) => !required.includes(key))
    if (missing.length > 0) {
      return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`
    }
  }
  const children: [string[], JsonValue][] = []
  for (const keyword of ['properties', '$defs', 'definitions']) {
    const map = schema[keyword]
    if (isJsonObject(map)) {
      for (const [key, child] of Object.entries(map)) children.push([[keyword, key], child])
    }
  }
  for (const keyword of ['anyOf', 'allOf', 'prefixItems']) {
    const list = schema[keyword]
    if (Array.isArray(list))
      list.forEach((child, i) => children.push([[keyword, String(i)], child]))
  }
  if (isJsonObject(schema.items)) children.push([['items'], schema.items])
  for (const [path, child] of children) {
    const problem = strictProblemAt(child, [...context, ...path])
    if (problem) return problem
  }
  return null
}

/**
 * Reads one function tool definition. `fields` is the object that contains
 * name, description, parameters and strict, which Chat Completions nests
 * under `function`. `param` is the path of `fields` in the request.
 */
export function readFunctionTool(fields: JsonObject, param: string): FunctionTool {
  const name = requireString(fields, 'name', `${param}.name`)
  checkName(name, `${param}.name`)
  const description = readString(fields, 'description', `${param}.description`)
  const parameters = readObject(fields, 'parameters', `${param}.parameters`)
  const strict = readBoolean(fields, 'strict', `${param}.strict`)
  if (strict && parameters) {
    const problem = strictSchemaProblem(parameters)
    if (problem) {
      throw new OpenAIRequestError(
        `Invalid schema for function '${name}': ${problem}`,
        `${param}.parameters`,
        'invalid_function_parameters',
      )
    }
  }
  return { name, description, parameters }
}

/**
 * Reads a structured-output format: Chat Completions' `response_format` or
 * the Responses API's `text.format`. `schemaFields` is where the json_schema
 * variant keeps name, schema and strict.
 */
export function readOutputFormat(
  format: JsonObject,
  param: string,
  schemaFields: (format: JsonObject) => { fields: JsonObject; param: string },
): OutputFormat {
  const type = requireString(format, 'type', `${param}.type`)
  switch (type) {
    case 'text':
      return { type: 'text' }
    case 'json_object':
      return { type: 'json_object' }
    case 'json_schema': {
      const { fields, param: fieldsParam } = schemaFields(format)
      const name = requireString(fields, 'name', `${fieldsParam}.name`)
      checkName(name, `${fieldsParam}.name`)
      const schema = readObject(fields, 'schema', `${fieldsParam}.schema`) ?? {}
      if (readBoolean(fields, 'strict', `${fieldsParam}.strict`)) {
        const problem = strictSchemaProblem(schema)
        if (problem) {
          throw new OpenAIRequestError(
            `Invalid schema for response_format '${name}': ${problem}`,
            param,
            'invalid_json_schema',
          )
        }
      }
      return { type: 'json_schema', name, schema }
    }
    default:
      throw invalidValue(`${param}.type`, type, ['text', 'json_object', 'json_schema'])
  }
}

/**
 * Models that `GET /models` lists. NOTE: a sample of current OpenAI model ids.
 * The mock replies to calls for any model name.
 */
const OPENAI_MODELS = [
  'gpt-4o-mini',
  'gpt-4o',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'o3',
  'o3-mini',
  'o4-mini',
]
/** The `created` time that every listed model reports: 2024-01-01, in Unix seconds. */
const MODELS_CREATED = 1_704_067_200

function modelObject(id: string): JsonObject {
  return { id, object: 'model', created: MODELS_CREATED, owned_by: 'system' }
}

/** Returns the reply to `GET /models` (`id` null) or `GET /models/{id}`. */
export function openaiModels(id: string | null): { status: number; body: JsonValue } {
  if (id === null)
    return { status: 200, body: { object: 'list', data: OPENAI_MODELS.map(modelObject) } }
  if (OPENAI_MODELS.includes(id)) return { status: 200, body: modelObject(id) }
  return {
    status: 404,
    body: {
      error: {
        message: `The model '${id}' does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    },
  }
}
