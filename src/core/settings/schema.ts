// The zod schema of settings.json, the one settings file that the desktop
// app and `loupe serve` both read from the data folder.

import { isIP } from 'node:net'
import { isAbsolute } from 'node:path'
import { z } from 'zod'
import { checkForwardUrl, ForwardConfigError, headerProblem } from '../forward/config'
import type { SettingPath, SettingsDocument } from '../../shared/settings'

export const SETTINGS_FILE = 'settings.json'

/** Maximum retention accepted, in days: a hundred years, far more than any store keeps, and safe in nanoseconds. */
export const MAX_RETENTION_DAYS = 36_500

/** Port setting: null lets the core pick its default port, or the next free one. */
const port = z.number().int().min(0).max(65535).nullable().default(null)

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i

/** Tells whether `value` is a DNS host name, the form of `allowedHosts` and `--allow-host`. */
export function isHostName(value: string): boolean {
  return HOST_NAME.test(value)
}

/** Tells whether `value` is an IP address or a host name, the form of `host` and `--host`. */
export function isBindAddress(value: string): boolean {
  return isIP(value) !== 0 || isHostName(value)
}

const hostName = z.string().refine(isHostName, 'must be a host name such as host.docker.internal')

const bindAddress = z
  .string()
  .refine(isBindAddress, 'must be an IP address (127.0.0.1, 0.0.0.0, ::1) or a host name')

const absolutePath = z.string().refine(isAbsolute, 'must be an absolute path')

/** An HTTP header name: an RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i

export const redactionRuleSchema = z
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

const forwardingHeaders = z
  .record(
    z.string().regex(HEADER_NAME, "header names are letters, digits and !#$%&'*+.^_`|~-"),
    z.string().refine((value) => !/[\r\n\0]/.test(value), 'must not contain line breaks'),
  )
  .superRefine((headers, context) => {
    for (const [name, value] of Object.entries(headers)) {
      const problem = headerProblem(name, value)
      if (problem) context.addIssue({ code: 'custom', message: problem, path: [name] })
    }
  })
  .default({})

/** Fields of the document's top level, each validated on its own. */
export const topLevelShape = {
  dataDir: absolutePath.nullable().default(null),
  host: bindAddress.default('127.0.0.1'),
  allowedHosts: z.array(hostName).default([]),
  retentionDays: z.number().positive().max(MAX_RETENTION_DAYS).nullable().default(null),
  maxStoreMb: z.number().int().positive().nullable().default(null),
  maxAttributeMb: z.number().int().positive().default(4),
  pricesFile: absolutePath.nullable().default(null),
}

/** Groups of settings, each an object in the file whose fields are validated on their own. */
export const groupShapes = {
  ports: { otlpHttp: port, otlpGrpc: port, ui: port },
  redaction: {
    enabled: z.boolean().default(true),
    extraRules: z.array(redactionRuleSchema).default([]),
  },
  forwarding: {
    url: z
      .string()
      .refine((url) => forwardUrlProblem(url) === undefined, {
        error: (issue) => forwardUrlProblem(issue.input as string),
      })
      .nullable()
      .default(null),
    headers: forwardingHeaders,
  },
  alerts: {
    intervalSeconds: z.number().int().min(5).max(86_400).default(60),
  },
}

/** Returns why `url` cannot be a forwarding URL, or undefined when it can. */
function forwardUrlProblem(url: string): string | undefined {
  try {
    checkForwardUrl(url)
    return undefined
  } catch (error) {
    if (error instanceof ForwardConfigError) return error.message
    throw error
  }
}

export const settingsSchema = z
  .object({
    ...topLevelShape,
    ports: z.object(groupShapes.ports).strict().prefault({}),
    redaction: z.object(groupShapes.redaction).strict().prefault({}),
    forwarding: z.object(groupShapes.forwarding).strict().prefault({}),
    alerts: z.object(groupShapes.alerts).strict().prefault({}),
  })
  .strict()

export type Settings = z.infer<typeof settingsSchema>

// Compile-time checks that the schema and the UI's types describe the same document.
const _toDocument = (settings: Settings): SettingsDocument => settings
const _toSettings = (document: SettingsDocument): Settings => document
void _toDocument
void _toSettings

/** Every setting's path, in the schema's order. */
export const SETTING_PATHS: readonly SettingPath[] = [
  ...(Object.keys(topLevelShape) as SettingPath[]),
  ...Object.entries(groupShapes).flatMap(([group, shape]) =>
    Object.keys(shape).map((key) => `${group}.${key}` as SettingPath),
  ),
]

export function defaultSettings(): Settings {
  return settingsSchema.parse({})
}

/** Returns the JSON Schema of the extra redaction rules, for the settings page's editor. */
export function redactionRulesJsonSchema(): unknown {
  return z.toJSONSchema(z.array(redactionRuleSchema), { unrepresentable: 'any' })
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern)
    return true
  } catch {
    return false
  }
}
