// `loupe alerts`: evaluates every enabled alert rule once against a data
// folder's store, prints what fires with its evidence, and runs the firing
// rules' commands and webhooks. It keeps no state: a rule that fires is
// reported and delivered on every run. The exit code reports the outcome to CI.

import { dirname } from 'node:path'
import type { Command } from 'commander'
import pino from 'pino'
import type { AlertCheckReport, AlertCheckRule, AlertRule } from '../shared/alerts'
import { buildAlert, deliverAlert } from '../core/alerts/deliver'
import { evaluateRule } from '../core/alerts/evaluate'
import { AlertRulesError, parseRulesFile } from '../core/alerts/rules'
import { readRulesText, rulesFilePath } from '../core/alerts/rules-file'
import { readDiscovery } from '../core/discovery'
import { loupeVersion } from '../core/package-root'
import { defaultDataDir } from '../core/paths'
import { CliError, dataOption, verifyDataFolder } from './folder'
import { printable } from './format'
import { runQuery } from './query'

/** Exit codes of `loupe alerts`. */
export const ALERTS_EXIT = { none: 0, fired: 1, invalid: 2 } as const

interface AlertsOptions {
  data?: string
  json?: boolean
  rules?: string
  dryRun?: boolean
}

const out = (text: string) => process.stdout.write(`${text}\n`)
const err = (text: string) => process.stderr.write(`${text}\n`)

export function registerAlertsCommand(program: Command): void {
  program
    .command('alerts')
    .description(
      'evaluate every alert rule once, print what fires with its evidence and run its deliveries; ' +
        'exit 1 when a rule fires, 2 when the rules are invalid or one cannot be evaluated',
    )
    .addOption(dataOption())
    .option('--rules <file>', 'rules file (default: alerts.yaml in the data folder)')
    .option('--json', 'print the report as JSON')
    .option('--dry-run', 'evaluate only: run no command and send no webhook')
    // Usage errors exit 2, because exit code 1 means that a rule fires.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : ALERTS_EXIT.invalid))
    .action(async (options: AlertsOptions) => {
      process.exitCode = await alertsCommand(options)
    })
}

async function alertsCommand(options: AlertsOptions): Promise<number> {
  const dataDir = options.data ?? defaultDataDir()
  // A missing folder is allowed: with --rules, each rule's query reports it.
  try {
    verifyDataFolder(dataDir, { allowMissing: true })
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    err(`loupe: ${error.message}`)
    return ALERTS_EXIT.invalid
  }
  const rulesFile = options.rules ?? rulesFilePath(dataDir)
  const rules = readRules(rulesFile)
  if (rules === null) return ALERTS_EXIT.invalid

  const uiUrl = readDiscovery(dataDir)?.uiUrl ?? null
  const dryRun = options.dryRun ?? false
  const checked: AlertCheckRule[] = []
  for (const rule of rules) {
    checked.push(await checkRule(rule, dataDir, uiUrl, dirname(rulesFile), dryRun))
  }
  const report: AlertCheckReport = {
    rulesFile,
    rules: checked,
    fired: checked.filter((rule) => rule.firing).map((rule) => rule.name),
  }
  out(options.json ? JSON.stringify(report, null, 2) : formatReport(report))

  if (checked.some((rule) => rule.error !== null)) return ALERTS_EXIT.invalid
  return report.fired.length > 0 ? ALERTS_EXIT.fired : ALERTS_EXIT.none
}

/** Reads and checks the rules file; prints what is wrong and returns null when it is missing or invalid. */
function readRules(rulesFile: string): AlertRule[] | null {
  let text: string | null
  try {
    text = readRulesText(rulesFile)
  } catch (error) {
    // A folder or an unreadable file: the rules are missing like an absent file, so exit 2 too.
    err(`loupe: cannot read the alert rules file ${rulesFile}: ${(error as Error).message}`)
    return null
  }
  if (text === null) {
    err(
      `loupe: no alert rules file at ${rulesFile}; write one (see docs/alerts.md) or give --rules FILE`,
    )
    return null
  }
  try {
    return parseRulesFile(text, rulesFile).rules
  } catch (error) {
    if (!(error instanceof AlertRulesError)) throw error
    err(`loupe: ${error.message}`)
    return null
  }
}

async function checkRule(
  rule: AlertRule,
  dataDir: string,
  uiUrl: string | null,
  cwd: string,
  dryRun: boolean,
): Promise<AlertCheckRule> {
  const checked: AlertCheckRule = {
    name: rule.name,
    kind: rule.kind,
    enabled: rule.enabled ?? true,
    firing: false,
    error: null,
    alert: null,
    deliveries: [],
  }
  if (!checked.enabled) return checked
  const now = new Date()
  let evaluation
  try {
    evaluation = await evaluateRule(rule, (request) => runQuery(dataDir, request), now)
  } catch (error) {
    checked.error = (error as Error).message
    return checked
  }
  checked.firing = evaluation.firing
  checked.alert = buildAlert(
    rule,
    evaluation,
    evaluation.firing ? 'firing' : 'resolved',
    now,
    uiUrl,
  )
  if (evaluation.firing && !dryRun) {
    checked.deliveries = await deliverAlert(checked.alert, rule.deliver, {
      cwd,
      userAgent: `loupe/${loupeVersion()}`,
      // The report prints each delivery's result, so the log stays quiet.
      log: pino({ level: 'silent' }),
    })
  }
  return checked
}

/** Formats the report for a terminal: one block per rule, firing rules with their evidence. */
export function formatReport(report: AlertCheckReport): string {
  const lines: string[] = []
  for (const rule of report.rules) {
    const name = printable(rule.name)
    if (!rule.enabled) {
      lines.push(`disabled  ${name}`)
      continue
    }
    if (rule.error !== null) {
      lines.push(`ERROR     ${name} (${rule.kind}): ${printable(rule.error)}`)
      continue
    }
    const alert = rule.alert!
    lines.push(
      `${rule.firing ? 'FIRING' : 'ok'.padEnd(6)}    ${name} (${rule.kind}): ${printable(alert.summary)}`,
    )
    if (!rule.firing) continue
    if (alert.window !== null) {
      lines.push(
        `          window: ${alert.window.duration}, ${alert.window.start} to ${alert.window.end}`,
      )
    }
    if (alert.traceIds.length > 0) lines.push(`          traces: ${alert.traceIds.join(', ')}`)
    if (alert.url !== null) lines.push(`          open: ${alert.url}`)
    for (const delivery of rule.deliveries) {
      const outcome = delivery.ok ? 'ok' : `failed: ${printable(delivery.error ?? '')}`
      lines.push(`          ${delivery.channel}: ${outcome}`)
    }
  }
  if (report.rules.length === 0) lines.push(`no rules in ${report.rulesFile}`)
  const fired = report.fired.length
  lines.push(
    fired === 0
      ? 'No rule fires.'
      : `${fired} rule${fired === 1 ? '' : 's'} fire${fired === 1 ? 's' : ''}: ${report.fired.map(printable).join(', ')}`,
  )
  return lines.join('\n')
}
