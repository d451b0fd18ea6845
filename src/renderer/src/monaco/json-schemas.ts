// The JSON Schemas of Monaco's JSON language. Its diagnostics options are
// global, so each editor registers its schema here instead of replacing the
// options, and every open editor keeps its own validation.

import type { JsonValue } from '../../../shared/api'
import { monaco } from './setup'

interface SchemaEntry {
  uri: string
  fileMatch: string[]
  schema: JsonValue
}

const registered = new Map<string, SchemaEntry>()

/**
 * Validates models whose URI matches `fileMatch` against `schema`, or only
 * for JSON syntax when `schema` is null.
 */
export function setJsonSchema(uri: string, fileMatch: string[], schema: JsonValue | null): void {
  if (schema === null) registered.delete(uri)
  else registered.set(uri, { uri, fileMatch, schema })
  monaco.languages.json.jsonDefaults.setDiagnosticsOptions({
    validate: true,
    enableSchemaRequest: false,
    schemaValidation: 'error',
    schemas: [...registered.values()],
  })
}
