// The core's alerting: evaluates every enabled rule of the data folder's
// rules file on an interval, one query at a time through the query runner,
// so that neither ingest nor the event loop waits for it. A rule raises an
// alert when it starts firing and another when it resolves. The alerts go
// to the rule's deliveries in the background and into a bounded history.

import { dirname } from 'node:path'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type {
  AlertEvent,
  AlertJson,
  AlertRule,
  AlertsOverview,
  AlertTestResult,
} from '../../shared/alerts'
import { buildAlert, deliverAlert, type DeliveryContext } from './deliver'
import { evaluateRule, type Evaluation, type QueryFunction } from './evaluate'
import { AlertHistory, statusJson, type StoredStatus } from './history'
import { AlertRulesError, DEFAULT_INTERVAL, durationSeconds, type RulesFile } from './rules'
import { deleteRule, loadRules, readRulesText, rulesFilePath, saveRule } from './rules-file'

/** The wait before the first evaluation after the core starts. */
const FIRST_EVALUATION_DELAY_MS = 2000
/** Maximum wait for GenAI normalization to catch up before an evaluation. */
const NORMALIZATION_WAIT_MS = 5000

export interface AlertServiceOptions {
  db: Database.Database
  dataDir: string
  query: QueryFunction
  /** Resolves once GenAI normalization has caught up with the store. */
  whenNormalized: () => Promise<void>
  /** Publishes an alert on the push channel. */
  publish: (alert: AlertJson) => void
  /** The UI's URL, once known. */
  uiUrl: () => string | null
  /** False when the core listens on an address other machines may reach. */
  commandsAllowed: boolean
  userAgent: string
  /** Seconds between two evaluations when the rules file sets no interval; DEFAULT_INTERVAL when absent. */
  defaultIntervalSeconds?: number
  log: Logger
}

/** A rule edit that is not allowed, such as a command while Loupe listens beyond loopback. */
export class AlertPermissionError extends Error {
  override name = 'AlertPermissionError'
}

interface LoadedRules {
  text: string | null
  rules: RulesFile | null
  problems: string[]
}

export class AlertService {
  readonly file: string
  private readonly history: AlertHistory
  private readonly statuses: Map<string, StoredStatus>
  private loaded: LoadedRules = { text: null, rules: { rules: [] }, problems: [] }
  private loadedOnce = false
  private chain: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private readonly deliveries = new Set<Promise<void>>()
  private readonly stopping = new AbortController()

  constructor(private readonly options: AlertServiceOptions) {
    this.file = rulesFilePath(options.dataDir)
    this.history = new AlertHistory(options.db)
    this.statuses = this.history.statuses()
  }

  start(): void {
    this.schedule(FIRST_EVALUATION_DELAY_MS)
  }

  /** Stops evaluating, kills delivery commands and ends webhook retries, then waits for them. */
  async stop(): Promise<void> {
    this.stopping.abort()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.chain
    await Promise.all(this.deliveries)
  }

  overview(): AlertsOverview {
    const loaded = this.reload()
    const rules = loaded.rules?.rules ?? []
    return {
      file: this.file,
      exists: loaded.text !== null,
      intervalSeconds: this.intervalMs() / 1000,
      rules: rules.map((rule) => ({ rule, status: statusJson(this.statuses.get(rule.name)) })),
      problems: loaded.problems,
      commandsAllowed: this.options.commandsAllowed,
    }
  }

  /** Evaluates every rule now, after the evaluation under way if any, and returns the overview. */
  async evaluateNow(): Promise<AlertsOverview> {
    await this.enqueue()
    return this.overview()
  }

  events(limit: number, ruleName?: string): AlertEvent[] {
    return this.history.events(limit, ruleName)
  }

  /**
   * Evaluates a rule once without changing its state. The alert's state is
   * firing or resolved by the current result. With `deliver`, the alert goes
   * to the rule's deliveries, marked as a test, and their results are returned.
   */
  async testRule(rule: AlertRule, deliver: boolean): Promise<AlertTestResult> {
    const now = new Date()
    const evaluation = await evaluateRule(rule, this.query, now)
    const alert: AlertJson = {
      ...buildAlert(rule, evaluation, evaluation.firing ? 'firing' : 'resolved', now, this.uiUrl()),
      test: true,
    }
    const deliveries = deliver
      ? await deliverAlert(alert, rule.deliver, this.deliveryContext())
      : []
    return { firing: evaluation.firing, alert, deliveries }
  }

  /**
   * Tests a rule that came with an API request rather than from the rules
   * file. Throws AlertPermissionError when `deliver` would run its command
   * while commands are not allowed.
   */
  async testDraft(rule: AlertRule, deliver: boolean): Promise<AlertTestResult> {
    if (deliver) this.checkCommandAllowed(rule, 'run')
    return this.testRule(rule, deliver)
  }

  /**
   * Adds a rule (`replacedName` null) or replaces the named one in the rules
   * file. Throws AlertRulesError, RuleNotFoundError or AlertPermissionError.
   */
  saveRule(replacedName: string | null, rule: AlertRule): void {
    this.checkCommandAllowed(rule, 'saved')
    saveRule(this.file, replacedName, rule)
    this.options.log.info({ rule: rule.name }, `saved alert rule ${rule.name} in ${this.file}`)
  }

  /** Deletes the named rule from the rules file. Throws RuleNotFoundError or AlertRulesError. */
  deleteRule(name: string): void {
    deleteRule(this.file, name)
    this.options.log.info({ rule: name }, `deleted alert rule ${name} from ${this.file}`)
  }

  /**
   * Throws AlertPermissionError for a rule with a command while Loupe listens
   * on an address other machines may reach, because anyone who reaches the
   * API could then run programs on this machine.
   */
  private checkCommandAllowed(rule: AlertRule, action: 'saved' | 'run'): void {
    if (rule.deliver?.command === undefined || this.options.commandsAllowed) return
    throw new AlertPermissionError(
      `Rules with a command cannot be ${action} through the API while Loupe listens on an ` +
        `address other machines may reach. Edit ${this.file} instead, or restart Loupe on 127.0.0.1.`,
    )
  }

  private readonly query: QueryFunction = (request) => this.options.query(request)

  private uiUrl(): string | null {
    return this.options.uiUrl()
  }

  private intervalMs(): number {
    const interval = this.loaded.rules?.interval
    if (interval === undefined && this.options.defaultIntervalSeconds !== undefined)
      return this.options.defaultIntervalSeconds * 1000
    return durationSeconds(interval ?? DEFAULT_INTERVAL)! * 1000
  }

  /** Reads the rules file again when its text changed; an invalid file keeps its problems. */
  private reload(): LoadedRules {
    let text: string | null
    try {
      text = readRulesText(this.file)
    } catch (error) {
      return this.setLoaded(null, null, [
        `reading ${this.file} failed: ${(error as Error).message}`,
      ])
    }
    if (this.loadedOnce && text === this.loaded.text) return this.loaded
    try {
      const rules = loadRules(this.file)
      return this.setLoaded(text, rules, [])
    } catch (error) {
      if (!(error instanceof AlertRulesError)) throw error
      return this.setLoaded(text, null, error.problems)
    }
  }

  private setLoaded(text: string | null, rules: RulesFile | null, problems: string[]): LoadedRules {
    const log = this.options.log
    if (problems.length > 0 && problems.join('\n') !== this.loaded.problems.join('\n')) {
      log.warn(
        `alert rules are not evaluated until ${this.file} is fixed:\n  ${problems.join('\n  ')}`,
      )
    } else if (rules !== null && text !== null) {
      log.info(`loaded ${rules.rules.length} alert rules from ${this.file}`)
    }
    const previousIntervalMs = this.intervalMs()
    const changed = this.loadedOnce
    this.loaded = { text, rules, problems }
    this.loadedOnce = true
    // A changed interval takes effect now rather than after the wait already scheduled.
    if (changed && this.timer !== null && this.intervalMs() !== previousIntervalMs) {
      clearTimeout(this.timer)
      this.schedule(this.intervalMs())
    }
    if (rules !== null) {
      const names = rules.rules.map((rule) => rule.name)
      for (const name of [...this.statuses.keys()]) {
        if (!names.includes(name)) this.statuses.delete(name)
      }
      this.history.deleteStatusesExcept(names)
    }
    return this.loaded
  }

  private schedule(delayMs: number): void {
    if (this.stopping.signal.aborted) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.enqueue().then(() => this.schedule(this.intervalMs()))
    }, delayMs)
  }

  /** Queues an evaluation of every rule after the one under way; never rejects. */
  private enqueue(): Promise<void> {
    const run = this.chain.then(() => this.evaluateAll())
    this.chain = run.catch((error: unknown) => {
      this.options.log.error({ err: error }, 'evaluating the alert rules failed')
    })
    return this.chain
  }

  private async evaluateAll(): Promise<void> {
    const rules = this.reload().rules
    if (rules === null || this.stopping.signal.aborted) return
    await this.waitForNormalization()
    for (const rule of rules.rules) {
      if (this.stopping.signal.aborted) return
      if (rule.enabled === false) continue
      await this.evaluate(rule)
    }
  }

  /** Waits for GenAI normalization to catch up, at most NORMALIZATION_WAIT_MS and not past stop(). */
  private async waitForNormalization(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    await Promise.race([
      this.options.whenNormalized(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, NORMALIZATION_WAIT_MS)
        onAbort = resolve
        this.stopping.signal.addEventListener('abort', onAbort, { once: true })
      }),
    ])
    clearTimeout(timer)
    this.stopping.signal.removeEventListener('abort', onAbort!)
  }

  /** Evaluates one rule, records its new state, and raises an alert when it changed. */
  private async evaluate(rule: AlertRule): Promise<void> {
    const now = new Date()
    const nowMs = now.getTime()
    const previous = this.statuses.get(rule.name)
    let evaluation: Evaluation
    try {
      evaluation = await evaluateRule(rule, this.query, now)
    } catch (error) {
      // The query processes are killed when the core stops; that is no failure of the rule.
      if (!this.stopping.signal.aborted) this.recordFailure(rule, previous, nowMs, error as Error)
      return
    }

    const state = evaluation.firing ? 'firing' : 'ok'
    const wasFiring = previous?.state === 'firing'
    this.setStatus(rule.name, {
      state,
      sinceMs: previous?.state === state ? previous.sinceMs : nowMs,
      lastEvaluatedMs: nowMs,
      lastFiredMs: evaluation.firing && !wasFiring ? nowMs : (previous?.lastFiredMs ?? null),
      lastResolvedMs: !evaluation.firing && wasFiring ? nowMs : (previous?.lastResolvedMs ?? null),
      value: evaluation.value,
      error: null,
    })

    if (evaluation.firing !== wasFiring) {
      const alertState = evaluation.firing ? 'firing' : 'resolved'
      this.raise(rule, buildAlert(rule, evaluation, alertState, now, this.uiUrl()))
    }
  }

  /** Keeps a failed rule's state, with the error, and logs the error once until it changes. */
  private recordFailure(
    rule: AlertRule,
    previous: StoredStatus | undefined,
    nowMs: number,
    error: Error,
  ): void {
    if (previous?.error !== error.message) {
      this.options.log.warn({ rule: rule.name }, `alert rule ${rule.name} failed: ${error.message}`)
    }
    this.setStatus(rule.name, {
      ...(previous ?? unknownStatus(nowMs)),
      lastEvaluatedMs: nowMs,
      error: error.message,
    })
  }

  private setStatus(name: string, status: StoredStatus): void {
    this.statuses.set(name, status)
    this.history.saveStatus(name, status)
  }

  /** Stores the alert and sends it to the rule's deliveries in the background. */
  private raise(rule: AlertRule, alert: AlertJson): void {
    const id = this.history.addEvent(alert)
    this.options.log.info(
      { rule: rule.name, state: alert.state },
      `alert ${rule.name} is ${alert.state}: ${alert.summary}`,
    )
    const delivery = deliverAlert(alert, rule.deliver, this.deliveryContext())
      .then((results) => this.history.setDeliveries(id, results))
      .catch((error: unknown) => {
        this.options.log.error(
          { err: error, rule: rule.name },
          `delivering alert ${rule.name} failed`,
        )
      })
      .finally(() => this.deliveries.delete(delivery))
    this.deliveries.add(delivery)
  }

  private deliveryContext(): DeliveryContext {
    return {
      cwd: dirname(this.file),
      userAgent: this.options.userAgent,
      publish: this.options.publish,
      signal: this.stopping.signal,
      log: this.options.log,
    }
  }
}

function unknownStatus(nowMs: number): StoredStatus {
  return {
    state: 'unknown',
    sinceMs: nowMs,
    lastEvaluatedMs: null,
    lastFiredMs: null,
    lastResolvedMs: null,
    value: null,
    error: null,
  }
}
