// Reading and writing settings.json. A document with some invalid fields
// still parses: each invalid field falls back to its default and is
// reported, and the valid ones are kept. The desktop app starts with what is
// valid; `loupe serve` and `PUT /api/settings` reject a document with any
// problem.

import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import type { SettingPath, SettingsProblem } from '../../shared/settings'
import { InvalidRedactionRuleError, Redactor } from '../redact/redactor'
import { DEFAULT_REDACTION_RULES } from '../redact/rules'
import {
  defaultSettings,
  groupShapes,
  redactionRuleSchema,
  SETTINGS_FILE,
  settingsSchema,
  topLevelShape,
  type Settings,
} from './schema'

export interface ParsedSettings {
  settings: Settings
  problems: SettingsProblem[]
  /** The settings that the document sets with a valid value. */
  present: SettingPath[]
}

export interface SettingsRead extends ParsedSettings {
  file: string
  /** False when there is no settings file. */
  exists: boolean
}

export function settingsFile(folder: string): string {
  return join(folder, SETTINGS_FILE)
}

/**
 * Reads the settings file in `folder`. A missing file gives the defaults with
 * no problems; a file that is not JSON gives the defaults and one problem.
 * Throws only when the file exists but cannot be read.
 */
export async function readSettings(folder: string): Promise<SettingsRead> {
  const file = settingsFile(folder)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { settings: defaultSettings(), problems: [], present: [], file, exists: false }
    }
    throw error
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const problem = { field: '', message: `invalid JSON: ${(error as Error).message}` }
    return { settings: defaultSettings(), problems: [problem], present: [], file, exists: true }
  }
  return { ...parseSettings(value), file, exists: true }
}

/** Validates a parsed settings document field by field, keeping the valid fields. */
export function parseSettings(value: unknown): ParsedSettings {
  const problems: SettingsProblem[] = []
  const present: SettingPath[] = []
  if (!isPlainObject(value)) {
    problems.push({ field: '', message: 'the settings file must contain a JSON object' })
    return { settings: defaultSettings(), problems, present }
  }
  reportUnknown(value, [...Object.keys(topLevelShape), ...Object.keys(groupShapes)], '', problems)
  const kept: Record<string, unknown> = keepValidFields(topLevelShape, value, '', problems, present)
  for (const [group, shape] of Object.entries(groupShapes)) {
    const groupValue = value[group]
    if (groupValue === undefined) continue
    if (!isPlainObject(groupValue)) {
      problems.push({ field: group, message: 'must be an object' })
      continue
    }
    reportUnknown(groupValue, Object.keys(shape), `${group}.`, problems)
    kept[group] = keepValidFields(shape, groupValue, `${group}.`, problems, present)
  }
  return { settings: settingsSchema.parse(kept), problems, present }
}

/**
 * Writes `settings` to the settings file in `folder`, through a temporary
 * file and a rename so that a reader never sees half a file. The file is
 * readable by its owner only, because forwarding headers may hold tokens.
 * Throws a ZodError when `settings` is invalid.
 */
export async function writeSettings(folder: string, settings: Settings): Promise<string> {
  const valid = settingsSchema.parse(settings)
  const file = settingsFile(folder)
  const temporary = `${file}.${randomUUID()}.tmp`
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 })
  await rename(temporary, file)
  return file
}

function keepValidFields(
  shape: Record<string, z.ZodType>,
  value: Record<string, unknown>,
  prefix: string,
  problems: SettingsProblem[],
  present: SettingPath[],
): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(shape)) {
    if (!(key in value)) continue
    const path = `${prefix}${key}`
    const fieldValue = value[key]
    if (key === 'extraRules' && Array.isArray(fieldValue)) {
      kept[key] = keepValidRules(fieldValue, path, problems)
      present.push(path as SettingPath)
      continue
    }
    const result = schema.safeParse(fieldValue)
    if (result.success) {
      kept[key] = result.data
      present.push(path as SettingPath)
    } else problems.push(...describeIssues(result.error, path, fieldValue))
  }
  return kept
}

type Rule = z.infer<typeof redactionRuleSchema>

function keepValidRules(rules: unknown[], field: string, problems: SettingsProblem[]): Rule[] {
  const kept: Rule[] = []
  rules.forEach((rule, index) => {
    const result = redactionRuleSchema.safeParse(rule)
    if (!result.success) {
      problems.push(...describeIssues(result.error, `${field}.${index}`, rule))
      return
    }
    // The core's Redactor also rejects what the schema cannot see: a name
    // already taken, a pattern that matches the empty string or uses \1.
    try {
      new Redactor([...DEFAULT_REDACTION_RULES, ...kept, result.data])
      kept.push(result.data)
    } catch (error) {
      if (!(error instanceof InvalidRedactionRuleError)) throw error
      problems.push({ field: `${field}.${index}`, message: error.message })
    }
  })
  return kept
}

function reportUnknown(
  value: Record<string, unknown>,
  known: string[],
  prefix: string,
  problems: SettingsProblem[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      problems.push({ field: `${prefix}${key}`, message: 'unknown setting, ignored' })
    }
  }
}

/** Names of zod's `expected` types in messages. */
const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
}

/**
 * Returns a problem for each issue. Type and range errors end with the
 * invalid value, such as `expected a number, not "forever"`.
 */
function describeIssues(error: z.ZodError, field: string, value: unknown): SettingsProblem[] {
  return error.issues.map((issue) => {
    const invalidValue = shownValue(valueAt(value, issue.path))
    let message = issue.message
    if (issue.code === 'invalid_type') {
      message = `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${invalidValue}`
    } else if (issue.code === 'too_big' || issue.code === 'too_small') {
      message = `${issue.message}, not ${invalidValue}`
    }
    return { field: [field, ...issue.path.map(String)].join('.'), message }
  })
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

/** Returns the value as JSON, cut to 60 characters; `undefined` for a missing one. */
function shownValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
