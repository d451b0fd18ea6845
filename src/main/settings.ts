// The settings file, settings.json in the per-user data folder: the desktop
// app reads it before starting the core and the settings page writes it. A
// file with some invalid fields still loads: each invalid field falls back to
// its default and is reported, and the valid ones are kept.
//
// NOTE: `loupe serve` does not read this file yet. The CLI may not import
// from src/main (a lint rule keeps Electron code out of it), so sharing the
// schema means moving it to src/shared or src/core first.

import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { z } from 'zod'
import type { CoreOptions } from '../core/core'
import { checkForwardUrl, ForwardConfigError, headerProblem } from '../core/forward/config'
import { InvalidRedactionRuleError, Redactor } from '../core/redact/redactor'
import { DEFAULT_REDACTION_RULES } from '../core/redact/rules'

export const SETTINGS_FILE = 'settings.json'

const MIB = 1024 * 1024

/** Port setting: null lets the core pick its default port, or the next free one. */
const port = z.number().int().min(0).max(65535).nullable().default(null)

const redactionRule = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
    pattern: z.string().min(1),
    replacement: z.string().optional(),
  })
  .strict()
  .refine((rule) => compiles(rule.pattern), {
    message: 'pattern is not a valid JavaScript regular expression',
    path: ['pattern'],
  })

const portsShape = { otlpHttp: port, otlpGrpc: port, ui: port }

const redactionShape = {
  /** Off stores secrets as they arrive. */
  enabled: z.boolean().default(true),
  /** Rules applied after the built-in ones. */
  extraRules: z.array(redactionRule).default([]),
}

const forwardingShape = {
  /** OTLP/HTTP base URL that receives a copy of every request the core stores; null is off. */
  otlpHttpEndpoint: z
    .string()
    .refine((url) => forwardUrlProblem(url) === undefined, {
      error: (issue) => forwardUrlProblem(issue.input as string),
    })
    .nullable()
    .default(null),
  /** Headers sent with each forwarded request, such as an authorization token. */
  headers: z
    .record(z.string(), z.string())
    .superRefine((headers, context) => {
      for (const [name, value] of Object.entries(headers)) {
        const problem = headerProblem(name, value)
        if (problem) context.addIssue({ code: 'custom', message: problem, path: [name] })
      }
    })
    .default({}),
}

const topLevelShape = {
  /** Folder of the store; null is the per-user data folder that contains this file. */
  dataDir: z.string().refine(isAbsolute, 'must be an absolute path').nullable().default(null),
  /** Traces with no activity for longer are deleted; null keeps them all. */
  retentionDays: z.number().positive().nullable().default(null),
  /** Size cap of the store in MiB; null is no cap. */
  maxStoreMb: z.number().int().positive().nullable().default(null),
  /** Largest attribute value or log body stored whole, in MiB. */
  maxAttributeMb: z.number().int().positive().default(4),
}

/** Groups of settings, each an object in the file. */
const groupShapes = { ports: portsShape, redaction: redactionShape, forwarding: forwardingShape }

export const settingsSchema = z
  .object({
    ...topLevelShape,
    ports: z.object(portsShape).strict().prefault({}),
    redaction: z.object(redactionShape).strict().prefault({}),
    forwarding: z.object(forwardingShape).strict().prefault({}),
  })
  .strict()

export type Settings = z.infer<typeof settingsSchema>

/** One invalid or unknown field of the settings file. */
export interface SettingsProblem {
  /** Dotted path of the field, e.g. `ports.ui` or `redaction.extraRules.1`. */
  field: string
  message: string
}

export interface SettingsRead {
  settings: Settings
  problems: SettingsProblem[]
  file: string
}

export function defaultSettings(): Settings {
  return settingsSchema.parse({})
}

export function settingsFile(dataDir: string): string {
  return join(dataDir, SETTINGS_FILE)
}

/**
 * Reads the settings file in `dataDir`. A missing file gives the defaults with
 * no problems. A file that is not a JSON object gives the defaults and one
 * problem. Otherwise each invalid field is replaced by its default and
 * reported, and an invalid extra redaction rule is dropped alone.
 * Throws only when the file exists but cannot be read.
 */
export async function readSettings(dataDir: string): Promise<SettingsRead> {
  const file = settingsFile(dataDir)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { settings: defaultSettings(), problems: [], file }
    }
    throw error
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const problem = { field: '', message: `invalid JSON: ${(error as Error).message}` }
    return { settings: defaultSettings(), problems: [problem], file }
  }
  return { ...parseSettings(value), file }
}

/** Validates a parsed settings document field by field, keeping the valid fields. */
export function parseSettings(value: unknown): Omit<SettingsRead, 'file'> {
  const problems: SettingsProblem[] = []
  if (!isPlainObject(value)) {
    problems.push({ field: '', message: 'the settings file must contain a JSON object' })
    return { settings: defaultSettings(), problems }
  }
  const kept: Record<string, unknown> = {}
  reportUnknown(value, [...Object.keys(topLevelShape), ...Object.keys(groupShapes)], '', problems)
  Object.assign(kept, keepValidFields(topLevelShape, value, '', problems))
  for (const [group, shape] of Object.entries(groupShapes)) {
    const groupValue = value[group]
    if (groupValue === undefined) continue
    if (!isPlainObject(groupValue)) {
      problems.push({ field: group, message: 'must be an object' })
      continue
    }
    reportUnknown(groupValue, Object.keys(shape), `${group}.`, problems)
    kept[group] = keepValidFields(shape, groupValue, `${group}.`, problems)
  }
  return { settings: settingsSchema.parse(kept), problems }
}

/**
 * Writes `settings` to the settings file in `dataDir`, through a temporary
 * file and a rename so that a reader never sees half a file. Throws a
 * ZodError when `settings` is invalid.
 */
export async function writeSettings(dataDir: string, settings: Settings): Promise<string> {
  const valid = settingsSchema.parse(settings)
  const file = settingsFile(dataDir)
  const temporary = `${file}.${randomUUID()}.tmp`
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 })
  await rename(temporary, file)
  return file
}

/** The core options that the settings set; the data folder is resolved by the caller. */
export function coreOptionsFromSettings(
  settings: Settings,
): Omit<CoreOptions, 'dataDir'> & { fallbackOnConflict: true } {
  const { ports, redaction, forwarding } = settings
  return {
    otlpHttpPort: ports.otlpHttp ?? undefined,
    otlpGrpcPort: ports.otlpGrpc ?? undefined,
    uiPort: ports.ui ?? undefined,
    // The window follows the core wherever it listens, so a taken port is no reason to fail.
    fallbackOnConflict: true,
    retentionDays: settings.retentionDays ?? undefined,
    maxStoreBytes: settings.maxStoreMb === null ? undefined : settings.maxStoreMb * MIB,
    maxAttributeBytes: settings.maxAttributeMb * MIB,
    redaction: redaction.enabled
      ? { rules: [...DEFAULT_REDACTION_RULES, ...redaction.extraRules] }
      : false,
    forward:
      forwarding.otlpHttpEndpoint === null
        ? undefined
        : { url: checkForwardUrl(forwarding.otlpHttpEndpoint), headers: forwarding.headers },
  }
}

function keepValidFields(
  shape: Record<string, z.ZodType>,
  value: Record<string, unknown>,
  prefix: string,
  problems: SettingsProblem[],
): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(shape)) {
    if (!(key in value)) continue
    const fieldValue = value[key]
    if (key === 'extraRules' && Array.isArray(fieldValue)) {
      kept[key] = keepValidRules(fieldValue, `${prefix}${key}`, problems)
      continue
    }
    const result = schema.safeParse(fieldValue)
    if (result.success) kept[key] = result.data
    else problems.push(...describeIssues(result.error, `${prefix}${key}`))
  }
  return kept
}

function keepValidRules(
  rules: unknown[],
  field: string,
  problems: SettingsProblem[],
): z.infer<typeof redactionRule>[] {
  const kept: z.infer<typeof redactionRule>[] = []
  rules.forEach((rule, index) => {
    const result = redactionRule.safeParse(rule)
    if (!result.success) {
      problems.push(...describeIssues(result.error, `${field}.${index}`))
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

function describeIssues(error: z.ZodError, field: string): SettingsProblem[] {
  return error.issues.map((issue) => ({
    field: [field, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Returns why the forwarding URL cannot be used, or undefined when it can. */
function forwardUrlProblem(url: string): string | undefined {
  try {
    checkForwardUrl(url)
    return undefined
  } catch (error) {
    if (error instanceof ForwardConfigError) return error.message
    throw error
  }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern)
    return true
  } catch {
    return false
  }
}
