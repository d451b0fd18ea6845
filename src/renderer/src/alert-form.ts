// The rule form of the alerts page: its fields as typed, the check that
// turns them into a rule for the API (which checks the rule again in full),
// and a one-line description of a rule's condition.

import type {
  AlertDeliveries,
  AlertRule,
  AlertRuleKind,
  CostPerHourRule,
  ErrorRateRule,
  SqlRule,
} from '../../shared/alerts'
import { ERROR_CLASS_STATUS, type ErrorClass } from '../../shared/genai'

export type FailureClass = Exclude<ErrorClass, 'none'>

/** The error classes a failed run can have, in the order of the error class table. */
export const FAILURE_CLASSES = (Object.keys(ERROR_CLASS_STATUS) as ErrorClass[]).filter(
  (errorClass): errorClass is FailureClass => errorClass !== 'none',
)

export const KIND_LABELS: Record<AlertRuleKind, string> = {
  error_rate: 'Error rate',
  cost_per_hour: 'Cost per hour',
  sql: 'SQL condition',
}

/** The form's fields as typed. Numbers stay text until they are checked. */
export interface AlertForm {
  name: string
  kind: AlertRuleKind
  description: string
  enabled: boolean
  threshold: string
  window: string
  minRuns: string
  agent: string
  service: string
  errorClasses: FailureClass[]
  sql: string
  valueColumn: string
  direction: 'above' | 'below'
  timeoutMs: string
  desktop: boolean
  /** One argument per line, the program first. */
  commandArgv: string
  commandTimeoutMs: string
  webhookUrl: string
  /** One `Name: value` header per line. */
  webhookHeaders: string
  webhookTimeoutMs: string
  webhookRetries: string
}

export const EMPTY_ALERT_FORM: AlertForm = {
  name: '',
  kind: 'error_rate',
  description: '',
  enabled: true,
  threshold: '',
  window: '15m',
  minRuns: '',
  agent: '',
  service: '',
  errorClasses: [],
  sql: '',
  valueColumn: '',
  direction: 'above',
  timeoutMs: '',
  desktop: true,
  commandArgv: '',
  commandTimeoutMs: '',
  webhookUrl: '',
  webhookHeaders: '',
  webhookTimeoutMs: '',
  webhookRetries: '',
}

const text = (value: number | string | undefined): string =>
  value === undefined ? '' : String(value)

export function ruleToForm(rule: AlertRule): AlertForm {
  const deliver = rule.deliver ?? {}
  const form: AlertForm = {
    ...EMPTY_ALERT_FORM,
    name: rule.name,
    kind: rule.kind,
    description: rule.description ?? '',
    enabled: rule.enabled ?? true,
    threshold: text(rule.threshold),
    desktop: deliver.desktop ?? true,
    commandArgv: (deliver.command?.argv ?? []).join('\n'),
    commandTimeoutMs: text(deliver.command?.timeoutMs),
    webhookUrl: deliver.webhook?.url ?? '',
    webhookHeaders: Object.entries(deliver.webhook?.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    webhookTimeoutMs: text(deliver.webhook?.timeoutMs),
    webhookRetries: text(deliver.webhook?.retries),
  }
  if (rule.kind === 'error_rate') {
    form.window = rule.window ?? EMPTY_ALERT_FORM.window
    form.minRuns = text(rule.minRuns)
    form.errorClasses = rule.errorClasses ?? []
  }
  if (rule.kind === 'error_rate' || rule.kind === 'cost_per_hour') {
    form.agent = rule.agent ?? ''
    form.service = rule.service ?? ''
  }
  if (rule.kind === 'sql') {
    form.sql = rule.sql
    form.valueColumn = rule.valueColumn ?? ''
    form.direction = rule.direction ?? 'above'
    form.timeoutMs = text(rule.timeoutMs)
  }
  return form
}

class FormProblem extends Error {}

/** Reads an optional number field. Throws FormProblem naming the field when it is not a number. */
function optionalNumber(value: string, label: string, integer = false): number | undefined {
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  const number = Number(trimmed)
  if (!Number.isFinite(number) || (integer && !Number.isInteger(number))) {
    throw new FormProblem(
      `${label} must be ${integer ? 'a whole number' : 'a number'}, not "${value}".`,
    )
  }
  return number
}

function requiredNumber(value: string, label: string): number {
  const number = optionalNumber(value, label)
  if (number === undefined) throw new FormProblem(`${label} is required.`)
  return number
}

function optionalText(value: string): string | undefined {
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

function parseHeaders(lines: string): Record<string, string> | undefined {
  const headers: Record<string, string> = {}
  for (const line of lines.split('\n')) {
    if (line.trim() === '') continue
    const colon = line.indexOf(':')
    if (colon <= 0) {
      throw new FormProblem(`Webhook header "${line.trim()}" must be written as Name: value.`)
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  return Object.keys(headers).length === 0 ? undefined : headers
}

function formDeliveries(form: AlertForm): AlertDeliveries | undefined {
  const deliver: AlertDeliveries = {}
  if (!form.desktop) deliver.desktop = false
  const argv = form.commandArgv.split('\n').filter((line) => line.trim() !== '')
  if (argv.length > 0) {
    deliver.command = { argv }
    const timeoutMs = optionalNumber(form.commandTimeoutMs, 'Command time limit', true)
    if (timeoutMs !== undefined) deliver.command.timeoutMs = timeoutMs
  }
  const url = optionalText(form.webhookUrl)
  if (url !== undefined) {
    deliver.webhook = { url }
    const headers = parseHeaders(form.webhookHeaders)
    if (headers !== undefined) deliver.webhook.headers = headers
    const timeoutMs = optionalNumber(form.webhookTimeoutMs, 'Webhook time limit', true)
    if (timeoutMs !== undefined) deliver.webhook.timeoutMs = timeoutMs
    const retries = optionalNumber(form.webhookRetries, 'Webhook retries', true)
    if (retries !== undefined) deliver.webhook.retries = retries
  }
  return Object.keys(deliver).length === 0 ? undefined : deliver
}

/** Drops the keys whose value is undefined, so that the rule's JSON has no empty fields. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** Checks the form and returns the rule, or a message that names the invalid field. */
export function formToRule(form: AlertForm): AlertRule | string {
  try {
    return buildRule(form)
  } catch (error) {
    if (error instanceof FormProblem) return error.message
    throw error
  }
}

function buildRule(form: AlertForm): AlertRule {
  const name = form.name.trim()
  if (name === '') throw new FormProblem('Name is required.')
  const base = {
    name,
    description: optionalText(form.description),
    enabled: form.enabled ? undefined : false,
    deliver: formDeliveries(form),
  }
  const filters = { agent: optionalText(form.agent), service: optionalText(form.service) }
  switch (form.kind) {
    case 'error_rate':
      return compact<ErrorRateRule>({
        ...base,
        kind: 'error_rate',
        threshold: requiredNumber(form.threshold, 'Threshold'),
        window: optionalText(form.window),
        minRuns: optionalNumber(form.minRuns, 'Minimum runs', true),
        ...filters,
        errorClasses: form.errorClasses.length === 0 ? undefined : form.errorClasses,
      })
    case 'cost_per_hour':
      return compact<CostPerHourRule>({
        ...base,
        kind: 'cost_per_hour',
        threshold: requiredNumber(form.threshold, 'Threshold'),
        ...filters,
      })
    case 'sql': {
      const valueColumn = optionalText(form.valueColumn)
      if (form.sql.trim() === '') throw new FormProblem('SQL is required.')
      return compact<SqlRule>({
        ...base,
        kind: 'sql',
        sql: form.sql.trim(),
        valueColumn,
        threshold:
          valueColumn === undefined ? undefined : requiredNumber(form.threshold, 'Threshold'),
        direction: valueColumn === undefined || form.direction === 'above' ? undefined : 'below',
        timeoutMs: optionalNumber(form.timeoutMs, 'Query time limit', true),
      })
    }
  }
}

/** Describes a rule's condition in one line, such as "more than 20% of agent runs failed in 15m". */
export function describeCondition(rule: AlertRule): string {
  const scope = [
    'agent' in rule && rule.agent !== undefined ? `agent ${rule.agent}` : null,
    'service' in rule && rule.service !== undefined ? `service ${rule.service}` : null,
  ].filter((part) => part !== null)
  const within = scope.length === 0 ? '' : ` (${scope.join(', ')})`
  switch (rule.kind) {
    case 'error_rate': {
      const classes =
        rule.errorClasses === undefined ? 'failed' : `failed with ${rule.errorClasses.join(' or ')}`
      const minimum =
        rule.minRuns !== undefined && rule.minRuns > 1 ? `, at least ${rule.minRuns} runs` : ''
      return `more than ${rule.threshold}% of agent runs${within} ${classes} in ${rule.window ?? '15m'}${minimum}`
    }
    case 'cost_per_hour':
      return `more than $${rule.threshold} spent in the last hour${within}`
    case 'sql':
      return rule.valueColumn === undefined
        ? 'the query returns a row'
        : `${rule.valueColumn} ${rule.direction === 'below' ? 'below' : 'above'} ${rule.threshold} in a row`
  }
}

/** Formats the evaluation interval, such as "30 s", "5 min" or "1 h". */
export function formatInterval(seconds: number): string {
  const round = (value: number) => String(Number(value.toFixed(1)))
  if (seconds < 120) return `${round(seconds)} s`
  if (seconds < 3600) return `${round(seconds / 60)} min`
  return `${round(seconds / 3600)} h`
}
