// The alert rules file: a YAML (or JSON) document with the evaluation
// interval and a list of rules. The format is documented in docs/alerts.md,
// and its JSON Schema is generated from the zod schema below into
// resources/schemas/alerts.schema.json.

import { z } from 'zod'
import type { AlertRule } from '../../shared/alerts'
import type { JsonObject } from '../gateway/conversation'
import { MAX_TIMEOUT_MS } from '../query/runner'
import { parseYamlWithLines } from '../yaml-lines'

/** Maximum size of a rules file, in bytes. */
export const MAX_RULES_BYTES = 1024 * 1024

export const DEFAULT_INTERVAL = '60s'
export const DEFAULT_ERROR_RATE_WINDOW = '15m'
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000
export const DEFAULT_WEBHOOK_RETRIES = 3

const FAILURE_CLASSES = [
  'input_invalid',
  'quota_exceeded',
  'provider_rejected',
  'upstream_unavailable',
  'model_output_invalid',
  'timeout',
  'tool_failed',
  'internal',
] as const

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(s|m|h|d)$/

/** Returns the seconds of a duration such as 90s, 15m, 1.5h or 1d, or null when it is not one. */
export function durationSeconds(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim())
  if (!match) return null
  return Number(match[1]) * DURATION_UNITS[match[2]!]!
}

function durationSchema(minSeconds: number, maxSeconds: number, limits: string) {
  return z
    .string()
    .regex(DURATION_PATTERN, 'expected a duration such as 90s, 15m, 1h or 1d')
    .refine(
      (text) => {
        const seconds = durationSeconds(text)
        return seconds === null || (seconds >= minSeconds && seconds <= maxSeconds)
      },
      { message: `must be ${limits}` },
    )
}

/** Control characters, which a name or a header value must not contain. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const commandSchema = z
  .strictObject({
    argv: z
      .array(z.string())
      .min(1, 'argv must name a program')
      .refine((argv) => argv[0] !== '', 'argv[0] must name a program, not be empty')
      .describe('The program and its arguments. No shell is involved.'),
    timeoutMs: z
      .int()
      .min(100)
      .max(300_000)
      .describe(`Time limit in milliseconds (${DEFAULT_COMMAND_TIMEOUT_MS} by default).`)
      .optional(),
  })
  .describe('Run a program with the alert as JSON on its standard input.')

const webhookSchema = z
  .strictObject({
    url: z
      .string()
      .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
        message: 'must be an http:// or https:// URL',
      })
      .describe('The URL to POST the alert JSON to.'),
    headers: z
      .record(
        z.string(),
        z.string().refine((value) => !CONTROL_CHARACTERS.test(value), {
          message: 'must not contain line breaks or control characters',
        }),
      )
      .superRefine((headers, context) => {
        for (const name of Object.keys(headers)) {
          if (HEADER_NAME.test(name)) continue
          context.addIssue({
            code: 'custom',
            path: [name],
            message: `${JSON.stringify(name)} is not an HTTP header name (letters, digits and -, no spaces)`,
          })
        }
      })
      .describe('Extra request headers, such as an authorization token.')
      .optional(),
    timeoutMs: z
      .int()
      .min(100)
      .max(60_000)
      .describe(
        `Time limit of each attempt in milliseconds (${DEFAULT_WEBHOOK_TIMEOUT_MS} by default).`,
      )
      .optional(),
    retries: z
      .int()
      .min(0)
      .max(10)
      .describe(
        `Attempts after a failed one, waiting 1 s, 2 s, 4 s and so on (${DEFAULT_WEBHOOK_RETRIES} by default).`,
      )
      .optional(),
  })
  .describe('POST the alert JSON to a URL.')

const deliverSchema = z
  .strictObject({
    desktop: z
      .boolean()
      .describe('Show a notification in the desktop app and a toast in the UI (true by default).')
      .optional(),
    command: commandSchema.optional(),
    webhook: webhookSchema.optional(),
  })
  .describe('Where the alert goes when the rule starts or stops firing.')

const ruleBase = {
  name: z
    .string()
    .trim()
    .min(1, 'name must not be empty')
    .max(100)
    .refine((name) => !CONTROL_CHARACTERS.test(name), {
      message: 'must not contain line breaks or control characters',
    })
    .describe('Unique name of the rule.'),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().describe('Evaluate the rule (true by default).').optional(),
  deliver: deliverSchema.optional(),
}

function filterSchema(description: string) {
  return z
    .string()
    .min(1)
    .refine((text) => !CONTROL_CHARACTERS.test(text), {
      message: 'must not contain line breaks or control characters',
    })
    .describe(description)
    .optional()
}

const filters = {
  agent: filterSchema('Only the runs of this agent (agent_name).'),
  service: filterSchema('Only the spans of this service (service.name).'),
}

const errorRateSchema = z
  .strictObject({
    ...ruleBase,
    kind: z.literal('error_rate'),
    threshold: z
      .number()
      .min(0)
      .max(100)
      .describe('Fire when more than this percent of the agent runs failed.'),
    window: durationSchema(1, 30 * 86_400, 'from 1s to 30d')
      .describe(
        `The runs that ended in this last stretch of time (${DEFAULT_ERROR_RATE_WINDOW} by default).`,
      )
      .optional(),
    minRuns: z
      .int()
      .min(1)
      .max(1_000_000)
      .describe('Fewest runs in the window for the rule to fire (1 by default).')
      .optional(),
    ...filters,
    errorClasses: z
      .array(z.enum(FAILURE_CLASSES))
      .min(1)
      .describe('Count only failures of these error classes.')
      .optional(),
  })
  .describe('Fires when too many agent runs failed in the window.')

const costPerHourSchema = z
  .strictObject({
    ...ruleBase,
    kind: z.literal('cost_per_hour'),
    threshold: z
      .number()
      .min(0)
      .describe('Fire when the last hour cost more than this many US dollars.'),
    ...filters,
  })
  .describe('Fires when the model calls of the last hour cost too much.')

const sqlSchema = z
  .strictObject({
    ...ruleBase,
    kind: z.literal('sql'),
    sql: z
      .string()
      .trim()
      .min(1, 'sql must not be empty')
      .max(100_000)
      .describe('A read-only query over the views of the SQL explorer.'),
    valueColumn: z
      .string()
      .min(1)
      .describe('Compare this column of each row with threshold, instead of firing on any row.')
      .optional(),
    threshold: z.number().describe('The value that valueColumn is compared with.').optional(),
    direction: z
      .enum(['above', 'below'])
      .describe('Fire when the value is above (the default) or below the threshold.')
      .optional(),
    timeoutMs: z
      .int()
      .min(1)
      .max(MAX_TIMEOUT_MS)
      .describe('Time limit of the query in milliseconds (5000 by default).')
      .optional(),
  })
  .superRefine((rule, context) => {
    if (rule.valueColumn !== undefined && rule.threshold === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: `threshold is required with valueColumn (the value ${rule.valueColumn} is compared with)`,
      })
    }
    if (rule.valueColumn === undefined && rule.threshold !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['valueColumn'],
        message: 'valueColumn is required with threshold (the column whose value is compared)',
      })
    }
  })
  .describe('Fires when a query returns a row, or when a value crosses a threshold.')

export const ruleSchema = z.discriminatedUnion('kind', [
  errorRateSchema,
  costPerHourSchema,
  sqlSchema,
])

const rulesFileSchema = z
  .strictObject({
    interval: durationSchema(1, 86_400, 'from 1s to 1d')
      .describe(`Time between evaluations of every rule (${DEFAULT_INTERVAL} by default).`)
      .optional(),
    rules: z.array(ruleSchema).max(1000).default([]).describe('The alert rules.'),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>()
    file.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) {
        context.addIssue({
          code: 'custom',
          path: ['rules', index, 'name'],
          message: `another rule is named ${rule.name}; names must be unique`,
        })
      }
      seen.add(rule.name)
    })
  })

export type RulesFile = z.infer<typeof rulesFileSchema>

// The shared types and the schema must describe the same rules.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const rulesMatchSharedTypes: Same<z.infer<typeof ruleSchema>, AlertRule> = true
void rulesMatchSharedTypes

/** A rules file or rule that cannot be used, with one line per mistake. */
export class AlertRulesError extends Error {
  override name = 'AlertRulesError'

  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid alert rules file:\n${problems.map((p) => `  ${p}`).join('\n')}`)
  }
}

/** Formats an issue path as rules[1] ("name").threshold, naming the rule when it has a name. */
function formatPath(path: PropertyKey[], value: unknown): string {
  let text = ''
  let at: unknown = value
  for (const key of path) {
    at = at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : null
    if (typeof key === 'number') {
      text += `[${key}]`
      const name = at !== null && typeof at === 'object' ? (at as { name?: unknown }).name : null
      if (text.startsWith('rules[') && typeof name === 'string' && !text.includes('('))
        text += ` (${JSON.stringify(name)})`
    } else if (text === '') text = String(key)
    else text += `.${String(key)}`
  }
  return text || '(top level)'
}

/**
 * Parses and checks a rules file. `source` names it in error messages (a
 * path). An empty file has no rules. Throws an AlertRulesError naming the
 * line, rule and field of each mistake.
 */
export function parseRulesFile(text: string, source: string): RulesFile {
  if (Buffer.byteLength(text) > MAX_RULES_BYTES) {
    throw new AlertRulesError(source, [
      `the file is larger than ${MAX_RULES_BYTES} bytes; remove rules or split long queries`,
    ])
  }
  const yaml = parseYamlWithLines(text)
  if (yaml.syntaxProblems.length > 0) throw new AlertRulesError(source, yaml.syntaxProblems)
  let value: unknown
  try {
    value = yaml.document.toJS({ maxAliasCount: 100 })
  } catch (error) {
    // The YAML library rejects documents whose aliases expand without bound.
    throw new AlertRulesError(source, [`reading the YAML failed: ${(error as Error).message}`])
  }
  if (value === null || value === undefined) return { rules: [] }
  const parsed = rulesFileSchema.safeParse(value)
  if (parsed.success) return parsed.data
  throw new AlertRulesError(
    source,
    parsed.error.issues.map((issue) => {
      const line = yaml.lineOf(issue.path)
      const where = formatPath(issue.path, value)
      return `${line === null ? '' : `line ${line}, `}${where}: ${issue.message}`
    }),
  )
}

/** Checks one rule (an API request body); returns the rule or the problems, each naming its field. */
export function parseRule(value: unknown): { rule: AlertRule } | { problems: string[] } {
  const parsed = ruleSchema.safeParse(value)
  if (parsed.success) return { rule: parsed.data }
  return {
    problems: parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join('.') || 'rule'}: ${issue.message}`,
    ),
  }
}

/** Returns the rules file's JSON Schema, as published in resources/schemas/alerts.schema.json. */
export function alertsJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(rulesFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as JsonObject
  return {
    ...schema,
    title: 'Loupe alert rules',
    description:
      'Alert rules that Loupe evaluates on an interval. A rule fires when its condition becomes true and resolves when it stops being true.',
  }
}
