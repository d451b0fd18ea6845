// Builds the alert JSON of an evaluation and sends it to a rule's
// deliveries: the push channel (desktop notification and UI toast), a
// command and a webhook, side by side.

import type { Logger } from 'pino'
import type { AlertDeliveries, AlertJson, AlertRule, DeliveryResult } from '../../shared/alerts'
import { runCommandDelivery } from './command-delivery'
import type { Evaluation } from './evaluate'
import { postWebhook } from './webhook-delivery'

/**
 * Returns the UI URL that shows an alert's evidence: the trace when there is
 * one, else the rule on the alerts page. The URL carries no API token, so a
 * browser that has not opened Loupe before needs the URL that `loupe serve`
 * prints first.
 */
export function alertUrl(
  uiUrl: string | null,
  ruleName: string,
  traceIds: string[],
): string | null {
  if (uiUrl === null || uiUrl === '') return null
  const base = uiUrl.replace(/\/+$/, '')
  if (traceIds.length === 1) return `${base}/#/trace/${encodeURIComponent(traceIds[0]!)}`
  return `${base}/#/alerts/${encodeURIComponent(ruleName)}`
}

export function buildAlert(
  rule: AlertRule,
  evaluation: Evaluation,
  state: AlertJson['state'],
  time: Date,
  uiUrl: string | null,
): AlertJson {
  return {
    rule: rule.name,
    kind: rule.kind,
    state,
    summary: evaluation.summary,
    value: evaluation.value,
    threshold: evaluation.threshold,
    window: evaluation.window,
    time: time.toISOString(),
    traceIds: evaluation.traceIds,
    url: alertUrl(uiUrl, rule.name, evaluation.traceIds),
    evidence: evaluation.evidence,
  }
}

export interface DeliveryContext {
  /** The folder commands run in: the rules file's folder. */
  cwd: string
  userAgent: string
  /** Publishes the alert on the push channel; the CLI has none. */
  publish?: (alert: AlertJson) => void
  /** Stops commands and webhook retries when aborted. */
  signal?: AbortSignal
  log: Logger
}

/**
 * Sends `alert` to each delivery of the rule at once and resolves with their
 * results when all have ended. Logs each failed delivery.
 */
export async function deliverAlert(
  alert: AlertJson,
  deliver: AlertDeliveries | undefined,
  context: DeliveryContext,
): Promise<DeliveryResult[]> {
  const json = JSON.stringify(alert)
  const pending: Promise<DeliveryResult>[] = []
  if ((deliver?.desktop ?? true) && context.publish) {
    const started = performance.now()
    context.publish(alert)
    pending.push(
      Promise.resolve({
        channel: 'desktop',
        ok: true,
        error: null,
        durationMs: performance.now() - started,
      }),
    )
  }
  if (deliver?.command) {
    pending.push(
      runCommandDelivery(deliver.command, json, { cwd: context.cwd, signal: context.signal }),
    )
  }
  if (deliver?.webhook) {
    pending.push(
      postWebhook(deliver.webhook, json, {
        userAgent: context.userAgent,
        signal: context.signal,
      }),
    )
  }
  const results = await Promise.all(pending)
  for (const result of results) {
    if (result.ok) continue
    context.log.warn(
      { rule: alert.rule, state: alert.state, channel: result.channel },
      `alert delivery by ${result.channel} failed: ${result.error}`,
    )
  }
  return results
}
