// Alert rules, their state and the alert that Loupe delivers when a rule
// starts or stops firing. The rules file format is documented in
// docs/alerts.md; the core checks it with the zod schema in
// src/core/alerts/rules.ts, which must accept exactly these types.

import type { ErrorClass } from './genai'

export type AlertRuleKind = 'error_rate' | 'cost_per_hour' | 'sql'

/** A program run with the alert as JSON on its standard input. */
export interface CommandDelivery {
  /** The program and its arguments; no shell is involved. */
  argv: string[]
  /** Time limit in milliseconds, after which the program is killed (10,000 by default). */
  timeoutMs?: number
}

/** An HTTP POST of the alert JSON. */
export interface WebhookDelivery {
  url: string
  /** Extra request headers, such as an authorization token. */
  headers?: Record<string, string>
  /** Time limit of each attempt in milliseconds (5,000 by default). */
  timeoutMs?: number
  /** Attempts after the first one that failed, with doubling waits from one second (3 by default). */
  retries?: number
}

export interface AlertDeliveries {
  /** Publish the alert on the push channel, for the desktop notification and the UI's toast (true by default). */
  desktop?: boolean
  command?: CommandDelivery
  webhook?: WebhookDelivery
}

interface RuleBase {
  /** Unique within the file; names the rule in alerts, the API and the UI. */
  name: string
  description?: string
  /** A disabled rule is kept but not evaluated (true by default). */
  enabled?: boolean
  deliver?: AlertDeliveries
}

/** Fires when more than `threshold` percent of the agent runs that ended in the window failed. */
export interface ErrorRateRule extends RuleBase {
  kind: 'error_rate'
  /** Percent of agent runs, from 0 to 100. */
  threshold: number
  /** A duration such as 15m (15m by default). */
  window?: string
  /** Minimum number of agent runs in the window for the rule to fire (1 by default). */
  minRuns?: number
  agent?: string
  service?: string
  /** Count only failures of these classes; any failure by default. */
  errorClasses?: Exclude<ErrorClass, 'none'>[]
}

/** Fires when the model calls that ended in the last hour cost more than `threshold` US dollars. */
export interface CostPerHourRule extends RuleBase {
  kind: 'cost_per_hour'
  /** US dollars. */
  threshold: number
  agent?: string
  service?: string
}

/**
 * Fires when a read-only query over the SQL explorer's views returns a row,
 * or, with `valueColumn`, when a row's value in that column is above (or
 * below) `threshold`.
 */
export interface SqlRule extends RuleBase {
  kind: 'sql'
  sql: string
  valueColumn?: string
  threshold?: number
  /** above by default. */
  direction?: 'above' | 'below'
  /** Time limit of the query in milliseconds (5,000 by default). */
  timeoutMs?: number
}

export type AlertRule = ErrorRateRule | CostPerHourRule | SqlRule

/** The time window that a rule looked at. */
export interface AlertWindow {
  /** As written in the rule, such as 15m. */
  duration: string
  seconds: number
  start: string
  end: string
}

/** The JSON that every delivery of an alert carries. */
export interface AlertJson {
  rule: string
  kind: AlertRuleKind
  /** firing when the rule starts firing, resolved when it stops. */
  state: 'firing' | 'resolved'
  /** A one-line description of what was measured and the threshold. */
  summary: string
  /** Percent for error_rate, US dollars for cost_per_hour, the column's value for sql; null when not measured. */
  value: number | null
  threshold: number | null
  window: AlertWindow | null
  /** ISO 8601 time of the evaluation. */
  time: string
  /** Up to ten traces that show the condition (failed runs, the costliest traces, the query's trace_id column). */
  traceIds: string[]
  /** The Loupe UI at these traces, when a running Loupe is known; the UI needs its token once per browser. */
  url: string | null
  evidence: AlertEvidence
  /** True for an alert sent by a test of the rule, not by a change of its state. */
  test?: boolean
}

export type AlertEvidence =
  | {
      kind: 'error_rate'
      runs: number
      failures: number
      minRuns: number
      /** Failed runs per error class. */
      errorClasses: Record<string, number>
    }
  | { kind: 'cost_per_hour'; costUsd: number; calls: number; unpricedCalls: number }
  | {
      kind: 'sql'
      columns: string[]
      /** The first rows that matched, at most 20. */
      rows: (string | number | null)[][]
      /** Rows that matched in all. */
      matchedRows: number
    }

export type DeliveryChannel = 'desktop' | 'command' | 'webhook'

/** The outcome of one delivery of an alert. */
export interface DeliveryResult {
  channel: DeliveryChannel
  ok: boolean
  /** The failure message, or null. */
  error: string | null
  durationMs: number
  /** command: the exit code, or null when a signal ended it. */
  exitCode?: number | null
  signal?: string | null
  /** command: the end of its standard error, at most 4 KiB. */
  stderr?: string
  /** webhook: the HTTP status of the last attempt, or null when none was received. */
  status?: number | null
  attempts?: number
}

/** The last known state of a rule. */
export interface AlertRuleStatus {
  /** unknown until the rule has been evaluated once. */
  state: 'ok' | 'firing' | 'unknown'
  /** ISO times, or null. */
  since: string | null
  lastEvaluated: string | null
  lastFired: string | null
  lastResolved: string | null
  value: number | null
  /** The error of the last evaluation, or null when it succeeded. */
  error: string | null
}

export interface AlertRuleView {
  rule: AlertRule
  status: AlertRuleStatus
}

/** Body of GET /api/alerts. */
export interface AlertsOverview {
  /** Path of the rules file. */
  file: string
  exists: boolean
  intervalSeconds: number
  rules: AlertRuleView[]
  /** Mistakes in the rules file, each with its line; the rules are not evaluated while there are any. */
  problems: string[]
  /** False when Loupe listens on an address other machines may reach, so rules with commands cannot be saved. */
  commandsAllowed: boolean
}

/** A rule that started or stopped firing, with how its deliveries went. */
export interface AlertEvent {
  id: number
  alert: AlertJson
  /** Empty until the deliveries have ended. */
  deliveries: DeliveryResult[]
}

/** Body of POST /api/alerts/test and /api/alerts/rules/NAME/test. */
export interface AlertTestResult {
  firing: boolean
  alert: AlertJson
  deliveries: DeliveryResult[]
}

/** The push message that the core sends when a rule starts or stops firing. */
export interface AlertPushMessage {
  type: 'alert'
  alert: AlertJson
}

/** One rule in the output of `loupe alerts --json`. */
export interface AlertCheckRule {
  name: string
  kind: AlertRuleKind
  enabled: boolean
  firing: boolean
  /** The error that kept the rule from being evaluated, or null. */
  error: string | null
  /** The alert of an evaluated rule: firing, or resolved when it does not fire. Null when disabled or failed. */
  alert: AlertJson | null
  /** Results of the deliveries of a firing rule; empty with --dry-run. */
  deliveries: DeliveryResult[]
}

/** Output of `loupe alerts --json`. */
export interface AlertCheckReport {
  rulesFile: string
  rules: AlertCheckRule[]
  /** Names of the rules that fire. */
  fired: string[]
}
