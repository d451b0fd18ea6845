// The alert rules' last states and the recent alerts, kept in the store so
// that a restarted core neither repeats an alert nor loses one.

import type Database from 'better-sqlite3'
import type { AlertEvent, AlertJson, AlertRuleStatus, DeliveryResult } from '../../shared/alerts'

/** Maximum number of alerts kept. Older ones are deleted as new ones are added. */
export const MAX_ALERT_EVENTS = 1000

/** A rule's state as stored; times in Unix milliseconds. */
export interface StoredStatus {
  /** unknown while every evaluation so far failed. */
  state: 'ok' | 'firing' | 'unknown'
  sinceMs: number
  lastEvaluatedMs: number | null
  lastFiredMs: number | null
  lastResolvedMs: number | null
  value: number | null
  error: string | null
}

interface StatusRow {
  rule_name: string
  state: 'ok' | 'firing' | 'unknown'
  since_ms: number
  last_evaluated_ms: number | null
  last_fired_ms: number | null
  last_resolved_ms: number | null
  value: number | null
  error: string | null
}

interface EventRow {
  id: number
  alert: string
  deliveries: string | null
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

/** Converts a stored state to the API's form; a rule never evaluated is unknown. */
export function statusJson(stored: StoredStatus | undefined): AlertRuleStatus {
  if (stored === undefined) {
    return {
      state: 'unknown',
      since: null,
      lastEvaluated: null,
      lastFired: null,
      lastResolved: null,
      value: null,
      error: null,
    }
  }
  return {
    state: stored.state,
    since: isoOrNull(stored.sinceMs),
    lastEvaluated: isoOrNull(stored.lastEvaluatedMs),
    lastFired: isoOrNull(stored.lastFiredMs),
    lastResolved: isoOrNull(stored.lastResolvedMs),
    value: stored.value,
    error: stored.error,
  }
}

export class AlertHistory {
  constructor(private readonly db: Database.Database) {}

  /** Returns the stored state of every rule, by rule name. */
  statuses(): Map<string, StoredStatus> {
    const rows = this.db.prepare('SELECT * FROM alert_states').all() as StatusRow[]
    return new Map(
      rows.map((row) => [
        row.rule_name,
        {
          state: row.state,
          sinceMs: row.since_ms,
          lastEvaluatedMs: row.last_evaluated_ms,
          lastFiredMs: row.last_fired_ms,
          lastResolvedMs: row.last_resolved_ms,
          value: row.value,
          error: row.error,
        },
      ]),
    )
  }

  saveStatus(ruleName: string, status: StoredStatus): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO alert_states (rule_name, state, since_ms, last_evaluated_ms,
           last_fired_ms, last_resolved_ms, value, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        ruleName,
        status.state,
        status.sinceMs,
        status.lastEvaluatedMs,
        status.lastFiredMs,
        status.lastResolvedMs,
        status.value,
        status.error,
      )
  }

  /** Deletes the states of rules that are no longer in the rules file. */
  deleteStatusesExcept(ruleNames: string[]): void {
    const keep = new Set(ruleNames)
    const remove = this.db.prepare('DELETE FROM alert_states WHERE rule_name = ?')
    for (const name of this.statuses().keys()) {
      if (!keep.has(name)) remove.run(name)
    }
  }

  /** Stores an alert and deletes the oldest ones past MAX_ALERT_EVENTS; returns its id. */
  addEvent(alert: AlertJson): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO alert_events (rule_name, state, time_ms, alert) VALUES (?, ?, ?, ?)')
        .run(alert.rule, alert.state, Date.parse(alert.time), JSON.stringify(alert))
      const id = Number(lastInsertRowid)
      this.db.prepare('DELETE FROM alert_events WHERE id <= ?').run(id - MAX_ALERT_EVENTS)
      return id
    })()
  }

  setDeliveries(id: number, deliveries: DeliveryResult[]): void {
    this.db
      .prepare('UPDATE alert_events SET deliveries = ? WHERE id = ?')
      .run(JSON.stringify(deliveries), id)
  }

  /** Returns the newest alerts first, of one rule when `ruleName` is given. */
  events(limit: number, ruleName?: string): AlertEvent[] {
    const rows = (
      ruleName === undefined
        ? this.db.prepare('SELECT * FROM alert_events ORDER BY id DESC LIMIT ?').all(limit)
        : this.db
            .prepare('SELECT * FROM alert_events WHERE rule_name = ? ORDER BY id DESC LIMIT ?')
            .all(ruleName, limit)
    ) as EventRow[]
    return rows.map((row) => ({
      id: row.id,
      alert: JSON.parse(row.alert) as AlertJson,
      deliveries: row.deliveries === null ? [] : (JSON.parse(row.deliveries) as DeliveryResult[]),
    }))
  }
}
